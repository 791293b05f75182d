"""Load harness: a many-guild world in the fake Discord, a mixed event plan, a paced driver,
and the checks "every message that should be answered is answered exactly once".

Shared by tests/load/test_burst.py and benchmarks/bench_discord_load.py. Everything runs on
127.0.0.1 against tests/e2e/fake_discord.py; every loop here is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import os
import random
import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answering import Engine
from bot.app import OptoutBot, create_bot
from bot.cogs.questions import GREETING_TITLE
from bot.config import Settings
from bot.knowledge import load_knowledge
from bot.presentation.layout import layout
from bot.store import InMemoryStore, SqliteStore, Store
from tests.e2e.fake_discord import BOT_TOKEN, FakeDiscord, skip_identify_delay
from tests.faults.bot_process import NO_COOLDOWNS, spawn, terminate

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE_KB = ROOT / "tests" / "fixtures" / "kb_min"
ACK_LIMIT = 3.0  # Discord drops an interaction not acknowledged within 3 seconds
CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback")
CHANNEL_POST = re.compile(r"/channels/(\d+)/messages")

#: Confident in-scope questions (answered even unprompted, in answer channels).
SURE = (
    "how do i opt out",
    "turn off ai training",
    "are my private messages used",
    "does it read my dms",
    "does this apply in my country",
    "how do i opt out on my iphone",
    "turn off ai training on android",
    "is it different in europe",
    "stop linkedin using my data for ai",
)
#: Questions the bot declines: answered when asked directly, silence in answer channels.
UNSURE = (
    "recipe for banana bread",
    "what is the weather tomorrow",
    "best pizza in naples",
)
#: Ordinary chatter that is not addressed to the bot.
CHATTER = ("good morning everyone", "lol", "anyone up for lunch?", "see you tomorrow")


def engine_for(kb_dir: Path = FIXTURE_KB) -> Engine:
    result = load_knowledge(kb_dir)
    assert result.kb is not None, [str(p) for p in result.problems]
    return Engine(result.kb)


def burst_settings(**overrides: Any) -> Settings:
    """Settings with every cooldown and the repeat window off, so each message must be answered."""
    base = Settings(message_content=True, watch_knowledge=False)
    values: dict[str, Any] = {
        "user_cooldown_seconds": 0.0,
        "channel_cooldown_seconds": 0.0,
        "repeat_window_seconds": 0.0,
    }
    values.update(overrides)
    return dataclasses.replace(base, **values)


def build_bot(settings: Settings, engine: Engine, store: Store) -> OptoutBot:
    bot = create_bot(settings, engine=engine, store=store, guild_ready_timeout=0.05)
    return skip_identify_delay(bot)  # type: ignore[return-value]


# ---------------------------------------------------------------------------- the world


@dataclass
class LoadWorld:
    guilds: list[Json]
    channels: list[Json]  # guild text channels, all guilds
    answer_channels: set[str]  # channels moderators chose for unprompted answers
    members: dict[str, list[Json]]  # guild id -> human members
    other_bots: dict[str, Json]  # guild id -> another bot in that guild
    dm_channels: list[tuple[Json, Json]]  # (user, DM channel)

    def guild_of(self, channel: Json) -> str:
        return channel["guild_id"]


def seed_world(
    fake: FakeDiscord,
    *,
    guilds: int = 5,
    channels_per_guild: int = 10,
    answer_channels_per_guild: int = 3,
    members_per_guild: int = 8,
    dm_users: int = 5,
) -> LoadWorld:
    """``guilds`` x ``channels_per_guild`` text channels; the first few of each are chosen."""
    world = LoadWorld([], [], set(), {}, {}, [])
    for g in range(guilds):
        names = [f"chan-{g}-{c}" for c in range(channels_per_guild)]
        guild = fake.add_guild(f"Guild {g}", channels=names)
        world.guilds.append(guild)
        chans = [c for c in fake.channels.values() if c.get("guild_id") == guild["id"]]
        world.channels += chans
        world.answer_channels |= {c["id"] for c in chans[:answer_channels_per_guild]}
        people = []
        for m in range(members_per_guild):
            user = fake.make_user(f"user-{g}-{m}")
            fake.add_member(guild["id"], user)
            people.append(user)
        world.members[guild["id"]] = people
        other = fake.make_user(f"otherbot-{g}", bot=True)
        fake.add_member(guild["id"], other)
        world.other_bots[guild["id"]] = other
    for d in range(dm_users):
        user = world.members[world.guilds[d % guilds]["id"]][d % members_per_guild]
        world.dm_channels.append((user, fake.dm_channel(user)))
    return world


async def seed_store(store: Store, world: LoadWorld) -> None:
    await store.open()
    for channel in world.channels:
        if channel["id"] in world.answer_channels:
            await store.add_answer_channel(int(channel["guild_id"]), int(channel["id"]))


@contextlib.asynccontextmanager
async def bot_in_own_process(fake: FakeDiscord, world: LoadWorld, workdir: Path):
    """The production bot (``bot.app._run``, SQLite store) in a separate OS process.

    Why: in production Discord's work happens on Discord's servers. In-process, the fake's
    work (JSON, compression, every REST request) is charged to the bot's event loop and CPU;
    here the bot has its own interpreter, and the fake and the driver have this one.
    Yields the process once it has answered a first mention; SIGTERM afterwards, and the
    exit code and log must show a clean stop (checked by the caller via ``.log``).
    """
    database = workdir / "load.sqlite3"
    store = SqliteStore(database)
    await seed_store(store, world)
    await store.close()
    log_path = workdir / "bot.log"
    settings = {"DATABASE_PATH": str(database), **NO_COOLDOWNS}
    with open(log_path, "wb") as log_file:  # noqa: ASYNC230 - once, before the bot starts
        proc = await spawn(fake.http_url, BOT_TOKEN, settings, stderr=log_file)
        handle = BotProcess(proc, log_path, database)
        try:
            await handle.wait_ready(fake, world)
            yield handle
        finally:
            await handle.stop()


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    log_path: Path
    database: Path
    exit_code: int | None = None
    ready_answers: int = 0  # answers recorded for the readiness probe

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait_ready(self, fake: FakeDiscord, world: LoadWorld, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Ready = it answers a mention (commands synced, guilds cached, store open)."""
        await fake.wait_for(lambda: fake.connected or self.proc.returncode is not None, timeout)
        channel = world.channels[0]
        user = world.members[channel["guild_id"]][0]
        mark = fake.mark()
        if self.proc.returncode is None:
            await fake.send_message_create(
                channel["id"], f"<@{fake.bot_user['id']}> how do i opt out", author=user
            )
            with contextlib.suppress(TimeoutError):
                await fake.wait_for(
                    lambda: bool(bot_posts(fake, mark)) or self.proc.returncode is not None,
                    timeout,
                )
        if self.proc.returncode is not None or not bot_posts(fake, mark):
            raise RuntimeError(f"bot process not ready:\n{self.log[-3000:]}")
        self.ready_answers = 1

    async def stop(self) -> int:
        """SIGTERM and wait (10 s, then SIGKILL); returns the exit code."""
        self.exit_code = await terminate(self.proc)
        return self.exit_code


async def recorded_answers(database: Path) -> int:
    """Answer events in the SQLite file (any server); readable while the bot runs (WAL)."""
    async with SqliteStore(database) as store:
        return (await store.stats()).total


# ---------------------------------------------------------------------------- the plan


@dataclass
class Event:
    kind: str  # "message" | "command"
    channel_id: str
    author: Json
    content: str = ""
    command: str = ""
    options: Json = field(default_factory=dict)
    expect_reply: bool = False  # messages: exactly one reply; else none
    expect_title: str | None = None  # title of the reply's embed, when answered
    category: str = ""
    sent_id: str | None = None  # message id / interaction id once sent
    sent_at: float = 0.0


def plan_events(
    fake: FakeDiscord,
    world: LoadWorld,
    engine: Engine,
    *,
    messages: int = 5000,
    commands: int = 1000,
    seed: int = 5,
) -> list[Event]:
    """A shuffled mix of ``messages`` messages and ``commands`` slash commands.

    Each message carries what must happen to it (one reply with a given title, or none),
    worked out with the same engine the bot uses.
    """
    rng = random.Random(seed)
    bot_id = fake.bot_user["id"]
    events: list[Event] = []

    def title(question: str, *, strict: bool) -> str | None:
        answer = engine.answer(question, strict=strict)
        if strict and answer.outcome != "answer":
            return None
        return layout(answer).title

    categories = [
        ("mention-sure", 30),
        ("mention-unsure", 8),
        ("mention-bare", 4),
        ("mention-nick", 6),
        ("channel-sure", 18),
        ("channel-unsure", 8),
        ("chatter", 14),
        ("other-bot", 6),
        ("dm", 6),
    ]
    names = [c for c, _ in categories]
    weights = [w for _, w in categories]
    plain = [c for c in world.channels if c["id"] not in world.answer_channels]
    chosen = [c for c in world.channels if c["id"] in world.answer_channels]
    for _ in range(messages):
        cat = rng.choices(names, weights)[0]
        if cat == "dm":
            user, dm = rng.choice(world.dm_channels)
            q = rng.choice(SURE + UNSURE)
            events.append(
                Event("message", dm["id"], user, q, expect_reply=True, category=cat,
                      expect_title=title(q, strict=False))
            )  # fmt: skip
            continue
        channel = rng.choice(chosen if cat.startswith("channel") else world.channels)
        if cat == "chatter":
            channel = rng.choice(plain)
        gid = channel["guild_id"]
        user = rng.choice(world.members[gid])
        if cat in ("mention-sure", "mention-unsure", "mention-nick"):
            q = rng.choice(UNSURE if cat == "mention-unsure" else SURE)
            tag = f"<@!{bot_id}>" if cat == "mention-nick" else f"<@{bot_id}>"
            content = f"{tag} {q}" if rng.random() < 0.7 else f"{q} {tag}"
            exp = title(q, strict=False)
            events.append(Event("message", channel["id"], user, content, expect_reply=True,
                                expect_title=exp, category=cat))  # fmt: skip
        elif cat == "mention-bare":
            events.append(Event("message", channel["id"], user, f"<@{bot_id}>", expect_reply=True,
                                expect_title=GREETING_TITLE, category=cat))  # fmt: skip
        elif cat in ("channel-sure", "channel-unsure"):
            q = rng.choice(SURE if cat == "channel-sure" else UNSURE)
            exp = title(q, strict=True)
            events.append(Event("message", channel["id"], user, q, expect_reply=exp is not None,
                                expect_title=exp, category=cat))  # fmt: skip
        elif cat == "chatter":
            events.append(Event("message", channel["id"], user, rng.choice(CHATTER), category=cat))
        elif cat == "other-bot":
            other = world.other_bots[gid]
            content = f"<@{bot_id}> {rng.choice(SURE)}"
            events.append(Event("message", channel["id"], other, content, category=cat))
    for _ in range(commands):
        channel = rng.choice(world.channels)
        user = rng.choice(world.members[channel["guild_id"]])
        pick = rng.random()
        if pick < 0.5:
            options: Json = {}
            if rng.random() < 0.7:
                options["platform"] = rng.choice(["desktop", "mobile", "ios", "android"])
            if rng.random() < 0.5:
                options["region"] = rng.choice(["us", "eu", "uk", "ch", "ca", "hk", "other"])
            if rng.random() < 0.3:
                options["private"] = True
            events.append(Event("command", channel["id"], user, command="optout", options=options,
                                expect_title="Turn off AI training on your data",
                                category="/optout"))  # fmt: skip
        elif pick < 0.85:
            q = rng.choice(SURE + UNSURE)
            events.append(Event("command", channel["id"], user, command="ask",
                                options={"question": q}, category="/ask",
                                expect_title=title(q, strict=False)))  # fmt: skip
        elif pick < 0.95:
            events.append(Event("command", channel["id"], user, command="topics",
                                expect_title="What I can answer", category="/topics"))  # fmt: skip
        else:
            events.append(Event("command", channel["id"], user, command="sources",
                                expect_title="Where my answers come from",
                                category="/sources"))  # fmt: skip
    rng.shuffle(events)
    return events


# ---------------------------------------------------------------------------- driving


async def send_event(fake: FakeDiscord, event: Event) -> None:
    event.sent_at = time.monotonic()
    if event.kind == "message":
        message = await fake.send_message_create(
            event.channel_id, event.content, author=event.author
        )
        event.sent_id = message["id"]
    else:
        inter = await fake.send_slash_command(
            event.command, event.options, user=event.author, channel_id=event.channel_id
        )
        event.sent_id = inter.id


async def drive(
    fake: FakeDiscord, events: list[Event], *, rate: float | None, tick: float = 0.01
) -> float:
    """Send every event, ``rate`` per second (None: all at once); returns seconds taken."""
    started = time.monotonic()
    if rate is None:
        for event in events:
            await send_event(fake, event)
        return time.monotonic() - started
    per_tick = max(1, round(rate * tick))
    for n, start in enumerate(range(0, len(events), per_tick)):
        for event in events[start : start + per_tick]:
            await send_event(fake, event)
        delay = started + (n + 1) * per_tick / rate - time.monotonic()
        await asyncio.sleep(max(0.0, delay))
    return time.monotonic() - started


def bot_posts_in(requests: Iterable[Any]) -> list[Any]:
    """Every channel message POST (any status) among ``requests``."""
    return [r for r in requests if r.method == "POST" and CHANNEL_POST.fullmatch(r.path)]


def callbacks_in(requests: Iterable[Any]) -> list[Any]:
    """Every interaction callback POST (any status) among ``requests``."""
    return [r for r in requests if r.method == "POST" and CALLBACK.fullmatch(r.path)]


def bot_posts(fake: FakeDiscord, since: int = 0) -> list[Any]:
    return bot_posts_in(fake.requests[since:])


def callbacks(fake: FakeDiscord, since: int = 0) -> list[Any]:
    return callbacks_in(fake.requests[since:])


async def wait_settled(
    fake: FakeDiscord,
    events: list[Event],
    *,
    since: int = 0,
    timeout: float = 60.0,  # noqa: ASYNC109 - a bounded poll, not a cancellation scope
    quiet: float = 0.5,
) -> None:
    """Until every expected reply/ack arrived and then nothing new happened for ``quiet`` s."""
    want_replies = sum(1 for e in events if e.kind == "message" and e.expect_reply)
    want_acks = sum(1 for e in events if e.kind == "command")
    deadline = time.monotonic() + timeout
    cursor, replies, acks = since, 0, 0
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        end = len(fake.requests)
        if end != cursor:
            new = fake.requests[cursor:end]
            replies += len(bot_posts_in(new))
            acks += len(callbacks_in(new))
            cursor, quiet_since = end, time.monotonic()
        if replies >= want_replies and acks >= want_acks and time.monotonic() - quiet_since > quiet:
            return
        await asyncio.sleep(0.1)


# ---------------------------------------------------------------------------- checking


@dataclass
class BurstReport:
    messages: int
    commands: int
    expected_replies: int
    replies: int
    answered_twice: list[str]
    missing: list[str]
    unwanted: list[str]
    wrong_title: list[str]
    unattributed: int
    failed_posts: int
    ack_latencies: list[float]
    late_acks: list[str]
    unacked: list[str]
    double_acked: list[str]
    failed_callbacks: int
    first_sent: float
    last_done: float
    categories: Counter

    @property
    def duration(self) -> float:
        return self.last_done - self.first_sent

    @property
    def answers_per_second(self) -> float:
        return (self.replies + len(self.ack_latencies)) / max(self.duration, 1e-9)

    def problems(self) -> list[str]:
        out = []
        for name in ("answered_twice", "missing", "unwanted", "wrong_title", "late_acks",
                     "unacked", "double_acked"):  # fmt: skip
            items = getattr(self, name)
            if items:
                out.append(f"{name}: {len(items)} e.g. {items[:3]}")
        if self.unattributed:
            out.append(f"{self.unattributed} bot messages that are not replies")
        if self.failed_posts or self.failed_callbacks:
            out.append(
                f"failed posts {self.failed_posts}, failed callbacks {self.failed_callbacks}"
            )
        return out

    def summary(self) -> str:
        lat = sorted(self.ack_latencies) or [0.0]
        return (
            f"{self.messages} messages + {self.commands} commands in {self.duration:.1f} s: "
            f"{self.replies}/{self.expected_replies} replies, {len(self.ack_latencies)} acks, "
            f"{self.answers_per_second:.0f} answers/s; ack p50 {percentile(lat, 50) * 1000:.0f} ms "
            f"p99 {percentile(lat, 99) * 1000:.0f} ms max {lat[-1] * 1000:.0f} ms"
        )


def embed_title(body: Json | None) -> str | None:
    embeds = (body or {}).get("embeds") or []
    return embeds[0].get("title") if embeds else None


def check_burst(fake: FakeDiscord, events: list[Event], *, since: int = 0) -> BurstReport:
    by_message = {e.sent_id: e for e in events if e.kind == "message"}
    by_inter = {e.sent_id: e for e in events if e.kind == "command"}
    replies: dict[str, list[Json]] = defaultdict(list)
    unattributed = failed_posts = 0
    last_done = 0.0
    for req in bot_posts(fake, since):
        if not req.status or req.status >= 300:
            failed_posts += 1
            continue
        ref = (req.json or {}).get("message_reference") or {}
        target = str(ref.get("message_id", ""))
        if target not in by_message:
            unattributed += 1
            continue
        replies[target].append(req.json)
        last_done = max(last_done, req.time)
    acks: dict[str, list[Any]] = defaultdict(list)
    failed_callbacks = 0
    for req in callbacks(fake, since):
        inter_id = CALLBACK.fullmatch(req.path)[1]  # type: ignore[index]
        if not req.status or req.status >= 300:
            failed_callbacks += 1
            continue
        if inter_id in by_inter:
            acks[inter_id].append(req)
            last_done = max(last_done, req.time)
    report = BurstReport(
        messages=len(by_message),
        commands=len(by_inter),
        expected_replies=sum(1 for e in by_message.values() if e.expect_reply),
        replies=sum(len(v) for v in replies.values()),
        answered_twice=[],
        missing=[],
        unwanted=[],
        wrong_title=[],
        unattributed=unattributed,
        failed_posts=failed_posts,
        ack_latencies=[],
        late_acks=[],
        unacked=[],
        double_acked=[],
        failed_callbacks=failed_callbacks,
        first_sent=min((e.sent_at for e in events), default=0.0),
        last_done=last_done,
        categories=Counter(e.category for e in events),
    )
    for mid, event in by_message.items():
        got = replies.get(mid, [])
        label = f"{event.category}:{event.content[:40]!r}"
        if event.expect_reply and not got:
            report.missing.append(label)
        elif not event.expect_reply and got:
            report.unwanted.append(label)
        elif len(got) > 1:
            report.answered_twice.append(label)
        if got and event.expect_title and embed_title(got[0]) != event.expect_title:
            report.wrong_title.append(f"{label} -> {embed_title(got[0])!r}")
    for iid, event in by_inter.items():
        got = acks.get(iid, [])
        label = f"{event.category}:{event.options}"
        if not got:
            report.unacked.append(label)
            continue
        if len(got) > 1:
            report.double_acked.append(label)
        latency = got[0].time - event.sent_at
        report.ack_latencies.append(latency)
        if latency > ACK_LIMIT:
            report.late_acks.append(f"{label} after {latency:.2f}s")
        body = got[0].json or {}
        if body.get("type") != 4 or embed_title(body.get("data")) != event.expect_title:
            report.wrong_title.append(
                f"{label} -> {body.get('type')} {embed_title(body.get('data'))!r}"
            )
    return report


# ---------------------------------------------------------------------------- measuring


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(pct / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


class LagMeter:
    """A ticker task: sleeps ``interval`` and records how late it woke (event-loop lag)."""

    def __init__(self, interval: float = 0.01, max_samples: int = 200_000) -> None:
        self.interval = interval
        self.max_samples = max_samples
        self.samples: list[float] = []
        self._task: asyncio.Task | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while len(self.samples) < self.max_samples:
            before = loop.time()
            await asyncio.sleep(self.interval)
            self.samples.append(max(0.0, loop.time() - before - self.interval))

    def start(self) -> LagMeter:
        self.samples.clear()
        self._task = asyncio.create_task(self._tick(), name="lag-meter")
        return self

    async def stop(self) -> dict[str, float]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        values = sorted(self.samples)
        return {
            "p50_ms": percentile(values, 50) * 1000,
            "p99_ms": percentile(values, 99) * 1000,
            "max_ms": (values[-1] if values else 0.0) * 1000,
            "mean_ms": (statistics.fmean(values) if values else 0.0) * 1000,
            "samples": len(values),
        }


def rss_bytes() -> int:
    """Current resident set size (Linux /proc; 0 elsewhere)."""
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return 0


def forget_fake_history(fake: FakeDiscord) -> None:
    """Drop what the fake recorded (requests, frames, stored messages) between rounds, so
    memory figures show the bot, not the fake's ever-growing logs."""
    fake.requests.clear()
    fake.gateway_sent.clear()
    fake.gateway_received.clear()
    fake.messages.clear()
    fake.interactions.clear()
    fake._interactions_by_token.clear()
    session = fake._session
    if session is not None:
        session.backlog.clear()
    gc.collect()


def new_store() -> InMemoryStore:
    return InMemoryStore()


def count_by(items: Iterable[Event], key: str) -> Counter:
    return Counter(getattr(e, key) for e in items)

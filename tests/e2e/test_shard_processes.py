"""Two bot processes, one shard each, one PostgreSQL database: the layout for a bot that has
outgrown one process (README, "Scale").

Both run ``bot.app._run`` as in production (tests/faults/bot_process.py) against the fake
Discord here, which routes each server's events to the shard Discord's rule picks. Checked:
each process serves its own shard while the other writes to the same database at the same
time; a maintainer's ``/kb stats`` through either process counts every answer both recorded;
settings written through one process are what another process answers by when it takes
over that shard. Needs ``TEST_DATABASE_URL`` (``.ci/run`` starts a server); skipped without.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import yarl

from tests.e2e.fake_discord import BOT_TOKEN, FakeDiscord
from tests.faults.bot_process import NO_COOLDOWNS, spawn, terminate
from tests.store.conftest import TEST_DATABASE_URL, needs_postgres
from tests.testkit import eventually

pytestmark = needs_postgres

SHARDS = 2
MENTIONS, COMMANDS = 30, 10  # per server, sent to both servers at once
REGIONS = {0: ("uk", "United Kingdom"), 1: ("ch", "Switzerland")}
# How long to wait for one reply: a bound on waiting, not a speed target (two bot processes,
# PostgreSQL and the fake share two cores; one CI run on a busy machine needed more than 15 s).
LIVENESS = 45.0
STATS = re.compile(r"\*\*Answer stats\*\* in all servers, [^:]+: (\d+) questions")


@dataclass
class Server:
    shard: int
    guild: dict
    general: str
    answers: str
    owner: dict  # has Manage Server: may use /setup
    member: dict


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    name = f"optout_shards_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield str(yarl.URL(TEST_DATABASE_URL).with_path(f"/{name}"))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def add_servers(fake: FakeDiscord) -> list[Server]:
    servers = []
    for shard in range(SHARDS):
        owner = fake.make_user(f"owner-{shard}")
        guild = fake.add_guild(
            f"Shard {shard}", owner=owner, channels=("general", "answers"), shard=(shard, SHARDS)
        )
        channels = {c["name"]: c["id"] for c in fake.channels.values()
                    if c.get("guild_id") == guild["id"]}  # fmt: skip
        member = fake.make_user(f"member-{shard}")
        fake.add_member(guild["id"], member)
        fake.add_member(guild["id"], fake.application_owner)  # a maintainer, for /kb stats
        servers.append(
            Server(shard, guild, channels["general"], channels["answers"], owner, member)
        )
    assert [fake.shard_of(s.guild["id"], SHARDS) for s in servers] == [0, 1]
    return servers


@pytest.fixture
async def bot_process(fake_discord, database_url, tmp_path):
    """``start(shard)`` runs a bot process for that shard; all are SIGTERMed at the end."""
    started: list[tuple[asyncio.subprocess.Process, Path]] = []

    async def start(shard: int) -> asyncio.subprocess.Process:
        settings = {
            "SHARD_COUNT": str(SHARDS),
            "SHARD_IDS": str(shard),
            "DATABASE_URL": database_url,
            **NO_COOLDOWNS,
        }
        log = tmp_path / f"shard-{shard}-{len(started)}.log"
        with log.open("wb") as out:
            proc = await spawn(fake_discord.http_url, BOT_TOKEN, settings, stderr=out)
        started.append((proc, log))
        return proc

    yield start
    for proc, log in started:
        code = await terminate(proc)
        text = log.read_text(errors="replace")
        assert code == 0 and "stopped cleanly" in text, text[-3000:]
        assert "Traceback" not in text, text[-3000:]


async def ask(fake: FakeDiscord, server: Server, text: str, *, channel: str | None = None):
    """A mention (or, with ``channel``, a plain message there); returns the reply body."""
    target = channel or server.general
    content = text if channel else f"<@{fake.bot_user['id']}> {text}"
    mark = fake.mark()
    asked = await fake.send_message_create(target, content, author=server.member)

    def reply():
        for request in fake.requests[mark:]:
            body = request.json if isinstance(request.json, dict) else {}
            if str(body.get("message_reference", {}).get("message_id")) == asked["id"]:
                return body
        return None

    return await fake.wait_for(reply, timeout=LIVENESS)


async def command(fake: FakeDiscord, server: Server, name: str, options=None, *, user=None):
    inter = await fake.send_slash_command(
        name, options or {}, user=user or server.member, channel_id=server.general
    )
    return await fake.wait_for_interaction_response(inter, LIVENESS)


def region_field(body: dict) -> str:
    embed = (body.get("data") or body)["embeds"][0]
    return embed["fields"][0]["name"]


async def stats_total(fake: FakeDiscord, server: Server) -> int:
    """A maintainer's ``/kb stats scope:all`` in ``server``: the number of questions counted."""
    inter = await fake.send_slash_command(
        "kb stats", {"scope": "all"}, user=fake.application_owner, channel_id=server.general
    )
    posted = await fake.wait_for(
        lambda: [r for r in fake.webhook_requests(inter) if r.method == "POST"], timeout=LIVENESS
    )
    text = posted[0].json["content"]
    found = STATS.search(text)
    assert found, text
    return int(found[1])


async def totals_seen(fake: FakeDiscord, servers: list[Server], want: int) -> list[int]:
    """``/kb stats`` through each server's process, re-asked for up to 5 s: an answer is
    recorded just after it is sent, so the last few may still be on their way."""

    async def totals() -> list[int]:
        return [await stats_total(fake, s) for s in servers]

    return await eventually(totals, lambda t: t == [want] * len(servers), seconds=5, interval=0.1)


async def test_two_shard_processes_share_one_database(fake_discord, bot_process) -> None:
    fake = fake_discord
    servers = add_servers(fake)
    first = await bot_process(0)
    second = await bot_process(1)
    await fake.wait_for(lambda: fake.connected_shards == [0, 1], timeout=30.0)
    await fake.wait_for(
        lambda: fake.requests_matching("PUT", r"/applications/\d+/commands"), timeout=30.0
    )
    assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
    assert first.returncode is None and second.returncode is None
    for server in servers:  # each process answers its own shard's server
        await ask(fake, server, "how do i opt out")

    for server in servers:  # the server's moderator configures it through its shard
        code, _ = REGIONS[server.shard]
        await command(fake, server, "setup region", {"region": code}, user=server.owner)
        await command(
            fake, server, "setup channel add", {"channel": server.answers}, user=server.owner
        )

    async def traffic(server: Server) -> list[dict]:
        """Mentions and /optout in one server, all in flight at once."""
        mentions = [ask(fake, server, f"are my private messages used {n}") for n in range(MENTIONS)]
        optouts = [command(fake, server, "optout") for _ in range(COMMANDS)]
        results = await asyncio.gather(*mentions, *optouts)
        return results[MENTIONS:]

    both = await asyncio.gather(*(traffic(s) for s in servers))
    for server, optouts in zip(servers, both, strict=True):
        _, name = REGIONS[server.shard]
        assert {region_field(body) for body in optouts} == {f"Where you are: {name}"}

    # every answer either process recorded is seen through both: nothing written at once lost
    recorded = SHARDS * (1 + MENTIONS + COMMANDS)
    assert await totals_seen(fake, servers, recorded) == [recorded, recorded]

    # shard 0's process goes away; a new process takes the shard over and answers by the
    # settings written through the old one: its answer channel and its default region
    first.terminate()
    assert await asyncio.wait_for(first.wait(), 10.0) == 0
    await fake.wait_for(lambda: fake.connected_shards == [1], timeout=10.0)
    await bot_process(0)
    await fake.wait_for(lambda: fake.connected_shards == [0, 1], timeout=30.0)
    server = servers[0]
    reply = await ask(fake, server, "how do i opt out", channel=server.answers)
    assert reply["embeds"][0]["title"] == "Turn off AI training on your data"
    body = await command(fake, server, "optout")
    assert region_field(body) == "Where you are: United Kingdom"
    assert await totals_seen(fake, servers, recorded + 2) == [recorded + 2] * 2
    assert not fake.unknown_requests()

"""Record answer events and unanswered questions without ever blocking an answer.

Storage is a nice-to-have for moderators; a broken database must not silence the bot.
Failures are logged once (until storage works again) and every call is time-boxed so
an interaction still gets its reply within Discord's 3 seconds.

A server's settings are read for nearly every message (is this an answer channel? which
default region?), so they are kept in memory and re-read in the background after
SETTINGS_TTL seconds; this process's own changes (/setup) replace the copy at once,
another process's show within the TTL plus one read. Answer records are written in
batches (record_writer.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from bot.answering.answer import Answer, Outcome
from bot.answering.normalise import clean
from bot.services.record_limits import RecordLimits
from bot.services.record_writer import RecordWriter
from bot.store import (
    AnswerOutcome,
    AnswerRecord,
    GapOutcome,
    GapRecord,
    GuildSettings,
    Store,
    StoreError,
)

log = logging.getLogger("bot.records")

T = TypeVar("T")
LOW_CONFIDENCE = 0.75
STORE_TIMEOUT = 1.5
BACKGROUND_TIMEOUT = 10.0  # store calls no reply waits on: record batches, settings refresh
DRAIN_SECONDS = 2.0
SETTINGS_TTL = 5.0  # seconds a server's settings are reused before reading them again
PREFETCH_AT_ONCE = 8  # settings reads at start-up, for thousands of servers
SETTINGS_CACHED = 10_000  # servers kept in memory at most (least recently used go first)
#: How the core's outcome is stored (the words the database has always held).
RECORDED_AS: dict[Outcome, AnswerOutcome] = {
    "answer": "answered",
    "decline": "declined",
    "clarify": "clarify",
}
#: The server id stored for what happens in DMs (rows need one; no server has id 0).
DIRECT_MESSAGES = 0


def stored_guild_id(guild_id: int | None) -> int:
    """The server a record is kept under: DMs are kept under DIRECT_MESSAGES."""
    return guild_id or DIRECT_MESSAGES


class Recorder:
    """Thin, failure-tolerant front of the store for the Discord layer."""

    def __init__(
        self,
        store: Store,
        timeout: float = STORE_TIMEOUT,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self._clock = clock
        self._failing = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._settings: OrderedDict[int, tuple[GuildSettings, float]] = OrderedDict()
        self._reading: dict[int, asyncio.Task[GuildSettings | None]] = {}
        self._changes: dict[int, int] = {}  # per server: how often /setup changed it here
        self.writer = RecordWriter(self._write_records)
        self.limits = RecordLimits(clock=clock)
        self._prefetching = asyncio.Semaphore(PREFETCH_AT_ONCE)

    @contextlib.contextmanager
    def _working(self) -> Iterator[None]:
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    async def drain(self) -> None:
        """Before the store closes, let handlers that already replied finish recording.

        Bounded: at most DRAIN_SECONDS, so shutdown stays quick even with a stuck store.
        """
        await asyncio.sleep(0.05)  # a handler between its reply and its record starts now
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_SECONDS):
                await self._idle.wait()
                await self.writer.flush()

    async def safely(self, work: Awaitable[T], default: T, *, seconds: float | None = None) -> T:
        """Await a store call; on StoreError or timeout log once and return `default`.

        ``seconds`` (the time limit) defaults to the Recorder's short one: a reply may be
        waiting on the call.
        """
        try:
            with self._working():
                async with asyncio.timeout(seconds or self.timeout):
                    result = await work
        except (StoreError, TimeoutError) as exc:
            if not self._failing:
                log.warning("storage unavailable, answering without it: %s", exc)
            self._failing = True
            return default
        if self._failing:
            log.info("storage works again")
            self._failing = False
        return result

    async def settings(self, guild_id: int) -> GuildSettings | None:
        """The server's settings, or None when they could never be read.

        A copy older than SETTINGS_TTL is still used while a fresh one is read in the
        background, and kept if that read fails: a slow or dead store never blocks or
        changes how a message is handled once the server's settings were read once.
        Concurrent first reads for one server share a single read.
        """
        cached = self._settings.get(guild_id)
        if cached is not None:
            self._settings.move_to_end(guild_id)
            if cached[1] <= self._clock():
                self._read(guild_id, seconds=BACKGROUND_TIMEOUT)  # nobody waits on it
            return cached[0]
        return await asyncio.shield(self._read(guild_id, seconds=self.timeout))

    async def prefetch_settings(self, guild_id: int) -> None:
        """Read a server's settings ahead of its first message (a few reads at a time)."""
        if guild_id in self._settings:
            return
        async with self._prefetching:
            await asyncio.shield(self._read(guild_id, seconds=BACKGROUND_TIMEOUT))

    def _read(self, guild_id: int, *, seconds: float) -> asyncio.Task[GuildSettings | None]:
        """The running read of this server's settings, or a new one."""
        task = self._reading.get(guild_id)
        if task is None:
            reading = self._read_and_keep(guild_id, seconds)
            task = asyncio.get_running_loop().create_task(reading)
            self._reading[guild_id] = task
            task.add_done_callback(lambda _: self._reading.pop(guild_id, None))
        return task

    async def _read_and_keep(self, guild_id: int, seconds: float) -> GuildSettings | None:
        changes = self._changes.get(guild_id, 0)
        result = await self.safely(self.store.get_settings(guild_id), None, seconds=seconds)
        if result is None:
            return None
        if self._changes.get(guild_id, 0) != changes:
            # /setup changed the settings while this read ran: it may have read the old ones
            return self._settings[guild_id][0] if guild_id in self._settings else result
        self._keep(result)
        return result

    def remember_settings(self, settings: GuildSettings) -> None:
        """Use these settings from now on (after this process changed them); a read that
        started before the change cannot bring the old ones back."""
        self._changes[settings.guild_id] = self._changes.get(settings.guild_id, 0) + 1
        self._keep(settings)

    def forget_settings(self, guild_id: int) -> None:
        self._changes[guild_id] = self._changes.get(guild_id, 0) + 1
        self._settings.pop(guild_id, None)

    def _keep(self, settings: GuildSettings) -> None:
        self._settings[settings.guild_id] = (settings, self._clock() + SETTINGS_TTL)
        self._settings.move_to_end(settings.guild_id)
        while len(self._settings) > SETTINGS_CACHED:
            self._settings.popitem(last=False)

    async def default_region(self, guild_id: int | None) -> str | None:
        """The server's default region, or None (DMs, unset, or storage down)."""
        if guild_id is None:
            return None
        settings = await self.settings(guild_id)
        return settings.default_region if settings else None

    async def default_language(self, guild_id: int | None) -> str | None:
        """The server's answer language for unclear free text, or None (DMs, unset, down)."""
        if guild_id is None:
            return None
        settings = await self.settings(guild_id)
        return settings.default_language if settings else None

    async def answered(
        self,
        guild_id: int | None,
        answer: Answer,
        *,
        free_text: bool,
        user_id: int | None = None,
        clicked_in: str | None = None,
    ) -> None:
        """One answer event; for free text also the gap when the bot was unsure.

        ``user_id`` (who asked or clicked) is used only for the in-memory limits, never
        stored: a person's gaps are capped per hour, and an answer opened by a click under
        message ``clicked_in`` counts once per person, topic and window (record_limits.py).
        Waits for its batch to be written (at most the store timeout, so a stuck store
        delays nothing); a record still queued then is written when the store catches up.
        """
        repeat = (
            clicked_in is not None
            and user_id is not None
            and not self.limits.first_click(user_id, clicked_in, answer.entry_id)
        )
        if repeat:
            return
        answers, gaps = records_for(guild_id, answer, free_text=free_text)
        if gaps and not self.limits.allow_gap(stored_guild_id(guild_id), user_id):
            gaps = []
        with self._working():
            saved = self.writer.submit(answers, gaps)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timeout):
                    await asyncio.shield(saved)

    async def _write_records(self, answers: list[AnswerRecord], gaps: list[GapRecord]) -> bool:
        async def write() -> bool:
            await self.store.record_events(answers, gaps)
            return True

        # Callers stop waiting after the short timeout, so the write itself may take longer:
        # under a saturated event loop a short one fires although the store is fine.
        return await self.safely(write(), False, seconds=BACKGROUND_TIMEOUT)


def records_for(
    guild_id: int | None, answer: Answer, *, free_text: bool
) -> tuple[list[AnswerRecord], list[GapRecord]]:
    """What one answer adds to the statistics: an answer event, and for free text that the
    bot was unsure about, the (normalised) question as a gap. DMs count as DIRECT_MESSAGES."""
    gid = stored_guild_id(guild_id)
    answers = [AnswerRecord(gid, answer.entry_id, RECORDED_AS[answer.outcome])]
    gap = _gap(answer) if free_text else None
    text = clean(answer.question) if gap else ""
    if gap is None or not text:
        return answers, []
    kind, best = gap
    return answers, [GapRecord(gid, text, kind, best, answer.confidence)]


def _gap(answer: Answer) -> tuple[GapOutcome, str | None] | None:
    """(gap outcome, best entry) for answers worth a moderator's look, else None."""
    if answer.small_talk:
        return None  # "thanks" is not a hole in the knowledge
    if answer.outcome == "decline":
        return "declined", answer.suggestions[0].id if answer.suggestions else None
    if answer.outcome == "clarify":
        return "clarify", answer.choices[0].id if answer.choices else None
    if answer.confidence < LOW_CONFIDENCE:
        return "low_confidence", answer.entry_id
    return None

"""The answer log: answer events and unanswered questions, recorded without ever blocking
an answer.

Every store call goes through the `StoreGuard` (time-boxed, failures logged once: a broken
database must not silence the bot). Answer records are written in batches
(record_writer.py); a person's gaps and repeated clicks are limited in memory
(record_limits.py). Each server's settings are the `SettingsCache`'s (settings_cache.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from bot.answering.answer import Answer, Outcome
from bot.answering.normalise import clean
from bot.services.record_limits import RecordLimits
from bot.services.record_writer import RecordWriter
from bot.services.store_guard import BACKGROUND_TIMEOUT, StoreGuard
from bot.store import AnswerRecord, GapRecord

LOW_CONFIDENCE = 0.75
DRAIN_SECONDS = 2.0
#: The server id stored for what happens in DMs (rows need one; no server has id 0).
DIRECT_MESSAGES = 0


def stored_guild_id(guild_id: int | None) -> int:
    """The server a record is kept under: DMs are kept under DIRECT_MESSAGES."""
    return guild_id or DIRECT_MESSAGES


class AnswerLog:
    """The answer events and gaps, written in batches through the guard; never blocks a reply."""

    def __init__(self, guard: StoreGuard, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.guard = guard
        self.writer = RecordWriter(self._write_records)
        self.limits = RecordLimits(clock=clock)

    async def drain(self) -> None:
        """Before the store closes, let handlers that already replied finish recording.

        Bounded: at most DRAIN_SECONDS, so shutdown stays quick even with a stuck store.
        """
        await asyncio.sleep(0.05)  # a handler between its reply and its record starts now
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_SECONDS):
                await self.guard.idle()
                await self.writer.flush()

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
        with self.guard.working():
            saved = self.writer.submit(answers, gaps)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.guard.timeout):
                    await asyncio.shield(saved)

    async def _write_records(self, answers: list[AnswerRecord], gaps: list[GapRecord]) -> bool:
        async def write() -> bool:
            await self.guard.store.record_events(answers, gaps)
            return True

        # Callers stop waiting after the short timeout, so the write itself may take longer:
        # under a saturated event loop a short one fires although the store is fine.
        return await self.guard.safely(write(), False, seconds=BACKGROUND_TIMEOUT)


def records_for(
    guild_id: int | None, answer: Answer, *, free_text: bool
) -> tuple[list[AnswerRecord], list[GapRecord]]:
    """What one answer adds to the statistics: an answer event, and for free text that the
    bot was unsure about, the (normalised) question as a gap. DMs count as DIRECT_MESSAGES."""
    gid = stored_guild_id(guild_id)
    answers = [AnswerRecord(gid, answer.entry_id, answer.outcome)]
    gap = _gap(answer) if free_text else None
    text = clean(answer.question) if gap else ""
    if gap is None or not text:
        return answers, []
    kind, best = gap
    return answers, [GapRecord(gid, text, kind, best, answer.confidence)]


def _gap(answer: Answer) -> tuple[Outcome, str | None] | None:
    """(outcome, best entry) for answers worth a moderator's look, else None: every decline
    and clarify, and an answer given with less than LOW_CONFIDENCE."""
    if answer.small_talk:
        return None  # "thanks" is not a hole in the knowledge
    if answer.outcome == Outcome.DECLINE:
        return Outcome.DECLINE, answer.suggestions[0].id if answer.suggestions else None
    if answer.outcome == Outcome.CLARIFY:
        return Outcome.CLARIFY, answer.choices[0].id if answer.choices else None
    if answer.confidence < LOW_CONFIDENCE:
        return Outcome.ANSWER, answer.entry_id
    return None

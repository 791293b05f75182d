"""In-memory implementation of ``Store``: a full behavioural twin of the SQLite store.

Exists for tests of the Discord layer (no files, no threads) and for running the bot without
persistence (``DATABASE_PATH=:memory:``). Everything is lost when the process exits. The shared
test suite in tests/store runs against both backends to keep them identical.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from bot.outcome import Outcome
from bot.store.base import (
    DEFAULT_RETENTION_DAYS,
    AnswerRecord,
    AnswerStats,
    DislikedQuestion,
    EntryFeedback,
    FeedbackResult,
    FeedbackStats,
    GapRecord,
    GapSummary,
    GuildSettings,
    PurgeResult,
    RecordsEvents,
    StoreError,
    as_utc,
    check_answer_key,
    check_entry_id,
    check_gap_text,
    check_guild_filter,
    check_helpful,
    check_id,
    check_limit,
    check_question,
    check_retention_days,
    check_voter_key,
    normalise_settings_changes,
    retention_cutoff,
)

__all__ = ["InMemoryStore"]


@dataclass(slots=True)
class _Gap:
    id: int
    guild_id: int
    text: str
    outcome: str
    best_entry_id: str | None
    confidence: float
    created_at: datetime


@dataclass(slots=True)
class _AnswerEvent:
    guild_id: int
    entry_id: str | None
    outcome: str
    created_at: datetime


@dataclass(slots=True)
class _Vote:
    guild_id: int
    entry_id: str | None
    helpful: bool
    created_at: datetime
    question: str | None = None


class InMemoryStore(RecordsEvents):
    """``Store`` kept in Python objects. Data survives ``close()``/``open()`` on the same
    instance (like reopening a file) but not the process. Times are kept at microsecond
    precision, like the SQLite store."""

    def __init__(self, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.retention_days = check_retention_days(retention_days)
        self._open = False
        self._salt = os.urandom(32)
        self._settings: dict[int, GuildSettings] = {}
        self._gaps: list[_Gap] = []
        self._answers: list[_AnswerEvent] = []
        self._feedback: dict[tuple[str, bytes], _Vote] = {}
        self._next_gap_id = 1

    def __repr__(self) -> str:
        state = "open" if self._open else "closed"
        return f"InMemoryStore(retention_days={self.retention_days}, {state})"

    async def open(self) -> None:
        if self._open:
            return
        self._open = True
        await self.purge()

    async def close(self) -> None:
        self._open = False

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _check_open(self, action: str) -> None:
        if not self._open:
            raise StoreError(f"could not {action}: the store is not open (call open() first)")

    async def salt(self) -> bytes:
        self._check_open("read the salt")
        return self._salt

    # -- settings ------------------------------------------------------------------------------

    async def get_settings(self, guild_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        self._check_open("read server settings")
        return self._settings.get(guild_id, GuildSettings(guild_id=guild_id))

    async def update_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        values = normalise_settings_changes(changes)
        self._check_open("save server settings")
        current = self._settings.get(guild_id, GuildSettings(guild_id=guild_id))
        updated = replace(current, **values)
        self._settings[guild_id] = updated
        return updated

    async def add_answer_channel(self, guild_id: int, channel_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        channel_id = check_id("channel_id", channel_id)
        self._check_open("add an answer channel")
        current = self._settings.get(guild_id, GuildSettings(guild_id=guild_id))
        updated = replace(current, answer_channel_ids=current.answer_channel_ids | {channel_id})
        self._settings[guild_id] = updated
        return updated

    async def remove_answer_channel(self, guild_id: int, channel_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        channel_id = check_id("channel_id", channel_id)
        self._check_open("remove an answer channel")
        current = self._settings.get(guild_id)
        if current is None:
            return GuildSettings(guild_id=guild_id)
        updated = replace(current, answer_channel_ids=current.answer_channel_ids - {channel_id})
        self._settings[guild_id] = updated
        return updated

    async def forget_guild(self, guild_id: int) -> None:
        guild_id = check_id("guild_id", guild_id)
        self._check_open("delete a server's data")
        self._settings.pop(guild_id, None)
        self._gaps = [g for g in self._gaps if g.guild_id != guild_id]
        self._answers = [a for a in self._answers if a.guild_id != guild_id]
        self._feedback = {k: v for k, v in self._feedback.items() if v.guild_id != guild_id}

    # -- recording -----------------------------------------------------------------------------

    async def _record(
        self, action: str, answers: Sequence[AnswerRecord], gaps: Sequence[GapRecord]
    ) -> None:
        """The one write path for answer events and gaps: all validated before any is kept."""
        checked_answers = [a.checked() for a in answers]
        checked_gaps = [g.checked() for g in gaps]
        self._check_open(action)
        for a in checked_answers:
            self._answers.append(_AnswerEvent(a.guild_id, a.entry_id, a.outcome, a.at))
        for g in checked_gaps:
            self._gaps.append(
                _Gap(
                    id=self._next_gap_id,
                    guild_id=g.guild_id,
                    text=g.text,
                    outcome=g.outcome,
                    best_entry_id=g.best_entry_id,
                    confidence=g.confidence,
                    created_at=g.at,
                )
            )
            self._next_gap_id += 1

    async def record_feedback(
        self,
        guild_id: int,
        answer_key: str,
        voter_key: bytes | str,
        entry_id: str | None,
        helpful: bool,
        *,
        at: datetime | None = None,
        question: str | None = None,
    ) -> FeedbackResult:
        guild_id = check_id("guild_id", guild_id)
        key = (check_answer_key(answer_key), check_voter_key(voter_key))
        entry_id = check_entry_id(entry_id)
        helpful = check_helpful(helpful)
        question = check_question(helpful, question)
        created_at = as_utc(at)
        self._check_open("record feedback")
        existing = self._feedback.get(key)
        if existing is None:
            self._feedback[key] = _Vote(guild_id, entry_id, helpful, created_at, question)
            return FeedbackResult.NEW
        if existing.helpful == helpful:
            return FeedbackResult.SAME
        existing.helpful = helpful
        existing.question = question
        return FeedbackResult.CHANGED

    async def dismiss_gap(self, guild_id: int | None, text: str) -> int:
        guild_id = check_guild_filter(guild_id)
        text = check_gap_text(text)
        self._check_open("dismiss an unanswered question")
        before = len(self._gaps)
        self._gaps = [
            g
            for g in self._gaps
            if not (g.text == text and (guild_id is None or g.guild_id == guild_id))
        ]
        return before - len(self._gaps)

    # -- queries -------------------------------------------------------------------------------

    async def gaps(
        self, guild_id: int | None = None, since: datetime | None = None, limit: int = 20
    ) -> list[GapSummary]:
        match = _matcher(guild_id, since)
        limit = check_limit(limit)
        self._check_open("read unanswered questions")
        counts: Counter[str] = Counter()
        newest: dict[str, _Gap] = {}
        for gap in self._gaps:
            if not match(gap.guild_id, gap.created_at):
                continue
            counts[gap.text] += 1
            best = newest.get(gap.text)
            if best is None or (gap.created_at, gap.id) > (best.created_at, best.id):
                newest[gap.text] = gap
        summaries = [
            GapSummary(
                text=text,
                count=counts[text],
                last_seen=gap.created_at,
                outcome=Outcome(gap.outcome),
                best_entry_id=gap.best_entry_id,
                confidence=gap.confidence,
            )
            for text, gap in newest.items()
        ]
        summaries.sort(key=lambda s: s.text)
        summaries.sort(key=lambda s: (s.last_seen, s.count), reverse=True)
        return summaries[:limit]

    async def disliked(
        self, guild_id: int | None = None, since: datetime | None = None, limit: int = 20
    ) -> list[DislikedQuestion]:
        match = _matcher(guild_id, since)
        limit = check_limit(limit)
        self._check_open("read disliked questions")
        counts: Counter[str] = Counter()
        newest: dict[str, _Vote] = {}
        for vote in self._feedback.values():
            if vote.helpful or vote.question is None or not match(vote.guild_id, vote.created_at):
                continue
            counts[vote.question] += 1
            best = newest.get(vote.question)
            if best is None or _newer_vote(vote, best):
                newest[vote.question] = vote
        found = [
            DislikedQuestion(text, counts[text], vote.created_at, vote.entry_id)
            for text, vote in newest.items()
        ]
        found.sort(key=lambda d: d.text)
        found.sort(key=lambda d: (d.count, d.last_seen), reverse=True)
        return found[:limit]

    async def stats(
        self, guild_id: int | None = None, since: datetime | None = None
    ) -> AnswerStats:
        match = _matcher(guild_id, since)
        self._check_open("read answer statistics")
        events = [a for a in self._answers if match(a.guild_id, a.created_at)]
        outcomes = Counter(a.outcome for a in events)
        per_entry = Counter(
            a.entry_id for a in events if a.outcome == Outcome.ANSWER and a.entry_id is not None
        )
        ordered = sorted(per_entry.items(), key=lambda item: (-item[1], item[0]))
        return AnswerStats(
            total=len(events),
            answered=outcomes[Outcome.ANSWER],
            declined=outcomes[Outcome.DECLINE],
            clarify=outcomes[Outcome.CLARIFY],
            answers_per_entry=dict(ordered),
        )

    async def feedback_stats(
        self, guild_id: int | None = None, since: datetime | None = None
    ) -> FeedbackStats:
        match = _matcher(guild_id, since)
        self._check_open("read feedback statistics")
        helpful: Counter[str | None] = Counter()
        not_helpful: Counter[str | None] = Counter()
        for vote in self._feedback.values():
            if match(vote.guild_id, vote.created_at):
                (helpful if vote.helpful else not_helpful)[vote.entry_id] += 1
        entries = sorted(set(helpful) | set(not_helpful), key=lambda e: (e is not None, e or ""))
        return FeedbackStats(
            per_entry={e: EntryFeedback(helpful[e], not_helpful[e]) for e in entries}
        )

    # -- retention -----------------------------------------------------------------------------

    async def purge(self, now: datetime | None = None) -> PurgeResult:
        cutoff = retention_cutoff(self.retention_days, now)
        self._check_open("purge expired data")
        gaps_before, answers_before, feedback_before = (
            len(self._gaps),
            len(self._answers),
            len(self._feedback),
        )
        self._gaps = [g for g in self._gaps if g.created_at >= cutoff]
        self._answers = [a for a in self._answers if a.created_at >= cutoff]
        self._feedback = {k: v for k, v in self._feedback.items() if v.created_at >= cutoff}
        return PurgeResult(
            gaps=gaps_before - len(self._gaps),
            answers=answers_before - len(self._answers),
            feedback=feedback_before - len(self._feedback),
        )


def _newer_vote(vote: _Vote, best: _Vote) -> bool:
    """Newest first; at the same time the smaller topic id (none first), like the SQL."""
    if vote.created_at != best.created_at:
        return vote.created_at > best.created_at
    return (vote.entry_id is not None, vote.entry_id or "") < (
        best.entry_id is not None,
        best.entry_id or "",
    )


def _matcher(guild_id: int | None, since: datetime | None) -> Callable[[int, datetime], bool]:
    guild_id = check_guild_filter(guild_id)
    since_utc = None if since is None else as_utc(since)

    def match(row_guild: int, created_at: datetime) -> bool:
        if guild_id is not None and row_guild != guild_id:
            return False
        return since_utc is None or created_at >= since_utc

    return match

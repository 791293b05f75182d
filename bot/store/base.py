"""Storage contract shared by every backend: value types, the ``Store`` protocol and ``StoreError``.

It exists so the Discord layer can depend on one small interface (and tests can swap in the
in-memory twin) without knowing whether SQLite sits behind it. Privacy rules live here too:
nothing in these types can hold a Discord user id, and feedback voters are opaque keys.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Any, Literal, Protocol, Self, get_args, runtime_checkable

from bot.outcome import OUTCOMES, Outcome

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "GAP_TEXT_MAX_CHARS",
    "REGIONS",
    "AnswerStats",
    "DislikedQuestion",
    "EntryFeedback",
    "FeedbackResult",
    "FeedbackStats",
    "GapSummary",
    "GuildSettings",
    "Outcome",
    "PurgeResult",
    "Region",
    "Store",
    "StoreError",
    "make_voter_key",
]

DEFAULT_RETENTION_DAYS = 30
GAP_TEXT_MAX_CHARS = 300
MIN_VOTER_KEY_BYTES = 16

Region = Literal["us", "eu", "uk", "ch", "ca", "hk", "other"]
REGIONS: frozenset[str] = frozenset(get_args(Region))
Language = Literal["en", "fr", "de", "nl", "es", "it"]
LANGUAGES: frozenset[str] = frozenset(get_args(Language))


class StoreError(Exception):
    """The storage backend failed (read-only file, disk full, locked, closed, corrupt...).

    The message says what was attempted and why it failed; the original exception is chained as
    ``__cause__``. Data committed before the failure is never rolled back by it.
    """


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """Per-server configuration. Unknown servers get these defaults."""

    guild_id: int
    answer_channel_ids: frozenset[int] = frozenset()
    moderator_role_id: int | None = None
    log_channel_id: int | None = None
    default_region: Region | None = None
    auto_answer: bool = True
    # The answer language for free text whose own language is unclear (None: English).
    default_language: Language | None = None


SETTINGS_FIELDS: frozenset[str] = frozenset(
    {
        "answer_channel_ids",
        "moderator_role_id",
        "log_channel_id",
        "default_region",
        "auto_answer",
        "default_language",
    }
)


@dataclass(frozen=True, slots=True)
class GapSummary:
    """One normalised question the bot could not answer, grouped over its occurrences.

    ``outcome``, ``best_entry_id`` and ``confidence`` come from the newest occurrence.
    """

    text: str
    count: int
    last_seen: datetime
    outcome: Outcome
    best_entry_id: str | None
    confidence: float


@dataclass(frozen=True, slots=True)
class DislikedQuestion:
    """A normalised question whose answer got a 👎, grouped over its votes (never who voted).

    ``entry_id`` (the topic that answered) comes from the newest vote.
    """

    text: str
    count: int
    last_seen: datetime
    entry_id: str | None


@dataclass(frozen=True, slots=True)
class AnswerStats:
    """Answer events in a window. ``decline_rate`` is declined / total (0.0 when total is 0)."""

    total: int
    answered: int
    declined: int
    clarify: int
    answers_per_entry: Mapping[str, int] = field(default_factory=dict)

    @property
    def decline_rate(self) -> float:
        return self.declined / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class EntryFeedback:
    helpful: int = 0
    not_helpful: int = 0


@dataclass(frozen=True, slots=True)
class FeedbackStats:
    """Helpful / not-helpful votes per knowledge entry (``None`` = answer without an entry)."""

    per_entry: Mapping[str | None, EntryFeedback] = field(default_factory=dict)

    @property
    def helpful(self) -> int:
        return sum(e.helpful for e in self.per_entry.values())

    @property
    def not_helpful(self) -> int:
        return sum(e.not_helpful for e in self.per_entry.values())


class FeedbackResult(StrEnum):
    NEW = "new"  # first vote of this voter on this answer
    CHANGED = "changed"  # voter flipped their vote
    SAME = "same"  # voter repeated their vote; nothing changed


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """Rows deleted by a retention purge, per kind."""

    gaps: int = 0
    answers: int = 0
    feedback: int = 0

    @property
    def total(self) -> int:
        return self.gaps + self.answers + self.feedback


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer event, for ``Store.record_events`` (the same fields as ``record_answer``)."""

    guild_id: int
    entry_id: str | None
    outcome: Outcome
    at: datetime | None = None

    def checked(self) -> AnswerRecord:
        """Validated, with ``at`` resolved to an aware UTC time (ValueError if invalid)."""
        return AnswerRecord(
            check_id("guild_id", self.guild_id),
            check_entry_id(self.entry_id),
            check_outcome(self.outcome),
            as_utc(self.at),
        )


@dataclass(frozen=True, slots=True)
class GapRecord:
    """One unanswered question, for ``Store.record_events`` (the fields of ``record_gap``)."""

    guild_id: int
    text: str
    outcome: Outcome
    best_entry_id: str | None = None
    confidence: float = 0.0
    at: datetime | None = None

    def checked(self) -> GapRecord:
        """Validated, with ``at`` resolved to an aware UTC time (ValueError if invalid)."""
        return GapRecord(
            check_id("guild_id", self.guild_id),
            check_gap_text(self.text),
            check_outcome(self.outcome),
            check_entry_id(self.best_entry_id),
            check_confidence(self.confidence),
            as_utc(self.at),
        )


class RecordsEvents:
    """``record_gap``, ``record_answer`` and ``record_events`` for every backend, over the one
    write path each provides: ``_record(action, answers, gaps)`` validates every record with
    ``.checked()`` and writes them all or none (``action`` names the work in errors)."""

    async def _record(
        self, action: str, answers: Sequence[AnswerRecord], gaps: Sequence[GapRecord]
    ) -> None:
        raise NotImplementedError

    async def record_gap(
        self,
        guild_id: int,
        text: str,
        outcome: Outcome,
        best_entry_id: str | None = None,
        confidence: float = 0.0,
        *,
        at: datetime | None = None,
    ) -> None:
        gap = GapRecord(guild_id, text, outcome, best_entry_id, confidence, at)
        await self._record("record an unanswered question", (), (gap,))

    async def record_answer(
        self,
        guild_id: int,
        entry_id: str | None,
        outcome: Outcome,
        *,
        at: datetime | None = None,
    ) -> None:
        event = AnswerRecord(guild_id, entry_id, outcome, at)
        await self._record("record an answer event", (event,), ())

    async def record_events(
        self, answers: Sequence[AnswerRecord], gaps: Sequence[GapRecord] = ()
    ) -> None:
        await self._record("record answer events", answers, gaps)


@runtime_checkable
class Store(Protocol):
    """What the bot may store. Every method raises ``StoreError`` on a storage failure and
    ``ValueError`` on an invalid argument (a caller bug). Times are timezone-aware UTC; naive
    datetimes passed in are taken as UTC. ``at``/``now`` default to the current time."""

    retention_days: int

    async def open(self) -> None:
        """Create/upgrade the storage and purge expired rows. Idempotent."""

    async def close(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def salt(self) -> bytes:
        """32 random bytes, created once per database, for the caller's voter-key HMAC."""

    async def get_settings(self, guild_id: int) -> GuildSettings: ...

    async def update_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Replace the given fields (names of ``GuildSettings`` fields except guild_id)."""

    async def add_answer_channel(self, guild_id: int, channel_id: int) -> GuildSettings: ...

    async def remove_answer_channel(self, guild_id: int, channel_id: int) -> GuildSettings: ...

    async def forget_guild(self, guild_id: int) -> None:
        """Delete everything stored about a server (for when the bot is removed from it)."""

    async def record_gap(
        self,
        guild_id: int,
        text: str,
        outcome: Outcome,
        best_entry_id: str | None = None,
        confidence: float = 0.0,
        *,
        at: datetime | None = None,
    ) -> None: ...

    async def record_answer(
        self,
        guild_id: int,
        entry_id: str | None,
        outcome: Outcome,
        *,
        at: datetime | None = None,
    ) -> None: ...

    async def record_events(
        self, answers: Sequence[AnswerRecord], gaps: Sequence[GapRecord] = ()
    ) -> None:
        """Many answer events and unanswered questions in one transaction: all or none.

        Why: under a burst one write per answer queues thousands of transactions; the
        answer log gathers what arrives while a write is running into the next one.
        """
        ...

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
        """Count one vote per voter per answer. ``question`` is the normalised question (like
        a gap's text) and is kept with a 👎 only; a vote changed to 👍 drops it."""

    async def dismiss_gap(self, guild_id: int | None, text: str) -> int:
        """Delete every occurrence of the gap ``text`` for that server (None: every server);
        return how many rows went. A later occurrence starts a new gap."""

    async def disliked(
        self, guild_id: int | None = None, since: datetime | None = None, limit: int = 20
    ) -> list[DislikedQuestion]:
        """Questions kept with a 👎, grouped by text: most votes first, then newest, then text."""

    async def gaps(
        self, guild_id: int | None = None, since: datetime | None = None, limit: int = 20
    ) -> list[GapSummary]:
        """Gaps grouped by text, newest ``last_seen`` first (ties: higher count, then text)."""

    async def stats(
        self, guild_id: int | None = None, since: datetime | None = None
    ) -> AnswerStats: ...

    async def feedback_stats(
        self, guild_id: int | None = None, since: datetime | None = None
    ) -> FeedbackStats: ...

    async def purge(self, now: datetime | None = None) -> PurgeResult:
        """Delete gaps, answer events and feedback (with voter keys) created strictly before
        ``now - retention_days``. Settings and the salt are kept."""


def make_voter_key(salt: bytes, user_id: int, answer_key: str) -> bytes:
    """HMAC-SHA256(salt, user id + answer key): lets a vote be counted once per person per
    answer without storing who voted. Different answers give unrelated keys for one user."""
    message = f"{int(user_id)}:{answer_key}".encode()
    return hmac.new(salt, message, hashlib.sha256).digest()


# ---------------------------------------------------------------------------------------------
# Validation and time helpers shared by the backends (not part of the public contract).


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime:
    if value is None:
        return utc_now()
    if not isinstance(value, datetime):
        raise ValueError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def time_to_db(value: datetime) -> str:
    """Fixed-width UTC text, so string order equals time order."""
    return as_utc(value).strftime(_TIME_FORMAT)


def time_from_db(value: str) -> datetime:
    return datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=UTC)


def retention_cutoff(retention_days: int, now: datetime | None) -> datetime:
    return as_utc(now) - timedelta(days=retention_days)


def check_retention_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"retention_days must be a positive integer, got {days!r}")
    return days


def check_id(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"{name} must be a non-negative 64-bit int, got {value!r}")
    return value


def check_optional_id(name: str, value: object) -> int | None:
    return None if value is None else check_id(name, value)


def check_guild_filter(guild_id: int | None) -> int | None:
    return check_optional_id("guild_id", guild_id)


def check_entry_id(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"entry_id must be a non-empty str or None, got {value!r}")
    return value


def check_gap_text(text: object) -> str:
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    return text[:GAP_TEXT_MAX_CHARS]


def check_question(helpful: bool, question: object) -> str | None:
    """The question kept with a vote: a 👎's normalised text (capped like a gap), else None."""
    if question is None or helpful:
        return None
    text = check_gap_text(question)
    return text or None


def check_confidence(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"confidence must be a finite number, got {value!r}")
    return float(value)


def check_choice(name: str, value: object, allowed: frozenset[str]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, got {value!r}")
    return value  # type: ignore[return-value]


def check_outcome(value: object) -> Outcome:
    """One of the outcomes (the old stored words, "answered", "declined", "low_confidence",
    are refused: migration 5 rewrote them)."""
    return Outcome(check_choice("outcome", value, OUTCOMES))


def check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive int, got {limit!r}")
    return limit


def check_answer_key(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"answer_key must be a non-empty str, got {value!r}")
    return value


def check_voter_key(value: object) -> bytes:
    """Accept only opaque keys: at least 16 bytes and not a bare number (a raw user id)."""
    if isinstance(value, str):
        if value.strip().isdigit():
            raise ValueError("voter_key looks like a raw id; pass an HMAC (see make_voter_key)")
        value = value.encode()
    if isinstance(value, int):
        raise ValueError("voter_key must be an opaque HMAC, not an int id (see make_voter_key)")
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ValueError(f"voter_key must be bytes or str, got {type(value).__name__}")
    value = bytes(value)
    if len(value) < MIN_VOTER_KEY_BYTES:
        raise ValueError(f"voter_key must be at least {MIN_VOTER_KEY_BYTES} bytes (use an HMAC)")
    return value


def check_helpful(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"helpful must be a bool, got {value!r}")
    return value


def normalise_settings_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``update_settings`` keyword arguments and coerce them to stored types."""
    unknown = set(changes) - SETTINGS_FIELDS
    if unknown:
        raise ValueError(
            f"unknown setting(s) {sorted(unknown)}; allowed: {sorted(SETTINGS_FIELDS)}"
        )
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "answer_channel_ids":
            if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                raise ValueError("answer_channel_ids must be an iterable of channel ids")
            out[key] = frozenset(check_id("answer channel id", v) for v in value)
        elif key in ("moderator_role_id", "log_channel_id"):
            out[key] = check_optional_id(key, value)
        elif key == "default_region":
            out[key] = None if value is None else check_choice(key, value, REGIONS)
        elif key == "default_language":
            out[key] = None if value is None else check_choice(key, value, LANGUAGES)
        elif key == "auto_answer":
            if not isinstance(value, bool):
                raise ValueError(f"auto_answer must be a bool, got {value!r}")
            out[key] = value
    return out

"""Behaviour every ``Store`` must have; each test runs against every backend (see conftest)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from bot.outcome import Outcome
from bot.store import (
    GAP_TEXT_MAX_CHARS,
    AnswerRecord,
    AnswerStats,
    EntryFeedback,
    FeedbackResult,
    GapRecord,
    GuildSettings,
    PurgeResult,
    Store,
    StoreError,
    make_voter_key,
)

from .conftest import Reopen

GUILD = 111_111_111_111_111_111
OTHER = 222_222_222_222_222_222


def key(n: int) -> bytes:
    return hmac.new(b"test-salt", str(n).encode(), hashlib.sha256).digest()


# -- settings -----------------------------------------------------------------------------------


async def test_settings_defaults_for_unknown_guild(store: Store) -> None:
    settings = await store.get_settings(GUILD)
    assert settings == GuildSettings(guild_id=GUILD)
    assert settings.answer_channel_ids == frozenset()
    assert settings.moderator_role_id is None
    assert settings.log_channel_id is None
    assert settings.default_region is None
    assert settings.auto_answer is True


async def test_settings_update_and_persist_across_reopen(store: Store, reopen: Reopen) -> None:
    updated = await store.update_settings(
        GUILD,
        answer_channel_ids=[10, 11, 11],
        moderator_role_id=20,
        log_channel_id=30,
        default_region="eu",
        auto_answer=False,
    )
    expected = GuildSettings(GUILD, frozenset({10, 11}), 20, 30, "eu", False)
    assert updated == expected
    # a partial update leaves the other fields alone
    partial = await store.update_settings(GUILD, default_region="uk")
    assert partial == GuildSettings(GUILD, frozenset({10, 11}), 20, 30, "uk", False)
    await store.add_answer_channel(GUILD, 12)
    after_remove = await store.remove_answer_channel(GUILD, 10)
    assert after_remove.answer_channel_ids == frozenset({11, 12})
    assert await store.get_settings(OTHER) == GuildSettings(OTHER)

    reopened = await reopen(store)
    try:
        assert await reopened.get_settings(GUILD) == GuildSettings(
            GUILD, frozenset({11, 12}), 20, 30, "uk", False
        )
        cleared = await reopened.update_settings(
            GUILD, answer_channel_ids=(), moderator_role_id=None, default_region=None
        )
        assert cleared == GuildSettings(GUILD, frozenset(), None, 30, None, False)
    finally:
        await reopened.close()


async def test_default_language_is_kept_and_cleared(store: Store) -> None:
    """Issue 13: /setup language stores the server's answer language for unclear free text."""
    assert (await store.get_settings(GUILD)).default_language is None
    saved = await store.update_settings(GUILD, default_language="de")
    assert saved.default_language == "de"
    assert (await store.get_settings(GUILD)).default_language == "de"
    assert (await store.get_settings(OTHER)).default_language is None
    await store.update_settings(GUILD, default_region="eu")  # other settings leave it alone
    assert (await store.get_settings(GUILD)).default_language == "de"
    cleared = await store.update_settings(GUILD, default_language=None)
    assert cleared.default_language is None


async def test_default_language_persists_across_reopen(store: Store, reopen: Reopen) -> None:
    await store.update_settings(GUILD, default_language="it")
    reopened = await reopen(store)
    try:
        assert (await reopened.get_settings(GUILD)).default_language == "it"
    finally:
        await reopened.close()


async def test_settings_are_frozen(store: Store) -> None:
    settings = await store.get_settings(GUILD)
    with pytest.raises(AttributeError):
        settings.auto_answer = False  # type: ignore[misc]


@pytest.mark.parametrize(
    "changes",
    [
        {"default_region": "mars"},
        {"default_language": "pt"},
        {"auto_answer": "yes"},
        {"moderator_role_id": -1},
        {"answer_channel_ids": "123"},
        {"user_id": 5},
    ],
)
async def test_settings_validation(store: Store, changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        await store.update_settings(GUILD, **changes)
    assert await store.get_settings(GUILD) == GuildSettings(GUILD)


async def test_forget_guild_removes_everything_for_that_guild(store: Store, now: datetime) -> None:
    for guild in (GUILD, OTHER):
        await store.update_settings(guild, answer_channel_ids=[1], default_region="us")
        await store.record_gap(guild, "q", Outcome.DECLINE, at=now)
        await store.record_answer(guild, "e", Outcome.ANSWER, at=now)
        await store.record_feedback(guild, "m1", key(1), "e", True, at=now)
    await store.forget_guild(GUILD)
    assert await store.get_settings(GUILD) == GuildSettings(GUILD)
    assert await store.gaps(GUILD) == []
    assert (await store.stats(GUILD)).total == 0
    assert (await store.feedback_stats(GUILD)).per_entry == {}
    assert (await store.get_settings(OTHER)).default_region == "us"
    assert (await store.stats()).total == 1


# -- gaps ---------------------------------------------------------------------------------------


async def test_gaps_grouped_counted_newest_first(store: Store, now: datetime) -> None:
    t = now - timedelta(hours=10)
    await store.record_gap(GUILD, "how do i opt out", Outcome.DECLINE, None, 0.1, at=t)
    await store.record_gap(GUILD, "is it gdpr", Outcome.ANSWER, "gdpr", 0.4, at=t)
    await store.record_gap(
        GUILD, "how do i opt out", "clarify", "opt-out", 0.5, at=t + timedelta(hours=1)
    )
    await store.record_gap(
        OTHER, "how do i opt out", Outcome.DECLINE, None, 0.2, at=t + timedelta(hours=2)
    )
    await store.record_gap(GUILD, "what about mobile", Outcome.DECLINE, at=t + timedelta(hours=3))
    await store.record_gap(GUILD, "how do i opt out", Outcome.ANSWER, "x", 0.3, at=t)

    mine = await store.gaps(GUILD, since=None, limit=10)
    assert [(g.text, g.count) for g in mine] == [
        ("what about mobile", 1),
        ("how do i opt out", 3),
        ("is it gdpr", 1),
    ]
    newest = mine[1]
    assert newest.last_seen == t + timedelta(hours=1)
    assert (newest.outcome, newest.best_entry_id, newest.confidence) == ("clarify", "opt-out", 0.5)
    assert newest.last_seen.tzinfo is not None

    everywhere = await store.gaps(None, limit=10)
    assert [(g.text, g.count) for g in everywhere] == [
        ("what about mobile", 1),
        ("how do i opt out", 4),
        ("is it gdpr", 1),
    ]
    assert everywhere[1].outcome == Outcome.DECLINE  # the OTHER guild's is newest

    assert [g.text for g in await store.gaps(GUILD, limit=1)] == ["what about mobile"]
    since = await store.gaps(GUILD, since=t + timedelta(minutes=30))
    assert [(g.text, g.count) for g in since] == [
        ("what about mobile", 1),
        ("how do i opt out", 1),
    ]
    assert await store.gaps(GUILD, since=now + timedelta(seconds=1)) == []


async def test_gap_ties_break_by_count_then_text(store: Store, now: datetime) -> None:
    for text in ("b", "a", "c", "c"):
        await store.record_gap(GUILD, text, Outcome.DECLINE, at=now)
    assert [(g.text, g.count) for g in await store.gaps(GUILD)] == [("c", 2), ("a", 1), ("b", 1)]


async def test_gap_text_capped_at_300_chars(store: Store, now: datetime) -> None:
    long = "x" * 299 + "yz" + "w" * 500
    await store.record_gap(GUILD, long, Outcome.DECLINE, at=now)
    await store.record_gap(GUILD, long[:300] + "different tail", Outcome.DECLINE, at=now)
    (gap,) = await store.gaps(GUILD)
    assert gap.text == long[:300]
    assert len(gap.text) == 300
    assert gap.count == 2  # same first 300 chars → same group


@pytest.mark.parametrize(
    "args",
    [
        ("q", "answered"),  # the old stored word: no longer an outcome
        ("q", Outcome.DECLINE, None, float("nan")),
        ("q", Outcome.DECLINE, ""),
        (123, Outcome.DECLINE),
    ],
)
async def test_gap_validation(store: Store, args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        await store.record_gap(GUILD, *args)  # type: ignore[arg-type]
    assert await store.gaps() == []


# -- answer stats -------------------------------------------------------------------------------


async def test_stats_counts_and_decline_rate(store: Store, now: datetime) -> None:
    old = now - timedelta(days=2)
    for entry in ("a", "a", "b", "a"):
        await store.record_answer(GUILD, entry, Outcome.ANSWER, at=now)
    await store.record_answer(GUILD, None, Outcome.DECLINE, at=now)
    await store.record_answer(GUILD, None, Outcome.DECLINE, at=old)
    await store.record_answer(GUILD, "b", "clarify", at=now)
    await store.record_answer(GUILD, None, Outcome.ANSWER, at=now)  # counted, but not per entry
    await store.record_answer(OTHER, "c", Outcome.ANSWER, at=now)

    stats = await store.stats(GUILD)
    assert stats == AnswerStats(
        total=8, answered=5, declined=2, clarify=1, answers_per_entry={"a": 3, "b": 1}
    )
    assert list(stats.answers_per_entry) == ["a", "b"]  # most answered first
    assert stats.decline_rate == pytest.approx(2 / 8)

    recent = await store.stats(GUILD, since=now - timedelta(days=1))
    assert (recent.total, recent.declined) == (7, 1)
    assert recent.decline_rate == pytest.approx(1 / 7)

    overall = await store.stats(None)
    assert overall.total == 9
    assert overall.answers_per_entry == {"a": 3, "b": 1, "c": 1}

    empty = await store.stats(GUILD, since=now + timedelta(days=1))
    assert empty == AnswerStats(0, 0, 0, 0, {})
    assert empty.decline_rate == 0.0


async def test_record_events_writes_a_batch_like_single_records(
    store: Store, now: datetime, reopen: Reopen
) -> None:
    answers = [AnswerRecord(GUILD, "a", Outcome.ANSWER, at=now) for _ in range(300)]
    answers += [AnswerRecord(OTHER, None, Outcome.DECLINE, at=now)]
    gaps = [GapRecord(GUILD, "bread?", Outcome.DECLINE, "a", 0.25, at=now)]
    gaps += [GapRecord(OTHER, "x" * 310, "clarify", at=now)]  # text is cut as record_gap does
    await store.record_events(answers, gaps)
    await store.record_events([], [])
    store = await reopen(store)
    assert (await store.stats(GUILD)).answers_per_entry == {"a": 300}
    assert (await store.stats(None)).total == 301
    found = {g.text[:6]: g for g in await store.gaps(None)}
    assert found["bread?"].best_entry_id == "a" and found["bread?"].count == 1
    assert len(found["xxxxxx"].text) == GAP_TEXT_MAX_CHARS


async def test_record_events_is_all_or_nothing(store: Store, now: datetime) -> None:
    good = AnswerRecord(GUILD, "a", Outcome.ANSWER, at=now)
    with pytest.raises(ValueError):
        await store.record_events([good, AnswerRecord(GUILD, "a", "nonsense")])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await store.record_events([good], [GapRecord(GUILD, "q", "nonsense")])  # type: ignore[arg-type]
    assert (await store.stats(None)).total == 0
    assert await store.gaps(None) == []


async def test_answer_validation(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.record_answer(GUILD, "a", "low_confidence")  # type: ignore[arg-type]  # old word
    with pytest.raises(ValueError):
        await store.record_answer(True, "a", Outcome.ANSWER)  # type: ignore[arg-type]
    assert (await store.stats()).total == 0


# -- feedback -----------------------------------------------------------------------------------


async def test_feedback_counted_once_per_voter(store: Store, now: datetime) -> None:
    r1 = await store.record_feedback(GUILD, "msg-1", key(1), "a", True, at=now)
    r2 = await store.record_feedback(GUILD, "msg-1", key(1), "a", True, at=now)
    assert (r1, r2) == (FeedbackResult.NEW, FeedbackResult.SAME)
    assert (await store.feedback_stats(GUILD)).per_entry == {"a": EntryFeedback(1, 0)}

    assert await store.record_feedback(GUILD, "msg-1", key(1), "a", False) == FeedbackResult.CHANGED
    assert (await store.feedback_stats(GUILD)).per_entry == {"a": EntryFeedback(0, 1)}
    assert await store.record_feedback(GUILD, "msg-1", key(1), "a", False) == FeedbackResult.SAME

    # other voters, other answers, str keys, other guilds
    assert await store.record_feedback(GUILD, "msg-1", key(2), "a", True) == FeedbackResult.NEW
    assert await store.record_feedback(GUILD, "msg-2", key(1), "a", True) == FeedbackResult.NEW
    hex_key = key(3).hex()
    assert await store.record_feedback(GUILD, "msg-3", hex_key, "b", True) == FeedbackResult.NEW
    assert await store.record_feedback(GUILD, "msg-3", hex_key, "b", True) == FeedbackResult.SAME
    await store.record_feedback(GUILD, "msg-4", key(4), None, False)
    await store.record_feedback(OTHER, "msg-9", key(1), "a", False)

    stats = await store.feedback_stats(GUILD)
    assert stats.per_entry == {
        None: EntryFeedback(0, 1),
        "a": EntryFeedback(2, 1),
        "b": EntryFeedback(1, 0),
    }
    assert (stats.helpful, stats.not_helpful) == (3, 2)
    assert (await store.feedback_stats(None)).per_entry["a"] == EntryFeedback(2, 2)
    later = await store.feedback_stats(GUILD, since=now + timedelta(days=1))
    assert later.per_entry == {}


async def test_feedback_with_make_voter_key(store: Store) -> None:
    salt = await store.salt()
    voter = make_voter_key(salt, 123456789012345678, "answer-1")
    assert voter == make_voter_key(salt, 123456789012345678, "answer-1")
    assert voter != make_voter_key(salt, 123456789012345678, "answer-2")
    assert voter != make_voter_key(b"\0" * 32, 123456789012345678, "answer-1")
    assert await store.record_feedback(GUILD, "answer-1", voter, "a", True) == FeedbackResult.NEW
    assert await store.record_feedback(GUILD, "answer-1", voter, "a", True) == FeedbackResult.SAME


@pytest.mark.parametrize(
    "voter_key", ["123456789012345678", 123456789012345678, b"short", "", b"x" * 15]
)
async def test_feedback_rejects_raw_ids_and_weak_keys(store: Store, voter_key: object) -> None:
    with pytest.raises(ValueError):
        await store.record_feedback(GUILD, "m", voter_key, "a", True)  # type: ignore[arg-type]
    assert (await store.feedback_stats()).per_entry == {}


# -- salt ---------------------------------------------------------------------------------------


async def test_salt_is_random_32_bytes_and_stable_across_reopen(
    store: Store, reopen: Reopen, make_store
) -> None:
    salt = await store.salt()
    assert isinstance(salt, bytes)
    assert len(salt) == 32
    assert salt != b"\0" * 32
    assert await store.salt() == salt
    reopened = await reopen(store)
    try:
        assert await reopened.salt() == salt
    finally:
        await reopened.close()
    other = type(store)(retention_days=30) if type(store).__name__ == "InMemoryStore" else None
    if other is not None:  # a separate database gets its own salt
        await other.open()
        assert await other.salt() != salt
        await other.close()


# -- retention ----------------------------------------------------------------------------------


async def test_purge_at_retention_boundary(make_store, now: datetime) -> None:
    store = make_store(retention_days=7)
    await store.open()
    try:
        cutoff = now - timedelta(days=7)
        just_old = cutoff - timedelta(microseconds=1)
        for at in (just_old, cutoff, now):
            await store.record_gap(GUILD, f"q {at.isoformat()}", Outcome.DECLINE, at=at)
            await store.record_answer(GUILD, "a", Outcome.ANSWER, at=at)
            await store.record_feedback(GUILD, f"m {at.isoformat()}", key(1), "a", True, at=at)
        await store.update_settings(GUILD, default_region="ch")
        salt = await store.salt()

        assert await store.purge(now=now) == PurgeResult(gaps=1, answers=1, feedback=1)
        assert await store.purge(now=now) == PurgeResult()  # idempotent
        assert len(await store.gaps(GUILD)) == 2
        assert (await store.stats(GUILD)).total == 2
        assert (await store.feedback_stats(GUILD)).helpful == 2
        # the voter key of the purged vote is gone: voting again counts as new
        old_answer = f"m {just_old.isoformat()}"
        assert await store.record_feedback(GUILD, old_answer, key(1), "a", True) == (
            FeedbackResult.NEW
        )

        result = await store.purge(now=now + timedelta(days=30))
        assert result.total == 7 and result.feedback == 3
        assert await store.gaps() == []
        # settings and salt are never purged
        assert (await store.get_settings(GUILD)).default_region == "ch"
        assert await store.salt() == salt
    finally:
        await store.close()


async def test_purge_default_now_and_naive_datetimes(make_store) -> None:
    store = make_store(retention_days=1)
    await store.open()
    try:
        real_now = datetime.now(UTC)
        naive_old = (real_now - timedelta(days=2)).replace(tzinfo=None)  # taken as UTC
        await store.record_answer(GUILD, "a", Outcome.ANSWER, at=naive_old)
        await store.record_answer(GUILD, "a", Outcome.ANSWER)
        assert await store.purge() == PurgeResult(answers=1)
    finally:
        await store.close()


async def test_open_purges_expired_rows(make_store, reopen: Reopen) -> None:
    store = make_store(retention_days=1)
    await store.open()
    await store.record_gap(GUILD, "old", Outcome.DECLINE, at=datetime.now(UTC) - timedelta(days=3))
    await store.record_gap(GUILD, "new", Outcome.DECLINE)
    store = await reopen(store)
    try:
        assert [g.text for g in await store.gaps()] == ["new"]
    finally:
        await store.close()


def test_retention_days_validated(make_store) -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            make_store(retention_days=bad)


# -- concurrency and errors ---------------------------------------------------------------------


async def test_concurrent_records_all_persisted(store: Store, reopen: Reopen) -> None:
    async def one(i: int) -> None:
        match i % 3:
            case 0:
                await store.record_gap(GUILD, f"q{i % 7}", Outcome.DECLINE)
            case 1:
                await store.record_answer(GUILD, f"e{i % 5}", Outcome.ANSWER)
            case _:
                await store.record_feedback(GUILD, f"m{i}", key(i), "e", i % 2 == 0)

    await asyncio.gather(*(one(i) for i in range(200)))
    await asyncio.gather(
        *(store.update_settings(GUILD, log_channel_id=i) for i in range(50)),
        *(store.add_answer_channel(GUILD, c) for c in range(50)),
    )
    reopened = await reopen(store)
    try:
        assert sum(g.count for g in await reopened.gaps(GUILD, limit=100)) == 67
        assert (await reopened.stats(GUILD)).answered == 67
        feedback = await reopened.feedback_stats(GUILD)
        assert feedback.helpful + feedback.not_helpful == 66
        settings = await reopened.get_settings(GUILD)
        assert settings.answer_channel_ids == frozenset(range(50))
        assert settings.log_channel_id == 49
    finally:
        await reopened.close()


async def test_closed_store_raises_store_error(make_store) -> None:
    store = make_store()
    with pytest.raises(StoreError, match="not open"):
        await store.get_settings(GUILD)
    await store.open()
    await store.open()  # idempotent
    await store.record_answer(GUILD, "a", Outcome.ANSWER)
    await store.close()
    await store.close()  # idempotent
    with pytest.raises(StoreError, match="not open"):
        await store.record_answer(GUILD, "a", Outcome.ANSWER)
    with pytest.raises(StoreError):
        await store.salt()


async def test_context_manager(make_store) -> None:
    async with make_store() as store:
        assert (await store.stats()).total == 0
    with pytest.raises(StoreError):
        await store.stats()

"""Issue 12, on every backend: Dismiss removes a gap for one server, and a 👎 keeps the
normalised question (no voter, capped like a gap, purged and forgotten like the vote)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.outcome import Outcome
from bot.store import GAP_TEXT_MAX_CHARS, DislikedQuestion, Store

from .test_behaviour import GUILD, OTHER, key


async def gap_texts(store: Store, guild: int | None) -> dict[str, int]:
    return {g.text: g.count for g in await store.gaps(guild, limit=100)}


async def test_dismiss_removes_that_gap_for_that_server_only(store: Store, now: datetime) -> None:
    for guild in (GUILD, OTHER):
        for minutes in (1, 2):
            await store.record_gap(guild, "can my boss see it", Outcome.DECLINE, at=now)
            await store.record_gap(guild, f"other {minutes}", "clarify", at=now)
    assert await store.dismiss_gap(GUILD, "can my boss see it") == 2
    assert await gap_texts(store, GUILD) == {"other 1": 1, "other 2": 1}
    assert (await gap_texts(store, OTHER))["can my boss see it"] == 2
    assert await store.dismiss_gap(GUILD, "can my boss see it") == 0  # already gone
    # a new occurrence starts the gap again
    await store.record_gap(GUILD, "can my boss see it", Outcome.DECLINE, at=now)
    assert (await gap_texts(store, GUILD))["can my boss see it"] == 1


async def test_dismiss_for_every_server(store: Store, now: datetime) -> None:
    for guild in (GUILD, OTHER):
        await store.record_gap(guild, "zebras", Outcome.DECLINE, at=now)
        await store.record_gap(guild, "kept", Outcome.DECLINE, at=now)
    assert await store.dismiss_gap(None, "zebras") == 2
    assert await gap_texts(store, None) == {"kept": 2}


@pytest.mark.parametrize("args", [(-1, "q"), ("1", "q"), (GUILD, None), (GUILD, 5)])
async def test_dismiss_validation(store: Store, args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        await store.dismiss_gap(*args)  # type: ignore[arg-type]


async def test_a_thumbs_down_keeps_the_question_a_thumbs_up_does_not(
    store: Store, now: datetime
) -> None:
    earlier = now - timedelta(hours=1)
    await store.record_feedback(GUILD, "m1", key(1), "a", False, at=earlier, question="is it late")
    await store.record_feedback(GUILD, "m2", key(2), "b", False, at=now, question="is it late")
    await store.record_feedback(GUILD, "m3", key(3), "a", False, at=now, question="why")
    await store.record_feedback(GUILD, "m4", key(4), "a", True, at=now, question="liked")
    await store.record_feedback(GUILD, "m5", key(5), "a", False, at=now)  # /optout: no text
    await store.record_feedback(OTHER, "m9", key(9), "a", False, at=now, question="elsewhere")
    assert await store.disliked(GUILD) == [
        DislikedQuestion("is it late", 2, now, "b"),  # most votes first, newest vote's topic
        DislikedQuestion("why", 1, now, "a"),
    ]
    assert [d.text for d in await store.disliked(None)] == ["is it late", "elsewhere", "why"]
    assert await store.disliked(GUILD, since=now + timedelta(seconds=1)) == []
    assert len(await store.disliked(GUILD, limit=1)) == 1
    # changing a 👎 to 👍 drops its question; back to 👎 keeps the new one
    await store.record_feedback(GUILD, "m3", key(3), "a", True, question="why")
    assert [d.text for d in await store.disliked(GUILD)] == ["is it late"]
    await store.record_feedback(GUILD, "m3", key(3), "a", False, question="why not")
    assert [d.text for d in await store.disliked(GUILD)] == ["is it late", "why not"]


async def test_a_kept_question_is_capped_forgotten_and_purged(make_store, now: datetime) -> None:
    store = make_store(retention_days=7)
    await store.open()
    try:
        long = "x" * (GAP_TEXT_MAX_CHARS + 50)
        await store.record_feedback(GUILD, "m1", key(1), "a", False, at=now, question=long)
        (kept,) = await store.disliked(GUILD)
        assert kept.text == "x" * GAP_TEXT_MAX_CHARS
        old = now - timedelta(days=8)
        await store.record_feedback(OTHER, "m2", key(2), "a", False, at=old, question="old")
        assert (await store.purge(now=now)).feedback == 1
        assert await store.disliked(OTHER) == []
        await store.forget_guild(GUILD)
        assert await store.disliked(None) == []
    finally:
        await store.close()


async def test_disliked_ties_pick_the_same_topic_on_every_backend(
    store: Store, now: datetime
) -> None:
    await store.record_feedback(GUILD, "m1", key(1), "b", False, at=now, question="same")
    await store.record_feedback(GUILD, "m2", key(2), "a", False, at=now, question="same")
    await store.record_feedback(GUILD, "m3", key(3), "z", False, at=now, question="other")
    await store.record_feedback(GUILD, "m4", key(4), None, False, at=now, question="other")
    assert [(d.text, d.entry_id) for d in await store.disliked(GUILD)] == [
        ("other", None),
        ("same", "a"),
    ]

"""Reports fit one Discord message, cut at whole lines and say how much was left out."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.knowledge.problems import Problem
from bot.outcome import Outcome
from bot.services import ReloadReport, TeachResult
from bot.services.gaps import (
    MESSAGE_LIMIT,
    fit_lines,
    format_check,
    format_gaps,
    format_report,
    format_stats,
    format_teach,
    since_for,
)
from bot.services.retention import purge_forever
from bot.store import AnswerStats, EntryFeedback, FeedbackStats, GapSummary, InMemoryStore
from tests.testkit import eventually

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _report(errors: int = 0, **kw) -> ReloadReport:
    problems = tuple(
        Problem("knowledge/entries/topics.yaml", i + 1, "x" * 150) for i in range(errors)
    )
    base = dict(
        reason="edit",
        ok=not errors,
        applied=False,
        version="abcdef123456",
        previous_version="abcdef123456",
        errors=problems,
    )
    return ReloadReport(**{**base, **kw})


def test_fit_lines_cuts_whole_lines() -> None:
    text = fit_lines("head", [f"line {i:03}" for i in range(500)], "foot", limit=100, noun="x")
    assert len(text) <= 100
    assert text.startswith("head\nline 000\n") and text.endswith("more x\nfoot")
    assert all(line.startswith(("head", "line", "…", "foot")) for line in text.splitlines())


def test_many_problems_are_summarised() -> None:
    text = format_report(_report(errors=60))
    assert len(text) <= MESSAGE_LIMIT
    assert text.startswith("❌ Knowledge edit: rejected (60 problems); still answering from")
    assert "knowledge/entries/topics.yaml:1: " in text
    assert text.splitlines()[-1].startswith("… and ") and text.endswith("more problems")


def test_check_says_whether_disk_is_live() -> None:
    live = format_check(_report(disk_version="abcdef123456", files=2))
    assert "the bot is answering from it" in live
    pending = format_check(_report(disk_version="999999999999", files=2))
    assert "run `/kb-admin reload`" in pending


def test_gaps_fit_and_name_the_closest_entry() -> None:
    gaps = [
        GapSummary(
            f"question number {i} " + "words " * 40, i + 1, NOW, Outcome.ANSWER, "turn-off", 0.42
        )
        for i in range(200)
    ]
    text = format_gaps(gaps, period="week", scope="this server", titles={"turn-off": "Turn off"})
    assert len(text) <= MESSAGE_LIMIT
    assert "closest: Turn off (42%)" in text and "more questions" in text
    assert f"<t:{int(NOW.timestamp())}:R>" in text
    assert format_gaps([], period="day", scope="x", titles={}).endswith("🎉")


def test_stats_table() -> None:
    stats = AnswerStats(10, 7, 2, 1, {"turn-off": 5, "gone": 2})
    votes = FeedbackStats({"turn-off": EntryFeedback(3, 1), None: EntryFeedback(0, 1)})
    text = format_stats(
        stats, votes, period="month", scope="all servers", titles={"turn-off": "Turn off"}
    )
    assert "10 questions, 7 answered, 1 asked which, 2 declined (decline rate 20%)" in text
    assert "Feedback: 3 👍 / 2 👎" in text
    assert "`   5` Turn off · 3 👍 1 👎" in text and "gone (removed)" in text
    assert text.index("Turn off") < text.index("gone (removed)")


def test_teach_notice_has_who_and_when() -> None:
    result = TeachResult(
        "turn-off",
        "Turn off",
        "stop the ai",
        "knowledge/entries/t.yaml",
        12,
        Path("/k/.backups/entries__t.1.yaml"),
        "Ana",
        NOW,
        0,
    )
    text = format_teach(result, _report(applied=True))
    assert text.startswith("📝 **Ana** taught “stop the ai” to `turn-off`")
    assert f"<t:{int(NOW.timestamp())}:f>" in text and "(knowledge/entries/t.yaml:12)" in text


def test_periods() -> None:
    assert since_for("week", NOW) == NOW - timedelta(days=7)
    assert since_for("all", NOW) is None
    with pytest.raises(ValueError):
        since_for("year", NOW)


async def test_purge_loop_deletes_expired_rows_while_running() -> None:
    store = InMemoryStore(retention_days=30)
    await store.open()
    old = datetime.now(UTC) - timedelta(days=31)
    task = asyncio.create_task(purge_forever(store, every_seconds=0.01))
    try:
        await asyncio.sleep(0.02)
        await store.record_gap(1, "old question", Outcome.DECLINE, at=old)
        await store.record_gap(1, "new question", Outcome.DECLINE)
        gaps = await eventually(lambda: store.gaps(limit=10), lambda g: len(g) == 1, seconds=2)
        assert [g.text for g in gaps] == ["new question"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()


HOSTILE = "[free nitro](https://evil.example) **Boss** ||x|| <@1> __u__ ~~s~~"
TITLE, TITLE_ESCAPED = (
    "[nitro](https://e.x) **B** ||s||",
    r"\[nitro\](https://e.x) \*\*B\*\* \|\|s\|\|",
)
ESCAPED = r"\[free nitro\](https://evil.example) \*\*Boss\*\* \|\|x\|\| \<@1> \_\_u\_\_ \~\~s\~\~"


def test_teach_notice_escapes_the_maintainers_name_and_the_phrasing() -> None:
    """Issue 14.9: a display name with a masked link rendered as a link in the notice."""
    result = TeachResult(
        "turn-off",
        "Turn off",
        "# how do i **opt** out",
        "knowledge/entries/t.yaml",
        12,
        Path("/k/.backups/entries__t.1.yaml"),
        HOSTILE + "\n> quoted",
        NOW,
        0,
    )
    text = format_teach(result, _report(applied=True))
    assert text.startswith(f"📝 **{ESCAPED} > quoted** taught “\\# how do i \\*\\*opt\\*\\* out”")
    assert HOSTILE not in text and "\n" not in text


def test_gap_texts_and_topic_names_cannot_format_the_report() -> None:
    gaps = [GapSummary("one `gap`\n# two\n> three", 2, NOW, Outcome.DECLINE, "x", 0.3)]
    text = format_gaps(gaps, period="week", scope="this server", titles={"x": TITLE})
    (line,) = [line for line in text.splitlines() if line.startswith("**2×**")]
    assert "`one 'gap' # two > three`" in line  # one code span on one line
    assert f"closest: {TITLE_ESCAPED} (30%)" in line

    stats = AnswerStats(1, 1, 0, 0, {"x": 1, "g_o_ne": 1})
    text = format_stats(stats, FeedbackStats({}), period="week", scope="x", titles={"x": TITLE})
    assert f"`   1` {TITLE_ESCAPED} · 0 👍 0 👎" in text and r"g\_o\_ne (removed)" in text


def test_problem_lines_cannot_format_the_report() -> None:
    report = _report(errors=0)
    problem = Problem("knowledge/entries/t.yaml", 3, f"example phrasing '{HOSTILE}' is bad")
    text = format_report(replace(report, ok=False, errors=(problem,)))
    assert f"- knowledge/entries/t.yaml:3: example phrasing '{ESCAPED}' is bad" in text

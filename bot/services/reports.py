"""Plain-text reports for moderators: stats, disliked answers, reload problems, teach notices.

Every function returns one message that fits Discord's 2000-character limit, cutting whole
lines and saying "… and N more" instead of breaking mid-line, so the cogs only send text.
The unanswered-questions report lives with the gaps themselves, in ``gaps.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot.presentation.layout import MESSAGE_LIMIT, escape_markdown, fit
from bot.services.reloader import ReloadReport, short
from bot.services.teach import TeachResult
from bot.store.base import AnswerStats, DislikedQuestion, FeedbackStats

PERIODS: dict[str, int | None] = {"day": 1, "week": 7, "month": 30, "all": None}
PERIOD_LABELS = {
    "day": "the last 24 hours",
    "week": "the last 7 days",
    "month": "the last 30 days",
    "all": "everything kept",
}


def since_for(period: str, now: datetime | None = None) -> datetime | None:
    """Start of a named period (``None`` = no limit; retention bounds it anyway)."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    days = PERIODS[period]
    return None if days is None else (now or datetime.now(UTC)) - timedelta(days=days)


def fit_lines(
    header: str,
    lines: Sequence[str],
    footer: str = "",
    *,
    limit: int = MESSAGE_LIMIT,
    noun: str = "",
) -> str:
    """Header, as many whole lines as fit, '… and N more <noun>', footer."""
    out = [header]
    used = len(header) + (len(footer) + 1 if footer else 0)
    for i, line in enumerate(lines):
        more = f"… and {len(lines) - i} more {noun}".rstrip()
        if used + 1 + len(line) + 1 + len(more) > limit and i < len(lines) - 1:
            out.append(more)
            break
        if used + 1 + len(line) > limit:
            out.append(more[: max(0, limit - used - 1)])
            break
        out.append(line)
        used += 1 + len(line)
    if footer:
        out.append(footer)
    return "\n".join(out)[:limit]


def code_span_safe(text: str) -> str:
    """Text that stays inside one inline code span: no backtick, no line break."""
    return " ".join(text.replace("`", "'").splitlines())


def when(moment: datetime) -> str:
    """A Discord timestamp each reader sees in their own time zone, as "3 hours ago"."""
    return f"<t:{int(moment.timestamp())}:R>"


def format_disliked(
    disliked: Sequence[DislikedQuestion], *, period: str, scope: str, titles: Mapping[str, str]
) -> str:
    """Questions whose answer got a 👎, most votes first: what to rewrite, not what to add."""
    header = (
        f"**Disliked answers (👎)** in {scope}, {PERIOD_LABELS.get(period, period)}, "
        "by the question asked:"
    )
    lines = []
    for d in disliked:
        line = f"**{d.count}×** `{code_span_safe(fit(d.text, 120))}` · {when(d.last_seen)}"
        if d.entry_id:
            title = escape_markdown(fit(titles.get(d.entry_id, f"{d.entry_id} (removed)"), 60))
            line += f" · answered with {title}"
        lines.append(line)
    return fit_lines(header, lines, noun="questions")


def format_stats(
    stats: AnswerStats,
    feedback: FeedbackStats,
    *,
    period: str,
    scope: str,
    titles: Mapping[str, str],
) -> str:
    """Answers and Helpful / Not helpful per entry, and the decline rate."""
    header = (
        f"**Answer stats** in {scope}, {PERIOD_LABELS.get(period, period)}: "
        f"{stats.total} questions, {stats.answered} answered, {stats.clarify} asked which, "
        f"{stats.declined} declined (decline rate {stats.decline_rate:.0%}). "
        f"Feedback: {feedback.helpful} 👍 / {feedback.not_helpful} 👎."
    )
    ids = set(stats.answers_per_entry) | {k for k in feedback.per_entry if k}
    if not ids:
        return f"{header}\nNo answers in this period."
    rows = sorted(ids, key=lambda i: (-stats.answers_per_entry.get(i, 0), i))
    lines = []
    for entry_id in rows:
        votes = feedback.per_entry.get(entry_id)
        up, down = (votes.helpful, votes.not_helpful) if votes else (0, 0)
        title = escape_markdown(fit(titles.get(entry_id, f"{entry_id} (removed)"), 60))
        lines.append(f"`{stats.answers_per_entry.get(entry_id, 0):>4}` {title} · {up} 👍 {down} 👎")
    return fit_lines(header + "\n**Answers per entry:**", lines, noun="entries")


def format_report(report: ReloadReport, *, limit: int = MESSAGE_LIMIT) -> str:
    """A reload/check result for the maintainers' log or the moderator who asked."""
    lines = [f"- {escape_markdown(fit(str(p), 300))}" for p in report.errors]
    header = ("❌ " if not report.ok else "✅ ") + report.summary()
    if report.ok and report.warnings:
        n = len(report.warnings)
        header += f" {n} warning{'s' * (n != 1)} (see `optout-bot check`)."
    if not lines:
        return header[:limit]
    return fit_lines(header, lines, limit=limit, noun="problems")


def format_check(report: ReloadReport, *, limit: int = MESSAGE_LIMIT) -> str:
    """``/kb-admin check``: is the folder on disk valid, and is it what the bot answers from?"""
    if not report.ok:
        return format_report(report, limit=limit)
    live = report.disk_version == report.version
    status = (
        "the bot is answering from it."
        if live
        else f"the bot still answers from {short(report.version)}; run `/kb-admin reload`."
    )
    text = (
        f"✅ The knowledge on disk is valid: version {short(report.disk_version)}, "
        f"{report.files} files; {status}"
    )
    if report.warnings:
        lines = [f"- {escape_markdown(fit(str(p), 300))}" for p in report.warnings]
        return fit_lines(text + "\nWarnings:", lines, limit=limit, noun="warnings")
    return text


def format_teach(result: TeachResult, report: ReloadReport) -> str:
    """Maintainers' log line: what was added, where, by whom and when."""
    when = f"<t:{int(result.at.timestamp())}:f>"
    tail = (
        f" Live now (version {short(report.version)})."
        if report.applied
        else " Not live yet: " + report.summary()
    )
    layout = (
        f" Note: {result.reformatted_lines} other line(s) were re-laid out."
        if result.reformatted_lines
        else ""
    )
    who, phrasing = escape_markdown(fit(result.who, 80)), escape_markdown(result.phrasing)
    text = (
        f"📝 **{who}** taught “{phrasing}” to `{result.entry_id}` "
        f"({result.file}:{result.line}) at {when}. Backup: `{result.backup.name}`.{tail}{layout}"
    )
    return text[:MESSAGE_LIMIT]

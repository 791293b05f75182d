"""Unanswered questions ("gaps"): the report that says what the knowledge is missing.

The other reports (stats, disliked answers, reload and teach notices) and the helpers that
fit a report into one Discord message are in ``reports.py``; their names stay importable
from here for the callers that used to find them in this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.outcome import Outcome
from bot.presentation.layout import MESSAGE_LIMIT, escape_markdown, fit
from bot.services.reports import (
    PERIOD_LABELS,
    PERIODS,
    code_span_safe,
    fit_lines,
    format_check,
    format_disliked,
    format_report,
    format_stats,
    format_teach,
    since_for,
    when,
)
from bot.store.base import GapSummary

__all__ = [
    "MESSAGE_LIMIT",
    "PERIODS",
    "PERIOD_LABELS",
    "code_span_safe",
    "fit_lines",
    "format_check",
    "format_disliked",
    "format_gaps",
    "format_report",
    "format_stats",
    "format_teach",
    "since_for",
]

#: How a gap's outcome reads in the report (a gap that was answered was answered unsure).
_OUTCOME = {
    Outcome.DECLINE: "declined",
    Outcome.ANSWER: "low confidence",
    Outcome.CLARIFY: "asked which",
}


def format_gaps(
    gaps: Sequence[GapSummary], *, period: str, scope: str, titles: Mapping[str, str]
) -> str:
    """Unanswered questions, grouped, newest first, with what to do about them."""
    header = f"**Unanswered questions** in {scope}, {PERIOD_LABELS.get(period, period)}:"
    if not gaps:
        return f"{header}\nNone: every question got an answer. 🎉"
    lines = []
    for g in gaps:
        text = code_span_safe(fit(g.text, 120))
        outcome = _OUTCOME.get(g.outcome, g.outcome)
        line = f"**{g.count}×** `{text}` · {outcome} · {when(g.last_seen)}"
        if g.best_entry_id:
            title = escape_markdown(fit(titles.get(g.best_entry_id, g.best_entry_id), 60))
            line += f" · closest: {title} ({g.confidence:.0%})"
        lines.append(line)
    footer = "Add one with `/kb-admin teach` (maintainers) or tell them what people ask."
    return fit_lines(header, lines, footer, noun="questions")

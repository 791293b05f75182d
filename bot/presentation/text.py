"""Render an Answer for the terminal and as one JSON line for scripts."""

from __future__ import annotations

import json
import re

from bot.answering.answer import Answer
from bot.presentation.layout import to_markdown

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def to_text(answer: Answer, numbered_suggestions: bool = False) -> str:
    """Readable plain text: markdown emphasis dropped, links written out."""
    text = to_markdown(answer)
    text = _LINK.sub(r"\1 <\2>", text)
    text = _BOLD.sub(r"\1", text)
    text = re.sub(r"(?m)^_(.+)_$", r"(\1)", text)
    if numbered_suggestions and (answer.choices or answer.suggestions):
        options = answer.choices or answer.suggestions
        picks = "\n".join(f"  [{n}] {s.title}" for n, s in enumerate(options, 1))
        text += f"\n\nType a number to pick one:\n{picks}"
    return text


def to_json_dict(answer: Answer) -> dict:
    """The stable `ask --json` keys, plus a few extra for convenience."""
    return {
        "question": answer.question,
        "entry": answer.entry_id,
        "outcome": answer.outcome,
        "confidence": answer.confidence,
        "platform": answer.platform,
        "region": answer.region,
        "suggestions": [s.id for s in answer.suggestions],
        "choices": [s.id for s in answer.choices],
        "title": answer.title,
        "answer": to_markdown(answer),
        "sources": [s.url or s.title for s in answer.sources],
        "checked": answer.checked.isoformat() if answer.checked else None,
        "small_talk": answer.small_talk,
        "lang": answer.lang,
        "premise": answer.premise,
    }


def to_json_line(answer: Answer) -> str:
    return json.dumps(to_json_dict(answer), ensure_ascii=False)

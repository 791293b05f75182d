"""Lay an Answer out as title / description / fields within Discord's embed limits.

The layout is plain data so the limits are enforced (and tested) in the core; the
Discord renderer copies it into an Embed and the terminal renders it as markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.answering.answer import Answer
from bot.knowledge.schema import PLATFORM_IDS, Entry, KnowledgeBase, Source
from bot.outcome import Outcome
from bot.presentation.labels import label

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
MESSAGE_LIMIT = 2000
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Layout:
    title: str
    description: str
    fields: tuple[Field, ...]
    footer: str
    url: str | None = None
    truncated: tuple[str, ...] = ()

    def total_chars(self) -> int:
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


def fit(text: str, limit: int) -> str:
    """Cut text to a limit, marking the cut, without splitting a surrogate-free char."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


_MARKDOWN = re.compile(r"([\\*_~|`\[\]<])")
_LINE_START = re.compile(r"^(\s*(?:[#>\-+]|\d+\.))")


def escape_markdown(text: str) -> str:
    """Text from people (names, questions, titles) shown literally in a Discord message.

    Characters Discord's markdown reacts to anywhere get a backslash (which Discord hides):
    emphasis, underline, strike, spoilers, code, masked links ``[x](url)`` and ``<@…>`` /
    ``<t:…>`` tokens; so do heading, quote and list markers at the start. Newlines become
    spaces, so one line stays one line.
    """
    text = _MARKDOWN.sub(r"\\\1", " ".join(text.splitlines()))
    return _LINE_START.sub(lambda m: m[1][:-1] + "\\" + m[1][-1], text)


def source_line(source: Source) -> str:
    label = f"{source.title} — {source.publisher}"
    if source.date:
        label += f", {source.date}"
    return f"[{label}]({source.url})" if source.url else label


def steps_text(answer: Answer) -> str:
    parts = []
    for group in answer.steps:
        lines = [f"**{group.label}**"]
        lines += [f"{n}. {step}" for n, step in enumerate(group.steps, 1)]
        parts.append("\n".join(lines))
    if answer.link:
        parts.append(f"**{label(answer, 'direct_link')}:** {answer.link}")
    return "\n\n".join(parts)


def scope_fields(answer: Answer) -> list[Field]:
    """Region note, what it covers and not, doubts and sources: the whole answer and Details."""
    fields: list[Field] = []
    if answer.region_note:
        name = (
            label(answer, "where_you_are", region=answer.region_name)
            if answer.region_name
            else label(answer, "regions")
        )
        fields.append(Field(name, answer.region_note))
    if answer.covers:
        fields.append(Field(label(answer, "covers"), _bullets(answer.covers)))
    if answer.does_not_cover:
        fields.append(Field(label(answer, "does_not_cover"), _bullets(answer.does_not_cover)))
    if answer.uncertain:
        fields.append(Field(label(answer, "not_certain"), answer.uncertain))
    return fields


def checked_line(answer: Answer) -> str:
    return f"{label(answer, 'last_checked')} {answer.checked.isoformat()}" if answer.checked else ""


def layout(answer: Answer) -> Layout:
    """The whole answer as one embed-shaped layout (terminal, JSON, the knowledge check)."""
    description = answer.body
    if answer.premise:
        description = f"{answer.premise}\n\n{description}"
    if answer.notice:
        description = f"_{answer.notice}_\n\n{description}"
    steps = steps_text(answer)
    if steps:
        description = f"{description}\n\n{steps}"
    fields = scope_fields(answer)
    if answer.choices:
        fields.append(Field(label(answer, "pick_one"), _bullets(c.title for c in answer.choices)))
    elif answer.suggestions and answer.outcome != Outcome.ANSWER:
        topics = _bullets(s.title for s in answer.suggestions)
        fields.append(Field(label(answer, "topics"), topics))
    if answer.sources:
        fields.append(Field(label(answer, "sources"), source_bullets(answer.sources)))
    footer_bits = [checked_line(answer)] if answer.checked else []
    if answer.caveat:
        footer_bits.append(answer.caveat)
    return clamped_layout(answer.title, description, fields, " · ".join(footer_bits), answer.link)


def clamped_layout(
    title: str, description: str, fields: list[Field], footer: str, url: str | None
) -> Layout:
    """Clamp every part to its Discord limit and the whole to 6000, recording what was cut."""
    cut: list[str] = []

    def clamp(what: str, text: str, limit: int) -> str:
        if len(text) > limit:
            cut.append(f"{what} is {len(text)} characters (limit {limit})")
        return fit(text, limit)

    fields = [
        Field(
            clamp("field name", f.name, FIELD_NAME_LIMIT),
            clamp(f"'{f.name}'", f.value, FIELD_VALUE_LIMIT),
        )
        for f in fields[:FIELD_COUNT_LIMIT]
    ]
    result = Layout(
        title=clamp("title", title, TITLE_LIMIT),
        description=clamp("description", description, DESCRIPTION_LIMIT),
        fields=tuple(fields),
        footer=clamp("footer", footer, FOOTER_LIMIT),
        url=url,
    )
    if result.total_chars() > EMBED_TOTAL_LIMIT:
        cut.append(f"whole answer is {result.total_chars()} characters (limit {EMBED_TOTAL_LIMIT})")
        result = _shrink_to_total(result)
    return Layout(
        result.title, result.description, result.fields, result.footer, result.url, tuple(cut)
    )


def _shrink_to_total(lay: Layout) -> Layout:
    """Cut the longest part (description or a field value) until the embed fits 6000."""
    description, fields = lay.description, list(lay.fields)
    while True:
        over = (
            Layout(lay.title, description, tuple(fields), lay.footer).total_chars()
            - EMBED_TOTAL_LIMIT
        )
        if over <= 0:
            return Layout(lay.title, description, tuple(fields), lay.footer, lay.url)
        longest = max(
            range(-1, len(fields)),
            key=lambda i: len(description) if i < 0 else len(fields[i].value),
        )
        if longest < 0:
            description = fit(description, max(1, len(description) - over))
        else:
            field = fields[longest]
            fields[longest] = Field(field.name, fit(field.value, max(1, len(field.value) - over)))


def source_bullets(sources: tuple[Source, ...]) -> str:
    """One bullet per source, as many as fit a field value, then "… and N more sources"."""
    lines: list[str] = []
    used = 0
    for n, source in enumerate(sources):
        line = f"• {fit(source_line(source), 400)}"
        remaining = len(sources) - n - 1
        reserve = len(f"\n… and {remaining} more") if remaining else 0
        if used + len(line) + 1 + reserve > FIELD_VALUE_LIMIT:
            lines.append(f"… and {len(sources) - n} more sources")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def _bullets(items) -> str:
    return "\n".join(f"• {item}" for item in items)


def to_markdown(answer: Answer) -> str:
    """The answer as one markdown text: the JSON 'answer' key and the terminal view."""
    lay = layout(answer)
    parts = [f"**{lay.title}**" if lay.title else "", lay.description]
    parts += [f"**{f.name}**\n{f.value}" for f in lay.fields]
    if lay.footer:
        parts.append(f"_{lay.footer}_")
    return "\n\n".join(p for p in parts if p)


def budget_problems(kb: KnowledgeBase) -> Iterator[tuple[Entry, str]]:
    """Every entry, composed for every platform and region, must fit an embed uncut."""
    from bot.answering.compose import compose_entry, widest_region

    languages = ("en", *kb.translations)
    for entry in kb.entries.values():
        reported: set[str] = set()
        # Only what changes the answer is varied: steps by platform; by region only the region
        # field, so no region (the overview) and the widest region bound all the others.
        platforms = (None, *PLATFORM_IDS) if entry.steps else (None,)
        regional = entry.regions or entry.is_howto or entry.shared_region_notes
        for lang in languages:
            regions = (None, widest_region(kb, entry, lang)) if regional else (None,)
            for platform in platforms:
                for region in regions:
                    answer = compose_entry(
                        kb, entry, question="", platform=platform, region=region, lang=lang
                    )
                    for problem in layout(answer).truncated:
                        if problem not in reported:
                            reported.add(problem)
                            yield entry, f"answer too long for a Discord embed: {problem}"

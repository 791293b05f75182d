"""Phone-first answers: a short first message, and the rest one "Details" click away.

Why: the full answer (steps for every platform, what it covers, every source) is three or
four phone screens long. The first message keeps what a member needs to act: the steps for
the platform asked, the direct link once, the region in a sentence or two, one line on
what the toggle does not stop, and when it was last checked, within PHONE_LIMIT visible
characters. Everything else goes to `details_layout`, shown privately on request.

Plain data only (no discord): the Discord renderer copies these layouts into embeds, and
`plain_text` is the form for channels where the bot may not embed links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.answering.answer import Answer
from bot.outcome import Outcome
from bot.presentation.labels import label
from bot.presentation.layout import (
    MESSAGE_LIMIT,
    Field,
    Layout,
    checked_line,
    clamped_layout,
    fit,
    layout,
    scope_fields,
    source_bullets,
)

PHONE_LIMIT = 1500  # visible characters: title, description, fields, footer
LEAD_LIMIT = 320
REGION_LIMIT = 280
NOT_STOPPED_LIMIT = 200
# A sentence ends at . ! ? before a capital, but not after a day number ("3. Nov") or a short
# abbreviation ("z. B.", "e.g.", "Art."): German dates and abbreviations stay whole.
_SENTENCE_END = re.compile(
    r"(?<![\s*(]\d\.)(?<![\s*(]\d\d\.)(?<!\b[A-Za-z]\.)(?<!\bArt\.)(?<!\bNr\.)"
    r"(?<=[.!?])\s+(?=[A-ZÀ-Ý*\"'(„«¿¡])"
)


@dataclass(frozen=True, slots=True)
class Section:
    """One whole part of the first message; `name` None means it belongs in the text."""

    text: str
    name: str | None = None
    keep: int = 0  # the plain-text form drops the lowest first


@dataclass(frozen=True, slots=True)
class Phone:
    """The first message before it becomes an embed or plain text."""

    title: str
    sections: tuple[Section, ...]
    link: str | None
    footer: str
    details: bool  # whether a Details button has something more to show
    link_word: str = "Direct link"  # in the answer's language


def sentences(text: str, count: int, limit: int) -> str:
    """The first `count` whole sentences within `limit` (at least the first, cut if it must)."""
    parts = _SENTENCE_END.split(" ".join(text.split()))
    kept = parts[0]
    for part in parts[1:count]:
        if len(kept) + 1 + len(part) > limit:
            break
        kept = f"{kept} {part}"
    return fit(kept, limit)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _footer(answer: Answer) -> str:
    bits = [checked_line(answer)] if answer.checked else []
    if answer.caveat and answer.is_howto:
        bits.append(label(answer, "labels_may_differ"))
    return " · ".join(bits)


def _region_section(answer: Answer) -> Section | None:
    if not answer.region_note:
        return None
    name = (
        label(answer, "where_you_are", region=answer.region_name)
        if answer.region_name
        else label(answer, "regions")
    )
    return Section(sentences(answer.region_note, 2, REGION_LIMIT), name, keep=3)


def _steps_sections(answer: Answer) -> list[Section]:
    """The asked platform's steps; with none asked, the web steps and a pointer to the app's."""
    groups = answer.steps if answer.platform else answer.steps[:1]
    out = []
    for group in groups:
        lines = [f"**{group.label}**", *(f"{n}. {s}" for n, s in enumerate(group.steps, 1))]
        out.append(Section("\n".join(lines), keep=9))
    if not answer.platform and len(answer.steps) > 1:
        out.append(Section(label(answer, "app_steps_hint"), keep=8))
    return out


def _howto(answer: Answer) -> Phone:
    lead = paragraphs(answer.body)[:1]
    sections = _notes(answer)
    sections += [Section(sentences(lead[0], 2, LEAD_LIMIT), keep=2)] if lead else []
    sections += _steps_sections(answer)
    if region := _region_section(answer):
        sections.append(region)
    if answer.does_not_cover:
        first = sentences(answer.does_not_cover[0], 1, NOT_STOPPED_LIMIT)
        sections.append(Section(first, label(answer, "does_not_stop"), keep=4))
    return Phone(answer.title, tuple(sections), answer.link, _footer(answer), details=True)


def _topic(answer: Answer) -> Phone:
    """A single-topic answer: whole, or its first paragraphs with the rest under Details."""
    whole = layout(answer)
    fields = [Section(f.value, f.name, keep=5) for f in whole.fields]
    body = [Section(answer.body, keep=9)] if answer.body else []
    phone = Phone(whole.title, (*body, *fields), answer.link, whole.footer, details=False)
    if _embed_size(phone) <= PHONE_LIMIT and not whole.truncated:
        return phone
    sections = [Section(p, keep=9 - n) for n, p in enumerate(paragraphs(answer.body))]
    if region := _region_section(answer):
        sections.append(region)
    phone = Phone(answer.title, tuple(sections), answer.link, _footer(answer), details=True)
    return _drop_to(phone, PHONE_LIMIT, _embed_size)


def _other(answer: Answer) -> Phone:
    """Declines and "which did you mean?": short already, shown whole."""
    whole = layout(answer)
    title = whole.title
    sections = [Section(whole.description, keep=9)] if whole.description else []
    sections += [Section(f.value, f.name, keep=5) for f in whole.fields]
    return Phone(title, tuple(sections), None, whole.footer, details=False)


def phone(answer: Answer) -> Phone:
    """The first message's parts. Cached on the answer without the asker's words (they are
    never shown, and never kept): the same few topic/platform/region answers are rendered
    again and again (the embed, the Details check)."""
    return _phone(replace(answer, question="", confidence=0.0))


@lru_cache(maxsize=512)
def _phone(answer: Answer) -> Phone:
    return replace(_layout_phone(answer), link_word=label(answer, "direct_link"))


def _layout_phone(answer: Answer) -> Phone:
    if answer.outcome == Outcome.ANSWER and answer.is_howto:
        return _drop_to(
            replace(_howto(answer), link_word=label(answer, "direct_link")),
            PHONE_LIMIT,
            _embed_size,
        )
    if answer.outcome == Outcome.ANSWER:
        return _topic(answer)
    return _other(answer)


def _drop_to(phone: Phone, limit: int, size) -> Phone:
    """Drop whole sections, least needed first, until `size(phone)` fits `limit`."""
    sections = list(phone.sections)
    while size(replace(phone, sections=tuple(sections), details=True)) > limit:
        droppable = [s for s in sections if s.keep < 9]
        if not droppable:
            break
        sections.remove(min(droppable, key=lambda s: s.keep))
    dropped = len(sections) < len(phone.sections)
    return replace(phone, sections=tuple(sections), details=phone.details or dropped)


def _notes(answer: Answer) -> list[Section]:
    """The correction of a wrong belief and the "not translated yet" line come first."""
    out = []
    if answer.notice:
        out.append(Section(f"_{answer.notice}_", keep=7))
    if answer.premise:
        out.append(Section(answer.premise, keep=10))
    return out


def _link_line(phone: Phone) -> str:
    return f"**{phone.link_word}:** {phone.link}" if phone.link else ""


def _description(phone: Phone) -> str:
    parts = [s.text for s in phone.sections if s.name is None]
    text = "\n\n".join(parts)
    if phone.link and phone.link not in text:
        parts.append(_link_line(phone))
    return "\n\n".join(parts)


def first_layout(answer: Answer) -> Layout:
    """The first message as an embed layout: within PHONE_LIMIT and every Discord limit."""
    p = phone(answer)
    fields = [Field(s.name, s.text) for s in p.sections if s.name is not None]
    lay = clamped_layout(p.title, _description(p), fields, p.footer, answer.link)
    if lay.total_chars() > PHONE_LIMIT:  # only a step list longer than a phone screen
        over = lay.total_chars() - PHONE_LIMIT
        lay = Layout(
            lay.title, fit(lay.description, len(lay.description) - over), lay.fields, lay.footer
        )
    return lay


def _embed_size(p: Phone) -> int:
    fields = sum(len(s.name or "") + len(s.text) for s in p.sections if s.name is not None)
    return len(p.title) + len(_description(p)) + fields + len(p.footer)


def has_details(answer: Answer) -> bool:
    return phone(answer).details


def details_layout(answer: Answer) -> Layout:
    """What the first message leaves out: the whole text, scope, doubts and every source."""
    fields = scope_fields(answer)
    if answer.sources:
        fields.append(Field(label(answer, "sources"), source_bullets(answer.sources)))
    footer = " · ".join(b for b in (_footer(answer), answer.caveat or "") if b)
    title = label(answer, "details_title", title=answer.title)
    return clamped_layout(title, answer.body, fields, footer, answer.link)


def _bullets(items) -> str:
    return "\n".join(f"• {item}" for item in items)


def plain_text(answer: Answer, limit: int = MESSAGE_LIMIT) -> str:
    """The first message as message markdown: whole sections dropped (never one cut) until
    it fits, always ending with the direct link and the date."""
    p = phone(answer)
    ending = [fit(_link_line(p), limit // 3)] if p.link else []
    ending += [f"_{fit(p.footer, limit // 4)}_"] if p.footer else []
    tail = "\n\n".join(ending)
    budget = limit - (len(tail) + 2 if tail else 0)

    def head(q: Phone) -> str:
        parts = [f"**{q.title}**"] if q.title else []
        parts += [f"**{s.name}**\n{s.text}" if s.name else s.text for s in q.sections]
        return "\n\n".join(x for x in parts if not p.link or x != _link_line(p))

    text = head(_drop_to(p, budget, lambda q: len(head(q))))
    if len(text) > budget:  # the steps alone are longer than a message: keep whole lines
        text = _whole_lines(text, budget)
    return f"{text}\n\n{tail}" if tail and text else (text or tail)


def _whole_lines(text: str, limit: int) -> str:
    more = "\n… (the rest: tap Details)"
    kept: list[str] = []
    for line in text.split("\n"):
        if len("\n".join([*kept, line])) + len(more) > limit:
            break
        kept.append(line)
    return "\n".join(kept) + more if kept else fit(text, limit)

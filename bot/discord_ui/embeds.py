"""Answer -> what a Discord message carries (embed or plain text, plus controls).

The first message is the core's phone-first layout (`bot.presentation.phone`), already
within 1,500 visible characters and every embed limit, so the embed is a 1:1 copy of it.
The plain-text form is for channels where the bot may not embed links: whole sections
are dropped until it fits a message, and it always ends with the direct link and date.
`details_embed` is what the Details button shows privately.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from bot.answering.answer import Answer, Outcome
from bot.presentation.layout import MESSAGE_LIMIT, Layout
from bot.presentation.phone import details_layout, first_layout, plain_text

COLOURS = {
    Outcome.ANSWER: discord.Colour(0x0A66C2),  # LinkedIn blue: a real answer
    Outcome.CLARIFY: discord.Colour(0xE7A33E),  # amber: the bot is asking back
    Outcome.DECLINE: discord.Colour(0x86888A),  # grey: the bot does not know
}


def answer_embed(answer: Answer) -> discord.Embed:
    """The phone-first layout copied field by field into an Embed."""
    return _embed(first_layout(answer), answer.outcome)


def details_embed(answer: Answer) -> discord.Embed:
    """Covers, does not cover, doubts and sources: shown to whoever clicked Details."""
    return _embed(details_layout(answer), answer.outcome)


def _embed(lay: Layout, outcome: Outcome) -> discord.Embed:
    embed = discord.Embed(
        title=lay.title or None,
        description=lay.description or None,
        url=lay.url if lay.title else None,
        colour=COLOURS.get(outcome),
    )
    for item in lay.fields:
        embed.add_field(name=item.name, value=item.value, inline=False)
    if lay.footer:
        embed.set_footer(text=lay.footer)
    return embed  # layout() already fits every Discord limit, the 6000 total included


def answer_text(answer: Answer, reserve: int = 0) -> str:
    """The same first message as message markdown, at most 2000 - reserve characters."""
    return plain_text(answer, MESSAGE_LIMIT - reserve)


@dataclass(frozen=True)
class Rendered:
    """One answer ready to send or to edit into an existing message."""

    answer: Answer
    view: discord.ui.View | None
    note: str | None = None  # a line above the answer, e.g. "For @member"

    def send_kwargs(self, *, embeds: bool = True) -> dict[str, Any]:
        """Keyword arguments for send()/send_message(); only what is set."""
        kwargs: dict[str, Any] = {}
        if embeds:
            kwargs["embed"] = answer_embed(self.answer)
            if self.note:
                kwargs["content"] = self.note
        else:
            if self.note:
                text = answer_text(self.answer, reserve=len(self.note) + 1)
                kwargs["content"] = f"{self.note}\n{text}"
            else:
                kwargs["content"] = answer_text(self.answer)
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for edit_message(): replaces content, embed and controls."""
        return {"content": self.note, "embed": answer_embed(self.answer), "view": self.view}

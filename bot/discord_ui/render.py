"""Answer -> what a Discord message carries (embed or plain text, plus controls).

The core's `layout()` already clamps every part to Discord's embed limits, so the embed
is a 1:1 copy of it; only when parts that are each within their limit add up to more
than 6000 characters does `_fit_total` shorten the longest parts (a last line of
defence). The plain-text form is for channels where the bot may not embed links; it is
cut to the 2000-character message limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from bot.answering.answer import Answer
from bot.answering.layout import MESSAGE_LIMIT, fit, layout, to_markdown

COLOURS = {
    "answer": discord.Colour(0x0A66C2),  # LinkedIn blue: a real answer
    "clarify": discord.Colour(0xE7A33E),  # amber: the bot is asking back
    "decline": discord.Colour(0x86888A),  # grey: the bot does not know
}


def answer_embed(answer: Answer) -> discord.Embed:
    """The core layout copied field by field into an Embed."""
    lay = layout(answer)
    embed = discord.Embed(
        title=lay.title,
        description=lay.description or None,
        url=lay.url,
        colour=COLOURS.get(answer.outcome),
    )
    for item in lay.fields:
        embed.add_field(name=item.name, value=item.value, inline=False)
    if lay.footer:
        embed.set_footer(text=lay.footer)
    return embed  # layout() already fits every Discord limit, the 6000 total included


def answer_text(answer: Answer) -> str:
    """The same answer as message markdown, at most 2000 characters."""
    return fit(to_markdown(answer), MESSAGE_LIMIT)


@dataclass(frozen=True)
class Rendered:
    """One answer ready to send or to edit into an existing message."""

    answer: Answer
    view: discord.ui.View | None

    def send_kwargs(self, *, embeds: bool = True) -> dict[str, Any]:
        """Keyword arguments for send()/send_message(); only what is set."""
        kwargs: dict[str, Any] = {}
        if embeds:
            kwargs["embed"] = answer_embed(self.answer)
        else:
            kwargs["content"] = answer_text(self.answer)
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for edit_message(): replaces content, embed and controls."""
        return {"content": None, "embed": answer_embed(self.answer), "view": self.view}

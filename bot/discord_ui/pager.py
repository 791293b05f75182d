"""Previous / Next for long lists (/sources, /kb gaps), built to survive restarts.

Why: one message showed ~21 of 45 sources and 10–15 of 50 gaps, then "… and N more".
A page is rebuilt on each click from its custom_id (`ob:pg:<list>:<arg>:<page>`), so
nothing about the list or its reader is kept in memory; only whoever ran the command
turns its pages (read from the message's interaction metadata, like the answers' asker).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_ui.errors import report_error
from bot.discord_ui.i18n import say
from bot.discord_ui.views import is_asker
from bot.knowledge.locales import UI_TEXTS

if TYPE_CHECKING:
    from bot.app import OptoutBot


NOT_YOUR_LIST = UI_TEXTS["not_your_list"]
PER_PAGE = 10


@dataclass(frozen=True, slots=True)
class Page:
    """What one page shows: an embed or text, and extra controls for its items."""

    content: str | None = None
    embed: discord.Embed | None = None
    extra: tuple[discord.ui.Item, ...] = ()


#: list name -> builder(interaction, arg, page number) -> (page, page count)
Builder = Callable[["discord.Interaction[OptoutBot]", str, int], Awaitable[tuple[Page, int]]]
BUILDERS: dict[str, Builder] = {}


def register(name: str, builder: Builder) -> None:
    BUILDERS[name] = builder


def page_slice(items: Sequence[Any], page: int, per_page: int = PER_PAGE) -> tuple[list, int, int]:
    """The items on `page` (clamped), that page's number, and the page count."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(0, page), pages - 1)
    return list(items[page * per_page : (page + 1) * per_page]), page, pages


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ob:pg:(?P<name>[a-z]+):(?P<arg>[a-z0-9-]*):(?P<page>\d{1,4})",
):
    """Previous or Next: redraws the list at another page."""

    def __init__(self, name: str, arg: str, page: int, label: str = "", disabled: bool = False):
        self.name, self.arg, self.page = name, arg, page
        super().__init__(
            discord.ui.Button(
                label=label or f"Page {page + 1}",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ob:pg:{name}:{arg}:{page}",
                disabled=disabled,
                row=4,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["name"], match["arg"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction[OptoutBot]) -> None:
        try:
            if not is_asker(interaction):
                await interaction.response.send_message(
                    say(interaction, "not_your_list"), ephemeral=True
                )
                return
            builder = BUILDERS.get(self.name)
            if builder is None:
                await interaction.response.send_message(
                    say(interaction, "list_gone"), ephemeral=True
                )
                return
            page, pages = await builder(interaction, self.arg, self.page)
            words = (say(interaction, "previous"), say(interaction, "next"))
            kwargs = paged_kwargs(self.name, self.arg, self.page, pages, page, words)
            if interaction.response.is_done():
                await interaction.edit_original_response(**kwargs)
            else:
                await interaction.response.edit_message(**kwargs)
        except Exception as error:
            await report_error(interaction, error)


def pager_view(
    name: str,
    arg: str,
    page: int,
    pages: int,
    extra: Sequence[discord.ui.Item] = (),
    words: tuple[str, str] = (UI_TEXTS["previous"], UI_TEXTS["next"]),
) -> discord.ui.View | None:
    """The page's own controls, then ◀ Previous and Next ▶ on the last row (the page number
    is in the page itself: a label button would repeat a custom_id)."""
    view = discord.ui.View(timeout=None)
    for item in extra:
        view.add_item(item)
    if pages > 1:
        previous, following = words
        view.add_item(PageButton(name, arg, max(0, page - 1), previous, page == 0))
        last = page >= pages - 1
        view.add_item(PageButton(name, arg, min(pages - 1, page + 1), following, last))
    return view if view.children else None


def paged_kwargs(
    name: str,
    arg: str,
    page: int,
    pages: int,
    content: Page,
    words: tuple[str, str] = (UI_TEXTS["previous"], UI_TEXTS["next"]),
    *,
    new: bool = False,
) -> dict[str, Any]:
    """Arguments for send_message (`new`) or edit_message that show `content` with its pager
    (`words`: Previous and Next in the reader's language).

    A one-page list has no pager: an edit removes the old one (view=None), a new message
    leaves `view` out (discord.py's send_message does not accept None)."""
    view = pager_view(name, arg, page, pages, content.extra, words)
    kwargs = {"content": content.content, "embed": content.embed, "view": view}
    if new and view is None:
        del kwargs["view"]
    return kwargs

"""Follow-up controls under an answer, built to survive restarts.

Every control is a `DynamicItem`: its state (entry id, platform, region, vote) lives in
its custom_id, so a click on a week-old message still works after the bot restarts.
custom_ids never hold anything about the user. Layout (one row each):

    0  platform buttons (how-to answers) | "which did you mean?" / suggestion buttons
    1  region menu
    2  related topics (short labels)
    3  Details, Helpful / Not helpful, Remove

Only the asker's click redraws the asker's message; anyone else gets the same content
privately. The asker is read from what Discord already tells (the slash command's
interaction metadata, or the question the answer replies to): nothing new is stored.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.answering.answer import Answer, Suggestion
from bot.answering.normalise import clean
from bot.discord_ui.embeds import Rendered, details_embed
from bot.discord_ui.errors import report_error
from bot.discord_ui.i18n import click_language, locale_language, say
from bot.knowledge.locales import LANGUAGES, UI_TEXTS
from bot.knowledge.schema import PLATFORM_IDS, REGION_IDS
from bot.outcome import Outcome
from bot.presentation.layout import fit
from bot.presentation.phone import has_details
from bot.services.records import stored_guild_id
from bot.store import FeedbackResult, make_voter_key

if TYPE_CHECKING:
    from bot.app import OptoutBot
    from bot.services import Services

log = logging.getLogger("bot.views")
FOR_PREFIX = "For "

CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 80
ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
PLATFORM = "|".join((*PLATFORM_IDS, "-"))  # "-" stands for "none chosen"
REGION = "|".join((*REGION_IDS, "-"))
# A control on an answer not in English carries its language (":de"), so a click from a
# client in another language keeps the answer's language; English ids are unchanged.
LANG = rf"(?::(?P<lang>{'|'.join(LANGUAGES)}))?"
PLATFORM_LABELS = {p: UI_TEXTS[f"platform_{p}"] for p in PLATFORM_IDS}
PLATFORM_EMOJI = {"desktop": "🖥️", "mobile": "📱", "ios": "📱", "android": "📱"}
MAX_TOPIC_BUTTONS = 5
MAX_RELATED_BUTTONS = 3  # fewer controls under a phone-first answer
MAX_SELECT_OPTIONS = 25


def _opt(value: str | None) -> str:
    return value or "-"


def _unopt(value: str) -> str | None:
    return None if value == "-" else value


def _lang_suffix(lang: str | None) -> str:
    return f":{lang}" if lang in LANGUAGES else ""


def services(interaction: discord.Interaction[OptoutBot]) -> Services:
    """The services of the OptoutBot behind an interaction (engine, answer log, store...)."""
    return interaction.client.services


def guild_id(interaction: discord.Interaction[OptoutBot]) -> int | None:
    return interaction.guild_id


class _Control:
    """Shared callback: route every failure to the one error handler."""

    async def callback(self, interaction: discord.Interaction[OptoutBot]) -> None:
        try:
            await self.handle(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def handle(self, interaction: discord.Interaction[OptoutBot]) -> None:
        raise NotImplementedError


NOT_YOURS_TO_REMOVE = UI_TEXTS["not_yours_to_remove"]


def asker_id(message: discord.Message | None) -> int | None:
    """Who asked the question this bot message answers, from what Discord sends with it:
    the slash command's interaction metadata, else the author of the message it replies to."""
    if message is None:
        return None
    metadata = getattr(message, "interaction_metadata", None)
    if metadata is not None and metadata.user is not None:
        return metadata.user.id
    reference = message.reference
    resolved = reference.resolved if reference is not None else None
    if isinstance(resolved, discord.Message):
        return resolved.author.id
    return None


def is_asker(interaction: discord.Interaction[OptoutBot]) -> bool:
    """True when this click may change the message: its asker clicked, or only the clicker
    can see it (an ephemeral message)."""
    message = interaction.message
    if message is not None and message.flags.ephemeral:
        return True
    return asker_id(message) == interaction.user.id


def kept_content(message: discord.Message | None) -> str | None:
    """A 'For @member' line above an answer survives redraws."""
    content = message.content if message is not None else ""
    return content if content.startswith(FOR_PREFIX) else None


async def _edit_to(interaction: discord.Interaction[OptoutBot], answer: Answer) -> None:
    """Redraw the asker's message as `answer`; anyone else sees it privately instead."""
    if is_asker(interaction):
        rendered = render(answer)
        kwargs = rendered.edit_kwargs() | {"content": kept_content(interaction.message)}
        await interaction.response.edit_message(**kwargs)
    else:
        rendered = render(answer, removable=False)
        await interaction.response.send_message(ephemeral=True, **rendered.send_kwargs())


async def _record_click(interaction: discord.Interaction[OptoutBot], answer: Answer) -> None:
    """Count an answer opened by a click: once per person, topic and message in a window."""
    message = str(interaction.message.id) if interaction.message else f"i{interaction.id}"
    await services(interaction).answer_log.answered(
        guild_id(interaction),
        answer,
        free_text=False,
        user_id=interaction.user.id,
        clicked_in=message,
    )


class PlatformButton(
    _Control,
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"ob:p:(?P<entry>{ID}):(?P<platform>{PLATFORM}):(?P<region>{REGION}){LANG}",
):
    """Show the same answer for another platform, keeping the region."""

    def __init__(
        self,
        entry: str,
        platform: str,
        region: str | None,
        current: bool = False,
        lang: str | None = None,
        label: str | None = None,
    ):
        self.entry, self.platform, self.region, self.lang = entry, platform, region, lang
        super().__init__(
            discord.ui.Button(
                label=label or PLATFORM_LABELS.get(platform, platform),
                emoji=PLATFORM_EMOJI.get(platform),
                style=discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary,
                disabled=current,
                custom_id=f"ob:p:{entry}:{platform}:{_opt(region)}{_lang_suffix(lang)}",
                row=0,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["entry"], match["platform"], _unopt(match["region"]), lang=match["lang"])

    async def handle(self, interaction: discord.Interaction[OptoutBot]) -> None:
        engine = services(interaction).engine
        lang = click_language(interaction, self.lang)
        answer = engine.answer_entry(
            self.entry, platform=self.platform, region=self.region, lang=lang, ui_lang=lang
        )
        await _edit_to(interaction, answer)


class RegionSelect(
    _Control,
    discord.ui.DynamicItem[discord.ui.Select],
    template=rf"ob:r:(?P<entry>{ID}):(?P<platform>{PLATFORM}){LANG}",
):
    """Pick where you are; the answer is redrawn with that region's note."""

    def __init__(
        self,
        entry: str,
        platform: str | None,
        region: str | None = None,
        names: dict[str, str] | None = None,
        lang: str | None = None,
        placeholder: str | None = None,
    ):
        self.entry, self.platform, self.lang = entry, platform, lang
        names = names or {}
        options = [
            discord.SelectOption(label=names.get(r, r.upper()), value=r, default=r == region)
            for r in REGION_IDS
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"ob:r:{entry}:{_opt(platform)}{_lang_suffix(lang)}",
                placeholder=placeholder or UI_TEXTS["region_placeholder"],
                options=options,
                min_values=1,
                max_values=1,
                row=1,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["entry"], _unopt(match["platform"]), lang=match["lang"])

    async def handle(self, interaction: discord.Interaction[OptoutBot]) -> None:
        values = self.item.values
        region = values[0] if values and values[0] in REGION_IDS else None
        engine = services(interaction).engine
        lang = click_language(interaction, self.lang)
        answer = engine.answer_entry(
            self.entry, platform=self.platform, region=region, lang=lang, ui_lang=lang
        )
        await _edit_to(interaction, answer)


class TopicButton(
    _Control,
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"ob:c:(?P<entry>{ID}):(?P<platform>{PLATFORM}):(?P<region>{REGION}){LANG}",
):
    """Open one topic in place: "which did you mean?", suggestions and related topics."""

    def __init__(
        self,
        entry: str,
        platform: str | None,
        region: str | None,
        label: str = UI_TEXTS["open"],
        row: int = 0,
        primary: bool = False,
        lang: str | None = None,
    ):
        self.entry, self.platform, self.region, self.lang = entry, platform, region, lang
        super().__init__(
            discord.ui.Button(
                label=fit(label, LABEL_LIMIT),
                style=discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary,
                custom_id=f"ob:c:{entry}:{_opt(platform)}:{_opt(region)}{_lang_suffix(lang)}",
                row=row,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        platform, region = _unopt(match["platform"]), _unopt(match["region"])
        return cls(match["entry"], platform, region, lang=match["lang"])

    async def handle(self, interaction: discord.Interaction[OptoutBot]) -> None:
        bot = services(interaction)
        lang = click_language(interaction, self.lang)
        answer = bot.engine.answer_entry(
            self.entry, platform=self.platform, region=self.region, lang=lang, ui_lang=lang
        )
        await _edit_to(interaction, answer)
        await _record_click(interaction, answer)


class TopicSelect(
    _Control,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"ob:t",
):
    """The /topics menu: the chosen topic is answered privately to whoever picked it."""

    def __init__(self, topics: list[Suggestion] | None = None, words: dict[str, str] | None = None):
        words = words or {}
        options = [
            discord.SelectOption(label=fit(t.title, 100), value=t.id)
            for t in (topics or [])[:MAX_SELECT_OPTIONS]
        ] or [discord.SelectOption(label=words.get("no_topics", UI_TEXTS["no_topics"]), value="-")]
        placeholder = words.get("topic_placeholder", UI_TEXTS["topic_placeholder"])
        super().__init__(
            discord.ui.Select(custom_id="ob:t", placeholder=placeholder, options=options)
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls()

    async def handle(self, interaction: discord.Interaction[OptoutBot]) -> None:
        bot = services(interaction)
        values = self.item.values
        lang = locale_language(interaction)
        answer = bot.engine.answer_entry(values[0] if values else "", lang=lang, ui_lang=lang)
        rendered = render(answer, removable=False)
        await interaction.response.send_message(ephemeral=True, **rendered.send_kwargs())
        await _record_click(interaction, answer)


class DetailsButton(
    _Control,
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"ob:d:(?P<entry>{ID}):(?P<platform>{PLATFORM}):(?P<region>{REGION}){LANG}",
):
    """What it covers and does not, doubts and sources: privately, to whoever clicked."""

    def __init__(
        self,
        entry: str,
        platform: str | None,
        region: str | None,
        lang: str | None = None,
        label: str = UI_TEXTS["details"],
    ):
        self.entry, self.platform, self.region, self.lang = entry, platform, region, lang
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="📄",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ob:d:{entry}:{_opt(platform)}:{_opt(region)}{_lang_suffix(lang)}",
                row=3,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        platform, region = _unopt(match["platform"]), _unopt(match["region"])
        return cls(match["entry"], platform, region, lang=match["lang"])

    async def handle(self, interaction: discord.Interaction[OptoutBot]) -> None:
        engine = services(interaction).engine
        lang = click_language(interaction, self.lang)
        answer = engine.answer_entry(
            self.entry, platform=self.platform, region=self.region, lang=lang
        )
        await interaction.response.send_message(embed=details_embed(answer), ephemeral=True)


class RemoveButton(
    _Control,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ob:x:answer",
):
    """The asker (or a moderator who may manage messages) removes the bot's answer."""

    def __init__(self, row: int = 3):
        super().__init__(
            discord.ui.Button(
                emoji="🗑️", style=discord.ButtonStyle.secondary, custom_id="ob:x:answer", row=row
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls()

    async def handle(self, interaction: discord.Interaction[OptoutBot]) -> None:
        message = interaction.message
        moderator = interaction.permissions.manage_messages and interaction.guild_id is not None
        if message is None or not (is_asker(interaction) or moderator):
            await interaction.response.send_message(
                say(interaction, "not_yours_to_remove"), ephemeral=True
            )
            return
        await interaction.response.defer()
        await message.delete()


FEEDBACK_KEYS = {
    (FeedbackResult.NEW, True): "feedback_new_yes",
    (FeedbackResult.NEW, False): "feedback_new_no",
    (FeedbackResult.CHANGED, True): "feedback_changed_yes",
    (FeedbackResult.CHANGED, False): "feedback_changed_no",
    (FeedbackResult.SAME, True): "feedback_same_yes",
    (FeedbackResult.SAME, False): "feedback_same_no",
}
FEEDBACK_REPLIES = {vote: UI_TEXTS[key] for vote, key in FEEDBACK_KEYS.items()}
STORE_DOWN_REPLY = UI_TEXTS["feedback_not_saved"]


class FeedbackButton(
    _Control,
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"ob:f:(?P<entry>{ID}):(?P<vote>[yn])",
):
    """Helpful / Not helpful: counted once per person per answer, voter kept anonymous."""

    def __init__(self, entry: str, helpful: bool, label: str | None = None):
        self.entry, self.helpful = entry, helpful
        super().__init__(
            discord.ui.Button(
                label=label or UI_TEXTS["helpful" if helpful else "not_helpful"],
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ob:f:{entry}:{'y' if helpful else 'n'}",
                row=3,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["entry"], match["vote"] == "y")

    async def handle(self, interaction: discord.Interaction[OptoutBot]) -> None:
        guard = services(interaction).store_guard
        answer_key = str(interaction.message.id) if interaction.message else str(interaction.id)
        result = await guard.safely(self._vote(guard.store, interaction, answer_key), None)
        text = say(interaction, FEEDBACK_KEYS.get((result, self.helpful), "feedback_not_saved"))
        await interaction.response.send_message(text, ephemeral=True)

    async def _vote(self, store, interaction: discord.Interaction[OptoutBot], answer_key: str):
        voter = make_voter_key(await store.salt(), interaction.user.id, answer_key)
        gid = stored_guild_id(guild_id(interaction))
        question = None if self.helpful else disliked_question(interaction.message)
        kept = {"question": question} if question else {}  # the plain call when none
        return await store.record_feedback(gid, answer_key, voter, self.entry, self.helpful, **kept)


def disliked_question(message: discord.Message | None) -> str | None:
    """The question a 👎'd answer replied to, normalised like a gap's text (never who asked).

    Only answers to messages carry their question (Discord sends the replied-to message with
    the click); a slash command's options are not sent back, and its topic is already kept."""
    reference = message.reference if message is not None else None
    resolved = reference.resolved if reference is not None else None
    if not isinstance(resolved, discord.Message):
        return None
    return clean(resolved.content) or None


CONTROLS: tuple[type[discord.ui.DynamicItem], ...] = (
    PlatformButton,
    RegionSelect,
    TopicButton,
    TopicSelect,
    FeedbackButton,
    DetailsButton,
    RemoveButton,
)


def build_view(answer: Answer, *, removable: bool = True) -> discord.ui.View | None:
    """The controls that make sense under this answer (None when there are none).

    Everything they show travels in `answer.controls`, resolved when it was answered; a
    language other than English is carried in each control's custom_id so a click keeps it."""
    controls = answer.controls
    lang = controls.lang
    words = dict(controls.words)
    labels = dict(controls.topic_labels)

    def word(key: str) -> str:
        return words.get(key) or UI_TEXTS[key]

    def label(topic: Suggestion) -> str:
        return labels.get(topic.id, topic.title)

    view = discord.ui.View(timeout=None)
    items: list[discord.ui.Item] = []
    platform, region = answer.platform, answer.region
    if answer.outcome == Outcome.ANSWER and answer.entry_id:
        entry_id = answer.entry_id
        if controls.platform_buttons:
            items += [
                PlatformButton(
                    entry_id,
                    p,
                    region,
                    current=p == platform,
                    lang=lang,
                    label=word(f"platform_{p}"),
                )
                for p in PLATFORM_IDS
            ]
        if controls.region_menu:
            names = dict(controls.region_names)
            placeholder = word("region_placeholder")
            items.append(RegionSelect(entry_id, platform, region, names, lang, placeholder))
        items += [
            TopicButton(s.id, platform, region, label=label(s), row=2, lang=lang)
            for s in answer.suggestions[:MAX_RELATED_BUTTONS]
        ]
        if has_details(answer):
            items.append(DetailsButton(entry_id, platform, region, lang, word("details")))
        items += [
            FeedbackButton(entry_id, True, word("helpful")),
            FeedbackButton(entry_id, False, word("not_helpful")),
        ]
        if removable:
            items.append(RemoveButton())
    else:
        picks = answer.choices or answer.suggestions
        items += [
            TopicButton(
                s.id,
                platform,
                region,
                label=label(s),
                primary=True,
                lang=lang,
            )
            for s in picks[:MAX_TOPIC_BUTTONS]
        ]
        if removable:
            items.append(RemoveButton(row=1))
    for item in items:
        if len(item.item.custom_id or "") <= CUSTOM_ID_LIMIT:
            view.add_item(item)
        else:
            log.warning("control %r skipped: custom_id over 100 characters", item.item.custom_id)
    return view if view.children else None


def render(answer: Answer, *, removable: bool = True, note: str | None = None) -> Rendered:
    """An answer with its controls, ready to send (`removable` False for private ones).
    Needs no knowledge base: the answer carries what its controls show."""
    return Rendered(answer, build_view(answer, removable=removable), note)


def topics_view(topics: list[Suggestion], words: dict[str, str] | None = None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if topics:
        view.add_item(TopicSelect(topics, words))
    return view


__all__ = ["CONTROLS", "build_view", "render", "topics_view"]

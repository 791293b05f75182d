"""The bot's own words (buttons, menus, short notes, errors, slash-command help) per language.

Why a separate section from `translation:`: these are not knowledge but the controls
around it, and Discord shows them in the member's client language. English lives here
in code (the defaults); `knowledge/locales/<lang>.yaml` gives the other languages, so a
moderator fixes a German button or command description without touching Python. Each
file is checked with file:line like the rest of the knowledge: an unknown key, a
placeholder that differs from the English (`{seconds}`), or a text over Discord's limits
is an error; a missing key only means the English is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.knowledge import fields as F
from bot.knowledge.problems import Problem
from bot.knowledge.safe_yaml import YMap
from bot.knowledge.translations import LANGUAGES as TRANSLATED

LANGUAGES: tuple[str, ...] = tuple(TRANSLATED)  # the same five languages as the answers
BUTTON_LIMIT = 80  # Discord: a button label or select option
COMMAND_TEXT_LIMIT = 100  # Discord: a command, option or choice description/name
MESSAGE_TEXT_LIMIT = 1000

# key -> English. Keys ending in a limit class below are checked against it.
UI_TEXTS: dict[str, str] = {
    "platform_desktop": "Web",
    "platform_mobile": "App",
    "platform_ios": "iPhone / iPad",
    "platform_android": "Android",
    "region_placeholder": "Where is your LinkedIn profile based? Pick a region",
    "details": "Details",
    "helpful": "Helpful",
    "not_helpful": "Not helpful",
    "open": "Open",
    "topic_placeholder": "Open a topic",
    "no_topics": "(no topics)",
    "previous": "◀ Previous",
    "next": "Next ▶",
    "not_yours_to_remove": "Only the person who asked (or a moderator) can remove this answer.",
    "not_your_list": "Only the person who ran the command can turn its pages.",
    "list_gone": "That list is gone.",
    "feedback_new_yes": "Thanks! Glad it helped.",
    "feedback_new_no": (
        "Thanks for telling me — the moderators see which answers need work. "
        "Try `/topics`, or ask again in other words with `/ask`."
    ),
    "feedback_changed_yes": "Changed your vote to **helpful**.",
    "feedback_changed_no": "Changed your vote to **not helpful**.",
    "feedback_same_yes": "You already said this answer helped — it counts once.",
    "feedback_same_no": "You already said this answer didn't help — it counts once.",
    "feedback_not_saved": "Thanks! I couldn't save your vote right now, but I appreciate it.",
    "ask_busy": "⏳ One question at a time, please — ask again in {seconds} s.",
    "busy": "⏳ One at a time, please — ask me again in {seconds} s.",
    "soon": "⏳ Got it — I'll answer this in {seconds} s.",
    "repeat": "I answered this here a few minutes ago: {link}",
    "ask_choice": "Ask: {question}",
    "topics_title": "What I can answer",
    "topics_intro": "Ask with /ask, mention me, or pick one below.",
    "sources_title": "Where my answers come from",
    "sources_intro": "Every answer lists its own sources and check date.",
    "sources_footer": "Page {page} of {pages} · {count} sources",
    "and_more": "… and {count} more",
    "greeting_title": "Hi! Ask me about LinkedIn's AI-training setting",
    "greeting_body": (
        "I explain how to stop LinkedIn using your data to train its generative AI, "
        "with steps for the web and the app and what applies where you live. "
        "Ask me a question — for example *how do I opt out on my iPhone?* — "
        "or use `/optout`, `/ask` or `/topics`."
    ),
    "cant_read": (
        "I can't read that message. Right-click it (or long-press on a phone) and choose "
        "**Apps → Answer with optout-bot**, or ask me in your own words."
    ),
    "menu_empty": "That message has no text I could answer.",
    "menu_done": "Answered.",
    "menu_cant_post": "I can't post in this channel.",
    "error_generic": "Sorry, something went wrong on my side. Please try again in a moment.",
    "error_cooldown": "Slow down a little — try again in {seconds} s.",
    "error_bot_permissions": "I need these permissions here: {missing}. Please ask a moderator.",
    "error_no_permission": "You don't have permission to use that here.",
    "error_server_only": "That only works in a server.",
    "error_check_failed": "You can't use that here.",
    "error_bad_option": "I couldn't understand one of the options. Please pick from the list.",
    # /setup replies (moderators)
    "setup_not_moderator": (
        "Only this server's moderators can change its settings (Manage Server, or the "
        "moderator role set with `/setup moderator-role`)."
    ),
    "setup_needs_manage_server": "Changing the moderator role needs the Manage Server permission.",
    "setup_no_storage": (
        "Settings cannot be saved right now (storage unavailable). Try again later."
    ),
    "setup_title": "**Settings for this server**",
    "setup_channels": "Answer channels: {channels}",
    "setup_auto": "Auto-answers in those channels: {state}",
    "setup_on": "on",
    "setup_off": "off",
    "setup_none": "none",
    "setup_role": "Moderator role: {role} (people with Manage Server are always moderators)",
    "setup_log": "Log channel: {channel}",
    "setup_region": "Default region: {region}",
    "setup_language": "Answer language when a question does not show one: {language}",
    "setup_no_intent": (
        "⚠️ The bot runs without the Message Content intent, so in answer channels it "
        "only answers when mentioned."
    ),
    "setup_channel_added": "✅ I'll answer questions in {channel}.",
    "setup_missing_here": "⚠️ I'm missing these permissions there: {missing}.",
    "setup_not_answer_channel": "{channel} is not an answer channel.",
    "setup_removed": "Removed {channel}.",
    "setup_pick_role": "Pick a role people are given, not @everyone or a bot's.",
    "setup_role_note": (
        "Role holders can use these commands once a server admin allows the role under "
        "Server Settings → Integrations (Discord hides them otherwise)."
    ),
    "setup_role_cleared": "Moderator role cleared.",
    "setup_cant_post": "⚠️ I can't post in {channel}: missing {missing}.",
}
BUTTON_KEYS = frozenset(
    {
        "platform_desktop",
        "platform_mobile",
        "platform_ios",
        "platform_android",
        "details",
        "helpful",
        "not_helpful",
        "open",
        "no_topics",
        "previous",
        "next",
    }
)
SELECT_PLACEHOLDER_KEYS = frozenset({"region_placeholder", "topic_placeholder"})  # 150 max

# The English descriptions, option descriptions and choice names of the member and /setup
# slash commands (tests keep this list equal to the command tree). A locale file maps
# each English text to its translation under `commands:`.
COMMAND_TEXTS: frozenset[str] = frozenset(
    {
        # /optout, /ask, /topics, /sources
        "How to stop LinkedIn using your data to train its AI",
        "Where you use LinkedIn: web, app, iPhone/iPad or Android",
        "Where your LinkedIn profile is based (changes what applies to you)",
        "Only you see the answer (default: everyone in the channel)",
        "Someone to answer for: they are named above the answer, without a ping",
        "Ask anything about LinkedIn's AI-training setting",
        "Your question, e.g. 'does it cover my private messages?'",
        "List everything this bot can answer",
        "List the sources behind the answers",
        "Desktop (web browser)",
        "Mobile app (any phone)",
        "iPhone or iPad app",
        "Android app",
        "United States",
        "EU / EEA",
        "United Kingdom",
        "Switzerland",
        "Canada",
        "Hong Kong",
        "Somewhere else",
        # /setup
        "Choose where and how the bot answers in this server",
        "Channels where the bot answers questions",
        "Show this server's settings",
        "Answer questions in this channel",
        "A text or forum channel",
        "Stop answering questions in this channel",
        "A channel the bot answers in",
        "Who else may use /setup and /kb gaps",
        "Members with this role count as moderators; leave empty to clear",
        "Where the bot tells moderators about problems",
        "A channel moderators read; leave empty to clear",
        "The region assumed when a question names none",
        "Where most members of this server live",
        "No default (ask or guess)",
        "Answer questions in answer channels unasked",
        "On: answer questions there; off: only when mentioned",
        "Answer language for free-text questions whose language is unclear",
        "The language most members of this server write in",
        "English",
        "French",
        "German",
        "Dutch",
        "Spanish",
        "Italian",
    }
)

LOCALE_FIELDS = {
    "language": F.Field("id", True),
    "ui": F.Field("notes"),
    "commands": F.Field("any"),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class Locale:
    """One language's words for the bot's controls; anything missing is shown in English."""

    language: str
    ui: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    commands: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))


def ui_text(locales: Any, lang: str | None, key: str, **values: Any) -> str:
    """The text for `key` in `lang` (English when the locale lacks it), filled in."""
    locale = locales.get(lang) if lang in LANGUAGES and isinstance(locales, Mapping) else None
    text = (locale.ui.get(key) if isinstance(locale, Locale) else None) or UI_TEXTS[key]
    return text.format(**values) if values else text


def build_locales(items: list[tuple[YMap, str]], problems: list[Problem]) -> dict[str, Locale]:
    """Validate every `locale:` section and keep the valid ones."""
    found: dict[str, Locale] = {}
    for value, label in items:
        if not F.check_fields(value, LOCALE_FIELDS, "locale", label, problems):
            continue
        lang = value["language"]
        if lang not in LANGUAGES:
            line = F.line_of(value, "language")
            problems.append(
                Problem(
                    label, line, f"language must be one of {', '.join(LANGUAGES)} (not {lang!r})"
                )
            )
            continue
        if lang in found:
            problems.append(Problem(label, value.line, f"a second '{lang}' locale"))
            continue
        before = len(problems)
        ui = _ui(value.get("ui"), label, problems)
        commands = _commands(value.get("commands"), label, problems)
        if any(p.severity == "error" for p in problems[before:]):
            continue
        missing = [k for k in UI_TEXTS if k not in ui]
        if missing:
            problems.append(
                Problem(
                    label,
                    F.line_of(value, "ui") if "ui" in value else value.line,
                    f"{len(missing)} UI text(s) not translated, shown in English: "
                    + ", ".join(missing[:5])
                    + (" …" if len(missing) > 5 else ""),
                    "warning",
                )
            )
        found[lang] = Locale(lang, MappingProxyType(ui), MappingProxyType(commands))
    return found


def _ui(raw: Any, label: str, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(raw, YMap):
        return {}
    out: dict[str, str] = {}
    for key, text in raw.items():
        line = F.line_of(raw, key)
        if key not in UI_TEXTS:
            hint = F.did_you_mean(key, list(UI_TEXTS))
            problems.append(Problem(label, line, f"'{key}' is not a UI text{hint}"))
            continue
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            problems.append(Problem(label, line, f"'{key}' must be non-empty text"))
            continue
        wanted = set(_PLACEHOLDER.findall(UI_TEXTS[key]))
        if set(_PLACEHOLDER.findall(text)) != wanted or _stray_braces(text):
            names = ", ".join(f"{{{n}}}" for n in sorted(wanted)) or "none"
            message = f"'{key}' must use the same placeholders as the English: {names}"
            problems.append(Problem(label, line, message))
            continue
        limit = _limit(key)
        if len(text) > limit:
            problems.append(Problem(label, line, f"'{key}' is over {limit} characters"))
            continue
        out[key] = text
    return out


def _commands(raw: Any, label: str, problems: list[Problem]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, YMap):
        problems.append(
            Problem(label, getattr(raw, "line", 0), "'commands' must map English text: translation")
        )
        return {}
    out: dict[str, str] = {}
    for english, text in raw.items():
        line = F.line_of(raw, english)
        if english not in COMMAND_TEXTS:
            hint = F.did_you_mean(english, sorted(COMMAND_TEXTS))
            problems.append(
                Problem(
                    label,
                    line,
                    f"'{english}' is not (or no longer) a command's English text{hint}; ignored",
                    "warning",
                )
            )
            continue
        text = text.strip() if isinstance(text, str) else ""
        if not text or len(text) > COMMAND_TEXT_LIMIT:
            problems.append(
                Problem(label, line, f"the translation of '{english}' must be 1-100 characters")
            )
            continue
        out[english] = text
    return out


def _stray_braces(text: str) -> bool:
    """A lone { or } would break str.format when the text is shown."""
    return _PLACEHOLDER.sub("", text).count("{") + _PLACEHOLDER.sub("", text).count("}") > 0


def _limit(key: str) -> int:
    if key in BUTTON_KEYS:
        return BUTTON_LIMIT
    if key in SELECT_PLACEHOLDER_KEYS:
        return 150
    if key == "ask_choice":
        return 60  # the typed question fills the rest of a 100-character choice
    return MESSAGE_TEXT_LIMIT


__all__ = ["COMMAND_TEXTS", "LANGUAGES", "UI_TEXTS", "Locale", "build_locales", "ui_text"]

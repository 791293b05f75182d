"""The words of the bot's own layout (field names, notes), in the answer's language.

English is here; the other languages come from the `ui:` block of each translation file
(knowledge/translations/<lang>.yaml) and travel inside the Answer, so rendering needs
nothing but the Answer.
"""

from __future__ import annotations

from bot.answering.answer import Answer

UI_DEFAULTS: dict[str, str] = {
    "where_you_are": "Where you are: {region}",
    "regions": "Regions",
    "covers": "What this covers",
    "does_not_cover": "What it does not cover",
    "does_not_stop": "What it does not stop",
    "not_certain": "Not certain",
    "sources": "Sources",
    "last_checked": "Last checked",
    "pick_one": "Pick one",
    "topics": "Topics I can help with",
    "details": "Details",
    "details_title": "Details: {title}",
    "app_steps": "App steps",
    "app_steps_hint": "**App steps:** tap 📱 **App** below.",
    "web_steps": "Web steps",
    "direct_link": "Direct link",
    "open_setting": "Open the setting",
    "in_english": "This topic is not translated into {language} yet, so here it is in English.",
    "not_covered": "Not something I can help with",
    "decline_title": "I don't know that one",
    "clarify_title": "Two topics fit your question",
    "too_long_title": "That's a long message",
    "labels_may_differ": "Menu labels may differ slightly.",
}


def label(answer: Answer, key: str, **values: str) -> str:
    """The layout word `key` in the answer's language (English when not translated)."""
    text = next((t for k, t in answer.labels if k == key), None) or UI_DEFAULTS[key]
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        return UI_DEFAULTS[key].format(**values)

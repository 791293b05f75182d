"""What an earlier answer was about, read back from its own buttons.

Why: a member who replies "what about android?" to one of the bot's answers means that
answer's topic. Its controls already carry the topic, platform and region in their
custom_ids (`ob:d:turn-off:ios:eu`, `ob:p:…`, `ob:r:…`), so nothing needs to be stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import discord

from bot.knowledge.schema import PLATFORM_IDS, REGION_IDS

_DETAILS = re.compile(r"ob:d:(?P<entry>[a-z0-9-]+):(?P<platform>[a-z-]+):(?P<region>[a-z-]+)")
_PLATFORM = re.compile(r"ob:p:(?P<entry>[a-z0-9-]+):(?P<platform>[a-z-]+):(?P<region>[a-z-]+)")
_REGION = re.compile(r"ob:r:(?P<entry>[a-z0-9-]+):(?P<platform>[a-z-]+)")
_FEEDBACK = re.compile(r"ob:f:(?P<entry>[a-z0-9-]+):[yn]")


@dataclass(frozen=True, slots=True)
class AnswerContext:
    entry: str
    platform: str | None
    region: str | None


def _value(text: str | None, allowed: tuple[str, ...]) -> str | None:
    return text if text in allowed else None


def custom_ids(message: discord.Message) -> Iterator[str]:
    for row in message.components:
        for child in getattr(row, "children", ()):
            if custom_id := getattr(child, "custom_id", None):
                yield custom_id


def answer_context(message: discord.Message | None) -> AnswerContext | None:
    """Topic, platform and region of a bot answer, or None for any other message."""
    if message is None:
        return None
    ids = list(custom_ids(message))
    for custom_id in ids:
        if m := _DETAILS.fullmatch(custom_id):
            return AnswerContext(
                m["entry"], _value(m["platform"], PLATFORM_IDS), _value(m["region"], REGION_IDS)
            )
    entry = platform = region = None
    for custom_id in ids:
        if m := _REGION.fullmatch(custom_id):
            entry, platform = m["entry"], _value(m["platform"], PLATFORM_IDS)
        elif m := _PLATFORM.fullmatch(custom_id):
            entry, region = m["entry"], _value(m["region"], REGION_IDS)
        elif (m := _FEEDBACK.fullmatch(custom_id)) and entry is None:
            entry = m["entry"]
    return AnswerContext(entry, platform, region) if entry else None

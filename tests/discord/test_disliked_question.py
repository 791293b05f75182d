"""A 👎 keeps the question its answer replied to, normalised like a gap (issue 12)."""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import create_autospec

import discord

from bot.discord_ui.views import disliked_question


def answer_replying_to(content: str | None) -> discord.Message:
    answer = create_autospec(discord.Message, instance=True)
    if content is None:
        answer.reference = None
        return answer
    question = create_autospec(discord.Message, instance=True)
    question.content = content
    answer.reference = SimpleNamespace(resolved=question)
    return answer


def test_the_replied_to_question_is_cleaned_like_a_gap() -> None:
    message = answer_replying_to("<@123456789012345678> How do I opt out on the WEB?! https://x.y")
    assert disliked_question(message) == "how do i opt out on the web"


def test_no_question_without_a_replied_to_message() -> None:
    assert disliked_question(None) is None
    assert disliked_question(answer_replying_to(None)) is None  # a slash command's answer
    assert disliked_question(answer_replying_to("<@1> !!")) is None  # nothing left to keep

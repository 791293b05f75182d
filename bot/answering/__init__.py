"""Answering core: normalise a question, find its slots, match it, compose an Answer.

Nothing here imports discord; every front end renders the same Answer.
"""

from bot.answering.answer import Answer, Outcome, StepGroup, Suggestion
from bot.answering.engine import Engine

__all__ = ["Answer", "Engine", "Outcome", "StepGroup", "Suggestion"]

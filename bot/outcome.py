"""What the bot did with a question, in one word everywhere: the engine's Answer, the answer
log and its gaps, the store (its CHECK constraints hold these values), the reports, the
metrics' labels and `optout-bot ask --json` (whose "outcome" values are a promise).

Below the core and the store: imports nothing, so both can use it and the store stays free of
the core. A gap (a question worth a moderator's look) keeps the outcome too: DECLINE and
CLARIFY as they are, ANSWER when the bot answered but was unsure (its confidence is stored).
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    ANSWER = "answer"  # an answer from the knowledge
    CLARIFY = "clarify"  # the bot asked which of two topics was meant
    DECLINE = "decline"  # the bot did not know, or the question was not about the setting


OUTCOMES: frozenset[str] = frozenset(o.value for o in Outcome)

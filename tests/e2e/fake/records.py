# ruff: noqa: ASYNC109 - the test-facing wait_* API takes explicit ``timeout`` arguments.
"""What the fake recorded (requests, gateway frames) and how tests wait for it.

Why: tests assert on what the bot did, and wait on the event itself rather than sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from tests.e2e.fake.protocol import (
    ANY_ID,
    FakeInteraction,
    Json,
    RecordedRequest,
)


class RecordsMixin:
    """Queries over recorded traffic and ``wait_for*``: re-checked on every request and frame."""

    # ------------------------------------------------------------------ inspection helpers

    def requests_matching(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests filtered by method and full-match path regex."""
        return [r for r in self.requests if r.matches(method, path)]

    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests no route handled (the bot called an endpoint the fake doesn't model)."""
        return [r for r in self.requests if r.route is None]

    def sent_messages(self, channel_id: str | None = None) -> list[Json]:
        """JSON bodies of successful ``POST /channels/{id}/messages`` by the bot, in order."""
        pattern = f"/channels/{channel_id or ANY_ID}/messages"
        return [
            r.json for r in self.requests_matching("POST", pattern) if r.status and r.status < 300
        ]

    def channel_messages(self, channel_id: str) -> list[Json]:
        """Stored messages (from anyone, incl. interaction responses) in a channel, oldest first."""
        return [m for m in self.messages.values() if m["channel_id"] == channel_id]

    def interaction_responses(self, interaction_id: str) -> list[Json]:
        """Callback bodies the bot POSTed for this interaction."""
        return list(self.interactions[interaction_id].responses)

    def webhook_requests(self, interaction: FakeInteraction | str) -> list[RecordedRequest]:
        """Followups/edits the bot made with an interaction's token."""
        token = interaction if isinstance(interaction, str) else interaction.token
        return [
            r
            for r in self.requests
            if r.path.startswith(f"/webhooks/{self.application_id}/{token}")
        ]

    def original_response(self, interaction: FakeInteraction | str) -> Json | None:
        """Current state of the interaction's original response message."""
        inter = self.interactions[interaction if isinstance(interaction, str) else interaction.id]
        return self.messages.get(inter.original_message_id or "")

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,
        *,
        poll: float = 0.02,
    ) -> Any:
        """Wait until ``predicate()`` is truthy; returns its value.

        Re-checked on every request/gateway frame and every ``poll`` seconds, so predicates
        over bot-side state (set after the bot processed a response) work too.
        """
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                async with self._activity:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._activity.wait(), poll)
            return result

    async def wait_for_request(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> RecordedRequest:
        """First finished request (index >= ``since``) matching ``predicate``.

        Requests recorded before the call count too, so there is no race with the bot.
        """

        def find() -> RecordedRequest | None:
            return next(
                (r for r in self.requests[since:] if r.status is not None and predicate(r)), None
            )

        return await self.wait_for(find, timeout)

    async def wait_for_message(
        self,
        channel_id: str | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> RecordedRequest:
        """Next successful ``POST /channels/{id}/messages``."""
        pattern = f"/channels/{channel_id or ANY_ID}/messages"
        return await self.wait_for_request(
            lambda r: r.matches("POST", pattern) and r.status == 200, timeout, since=since
        )

    async def wait_for_interaction_response(
        self,
        interaction: FakeInteraction | str,
        timeout: float = 5.0,
    ) -> Json:
        """The first callback body for the interaction."""
        inter = self.interactions[interaction if isinstance(interaction, str) else interaction.id]
        return await self.wait_for(lambda: inter.responses and inter.responses[0], timeout)

    def mark(self) -> int:
        """Index to pass as ``since=`` to only consider requests made from now on."""
        return len(self.requests)

"""Keep one member (or one busy server) from burying /kb gaps or inflating /kb stats.

Gaps: a question the bot could not answer is kept for moderators at most
``GAPS_PER_USER_HOUR`` times per person and ``GAPS_PER_SERVER_HOUR`` times per server in
each hour; beyond that it is still answered and counted, just not kept as a gap. Clicks:
opening the same topic again from the same message (a suggestion, a related topic, the
/topics menu) counts once per voter key, topic and window, so a hundred clicks are one.

No user id is kept: people are told apart by ``make_voter_key`` (HMAC-SHA256) under a random
salt that lives only in this process's memory, and every key is forgotten when its hour or
window ends.
"""

from __future__ import annotations

import os
import time
from collections import Counter, OrderedDict
from collections.abc import Callable

from bot.store import make_voter_key

GAPS_PER_USER_HOUR = 10
GAPS_PER_SERVER_HOUR = 120
HOUR = 3600.0
CLICK_WINDOW = HOUR
MAX_CLICKS_KEPT = 200_000  # memory bound under a flood; the oldest are forgotten first
DM = 0  # direct messages are recorded as server 0; that is no server, so no server cap


class RecordLimits:
    """In-memory counters deciding what is worth recording; never touches the store."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        gaps_per_user: int = GAPS_PER_USER_HOUR,
        gaps_per_server: int = GAPS_PER_SERVER_HOUR,
        click_window: float = CLICK_WINDOW,
    ) -> None:
        self._clock = clock
        self._salt = os.urandom(32)
        self.gaps_per_user = gaps_per_user
        self.gaps_per_server = gaps_per_server
        self.click_window = click_window
        self._hour: int | None = None
        self._user_gaps: Counter[bytes] = Counter()
        self._server_gaps: Counter[int] = Counter()
        self._clicks: OrderedDict[bytes, float] = OrderedDict()  # key -> when it expires
        self.gaps_dropped = 0

    def allow_gap(self, guild_id: int, user_id: int | None) -> bool:
        """Whether this unanswered question may still be kept this hour (and count it)."""
        hour = int(self._clock() // HOUR)
        if hour != self._hour:
            self._hour = hour
            self._user_gaps.clear()
            self._server_gaps.clear()
        user = None if user_id is None else make_voter_key(self._salt, user_id, "gaps")
        if (user is not None and self._user_gaps[user] >= self.gaps_per_user) or (
            guild_id != DM and self._server_gaps[guild_id] >= self.gaps_per_server
        ):
            self.gaps_dropped += 1
            return False
        if user is not None:
            self._user_gaps[user] += 1
        if guild_id != DM:
            self._server_gaps[guild_id] += 1
        return True

    def first_click(self, user_id: int, answer_key: str, entry_id: str | None) -> bool:
        """True the first time this person opens this topic from this message in the window."""
        now = self._clock()
        while self._clicks and next(iter(self._clicks.values())) <= now:
            self._clicks.popitem(last=False)  # insertion order is expiry order
        key = make_voter_key(self._salt, user_id, f"{answer_key}:{entry_id or '-'}")
        if key in self._clicks:
            return False
        self._clicks[key] = now + self.click_window
        if len(self._clicks) > MAX_CLICKS_KEPT:
            self._clicks.popitem(last=False)
        return True

"""Remember recent answers per channel so the bot points back instead of repeating itself.

In memory and bounded: a busy server must not grow it without limit, and after a
restart repeating an answer once is harmless.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

DEFAULT_CAPACITY = 4096


class RecentAnswers:
    """(channel, answer key) -> jump link of the earlier answer, for `window` seconds."""

    def __init__(
        self,
        window: float,
        capacity: int = DEFAULT_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self.capacity = capacity
        self.clock = clock
        self._seen: OrderedDict[tuple[int, Hashable], tuple[float, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def earlier(self, channel_id: int, key: Hashable) -> str | None:
        """The jump link of the same answer in this channel within the window, if any."""
        hit = self._seen.get((channel_id, key))
        if hit is None:
            return None
        at, link = hit
        if self.clock() - at > self.window:
            del self._seen[(channel_id, key)]
            return None
        return link

    def remember(self, channel_id: int, key: Hashable, link: str) -> None:
        self._seen[(channel_id, key)] = (self.clock(), link)
        self._seen.move_to_end((channel_id, key))
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)

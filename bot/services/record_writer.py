"""Answer records written in batches: what arrives while one write runs goes into the next.

Every answer, command and click is recorded for the moderators' statistics. One transaction
each meant thousands queued behind one database connection in a burst, until they passed
the store timeout and were lost. Here the first record starts a write at once (no added
delay when quiet) and everything submitted meanwhile is written together next.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from bot.store import AnswerRecord, GapRecord

log = logging.getLogger("bot.records")

BATCH_MAX = 1_000  # submissions per transaction at most
QUEUE_MAX = 20_000  # submissions waiting at most; beyond that (a dead store) the oldest go

Write = Callable[[list[AnswerRecord], list[GapRecord]], Awaitable[bool]]
_Item = tuple[Sequence[AnswerRecord], Sequence[GapRecord], "asyncio.Future[bool]"]


class RecordWriter:
    """Queues records and writes them with ``write(answers, gaps) -> saved?``, one batch at
    a time; each submission's future tells whether its batch was saved."""

    def __init__(self, write: Write) -> None:
        self._write = write
        self._queue: deque[_Item] = deque()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0  # submissions given up because the queue was full

    def submit(
        self, answers: Sequence[AnswerRecord], gaps: Sequence[GapRecord] = ()
    ) -> asyncio.Future[bool]:
        loop = asyncio.get_running_loop()
        saved: asyncio.Future[bool] = loop.create_future()
        self._queue.append((answers, gaps, saved))
        while len(self._queue) > QUEUE_MAX:
            *_, oldest = self._queue.popleft()
            oldest.set_result(False)
            if not self.dropped:
                log.warning("storage is far behind: dropping the oldest answer records")
            self.dropped += 1
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run(), name="answer-records")
        return saved

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def flush(self) -> None:
        """Until everything submitted so far has been written (or given up)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(BATCH_MAX, len(self._queue)))]
            answers = [a for item in batch for a in item[0]]
            gaps = [g for item in batch for g in item[1]]
            try:
                saved = await self._write(answers, gaps)
            except Exception:  # a bug in one write must not stall the records after it
                log.exception("writing %d answer records failed", len(answers))
                saved = False
            for *_, future in batch:
                if not future.done():
                    future.set_result(saved)

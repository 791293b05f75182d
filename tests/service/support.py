"""Helpers for tests that run `optout-bot run` in its own process against the fake."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

import aiohttp

from tests.testkit import eventually


def free_port() -> int:
    """A loopback port nobody listens on (free when this returns)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Output:
    """Reads a process's stderr as it comes (a full pipe would stall the bot)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read(proc))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            self.lines.append(line.decode("utf-8", "replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    async def wait_for(self, found: Callable[[str], bool], seconds: float = 20.0) -> str:
        async with asyncio.timeout(seconds):
            while True:
                for line in self.lines:
                    if found(line):
                        return line
                if self._task.done():
                    raise AssertionError("process ended first:\n" + self.text[-3000:])
                self._changed.clear()
                await self._changed.wait()

    async def finished(self) -> str:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._task, 10)
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


async def get(url: str) -> tuple[int | None, dict | str | None]:
    """(status, JSON body or text), or (None, None) when nothing listens."""
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        return None, None


async def wait_healthy(url: str, proc: asyncio.subprocess.Process, seconds: float = 20.0):
    async def healthy() -> tuple | None:
        status, body = await get(url)
        if status == 200:
            return (body,)
        if proc.returncode is not None:
            raise AssertionError(f"bot exited with {proc.returncode}")
        return None

    found = await eventually(healthy, seconds=seconds, interval=0.1)
    if found is None:
        raise TimeoutError(f"{url} not healthy after {seconds} s")
    return found[0]

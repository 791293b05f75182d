"""Helpers shared by the e2e, faults, maintenance, service and store tests.

Why: waiting is where tests go flaky or slow. A test waits on the event itself (the fake's
``wait_for``, an ``asyncio.Event``) or, when the event lives in another task, process or
database, polls it here with one deadline rule. Sleeping is kept only where time passing is
the behaviour under test, and then it says so: ``nothing_within`` ("nothing happens in N s",
failing as soon as it does) and ``hold_for`` (a state must last N s).
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.01


async def _value(probe: Callable[[], T | Awaitable[T]]) -> T:
    value = probe()
    if inspect.isawaitable(value):
        return await value
    return value  # type: ignore[return-value]


async def eventually(
    probe: Callable[[], T | Awaitable[T]],
    until: Callable[[T], Any] = bool,
    *,
    seconds: float = 5.0,
    interval: float = POLL_SECONDS,
) -> T:
    """Poll ``probe()`` (sync or async) until ``until(value)`` holds; return that value.

    At the deadline the last value is returned, not an error raised, so the caller's own
    assertion fails and shows what was there. For state another task, process or database
    makes true, where there is no event to wait on.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = await _value(probe)
        if until(value) or loop.time() >= deadline:
            return value
        await asyncio.sleep(interval)


async def wait_until(
    condition: Callable[[], Any | Awaitable[Any]],
    *,
    seconds: float = 5.0,
    interval: float = POLL_SECONDS,
) -> Any:
    """Poll ``condition()`` until it is truthy and return it; ``TimeoutError`` at the deadline.

    For waits with no assertion after them: the timeout is the failure.
    """
    value = await eventually(condition, seconds=seconds, interval=interval)
    if not value:
        raise TimeoutError(f"not true within {seconds} s")
    return value


async def nothing_within(
    seconds: float,
    happened: Callable[[], Any] | None = None,
    *,
    interval: float = POLL_SECONDS,
) -> None:
    """Let ``seconds`` pass in which the bot could (wrongly) act; fail early if it did.

    The wait is the behaviour under test ("stays silent", "answers only once"), so it is
    never shortened; ``happened()`` turning truthy fails at once instead of after it.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        if happened is not None and (what := happened()):
            raise AssertionError(f"happened within {seconds} s: {what!r}")
        await asyncio.sleep(min(interval, left) if happened is not None else left)
    if happened is not None and (what := happened()):
        raise AssertionError(f"happened within {seconds} s: {what!r}")


async def hold_for(seconds: float) -> None:
    """Keep the current state (a lock held, a watcher running) for ``seconds``.

    Why a name: this sleep is the behaviour under test, not a wait for something to happen.
    """
    await asyncio.sleep(seconds)


def component_ids(body: dict) -> list[str]:
    """The custom ids of a message's components, row by row."""
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


def patch_endpoints_from_env(name: str) -> bool:
    """In a bot started as a child process, point discord.py at the fake Discord whose URL
    is in the environment variable ``name`` (what ``patch_discord_endpoints`` does in-process).

    Refuses anything but 127.0.0.1, with a message on stderr: tests never touch the real
    Discord. Returns whether the endpoints were patched.
    """
    import os
    import sys

    import discord
    import yarl

    url = yarl.URL(os.environ[name])
    if url.host != "127.0.0.1":
        print(f"{name} must be a 127.0.0.1 address", file=sys.stderr)
        return False
    discord.http.Route.BASE = str(url / "api" / "v10")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = url.with_scheme("ws").with_path("/")
    return True


PERSONAL_DATA = re.compile(r"user|author|member|person|account|name|nick|discriminator|email")


def assert_no_personal_columns(columns: dict[str, list[str]]) -> None:
    """Privacy: no column of any table may be named like something identifying a person."""
    for table, names in columns.items():
        for name in names:
            assert not PERSONAL_DATA.search(name.lower()), (
                f"{table}.{name} looks like personal data"
            )

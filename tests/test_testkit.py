"""The shared waiting helpers must be able to fail, or the tests using them prove nothing."""

from __future__ import annotations

import asyncio

import pytest

from tests.testkit import component_ids, eventually, nothing_within, wait_until


async def test_nothing_within_fails_as_soon_as_something_happens() -> None:
    happened: list[str] = []
    asyncio.get_running_loop().call_later(0.02, happened.append, "reply")
    with pytest.raises(AssertionError, match="reply"):
        await nothing_within(5.0, lambda: happened)


async def test_nothing_within_passes_when_nothing_happens() -> None:
    await nothing_within(0.03, lambda: [])
    await nothing_within(0.01)


async def test_eventually_returns_the_value_once_it_holds() -> None:
    calls: list[int] = []

    async def probe() -> int:
        calls.append(1)
        return len(calls)

    assert await eventually(probe, lambda n: n >= 3) == 3


async def test_eventually_returns_the_last_value_at_the_deadline() -> None:
    assert await eventually(lambda: 0, seconds=0.03) == 0


async def test_wait_until_raises_at_the_deadline() -> None:
    assert await wait_until(lambda: "yes") == "yes"
    with pytest.raises(TimeoutError):
        await wait_until(lambda: None, seconds=0.03)


def test_component_ids_row_by_row() -> None:
    body = {"components": [{"components": [{"custom_id": "a"}, {"custom_id": "b"}]}]}
    assert component_ids(body) == ["a", "b"]
    assert component_ids({}) == []

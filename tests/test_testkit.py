"""The shared waiting helpers must be able to fail, or the tests using them prove nothing."""

from __future__ import annotations

import asyncio

import pytest

from tests.testkit import (
    assert_no_personal_columns,
    component_ids,
    eventually,
    nothing_within,
    patch_endpoints_from_env,
    wait_until,
)


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


def test_a_child_is_never_pointed_at_a_remote_discord(monkeypatch, capsys) -> None:
    import discord

    monkeypatch.setenv("OPTOUT_TEST_FAKE_DISCORD", "http://discord.example:80")
    before = discord.http.Route.BASE
    assert patch_endpoints_from_env("OPTOUT_TEST_FAKE_DISCORD") is False
    assert before == discord.http.Route.BASE
    assert "must be a 127.0.0.1 address" in capsys.readouterr().err


def test_personal_columns_are_caught() -> None:
    assert_no_personal_columns({"gaps": ["guild_id", "text"]})
    with pytest.raises(AssertionError, match=r"feedback\.user_id"):
        assert_no_personal_columns({"feedback": ["user_id"]})

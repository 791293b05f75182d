"""Issue 14.10: a bucket map that reserves slots and forgets expired keys once a second."""

from __future__ import annotations

from bot.discord_ui.cooldowns import Cooldowns


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_per_period_then_a_reserved_slot_then_refusal():
    clock = Clock()
    cool = Cooldowns(1, 10.0, clock=clock)
    assert cool.take("a", max_wait=10) == 0.0
    assert cool.wait("a") == 10.0
    assert cool.take("a", max_wait=10) == 10.0  # answered later, not dropped
    assert cool.take("a", max_wait=10) is None  # 20 s away: refused, nothing reserved
    assert cool.take("b") == 0.0  # other keys are independent
    clock.now += 20
    assert cool.take("a") == 0.0


def test_relaxed_bucket_allows_a_burst():
    clock = Clock()
    cool = Cooldowns(3, 9.0, clock=clock)
    assert [cool.take("dm") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert cool.take("dm") is None
    clock.now += 3
    assert cool.take("dm") == 0.0


def test_expired_keys_are_swept_at_most_once_a_second():
    clock = Clock()
    cool = Cooldowns(1, 0.5, clock=clock)
    for n in range(1000):
        cool.take(n)
    assert len(cool) == 1000
    clock.now += 0.6
    cool.take("x")  # less than a second since the last sweep: nothing scanned yet
    assert len(cool) == 1001
    clock.now += 0.5
    cool.take("y")
    assert len(cool) == 1  # only "y" is still cooling down


def test_zero_seconds_means_no_cooldown():
    cool = Cooldowns(1, 0.0)
    assert all(cool.take("a") == 0.0 for _ in range(5)) and len(cool) == 0

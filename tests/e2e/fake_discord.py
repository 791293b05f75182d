"""Compatibility name for the fake Discord, now the package ``tests.e2e.fake``.

Why: tests, benchmarks and the load harness import ``tests.e2e.fake_discord``; the split into
gateway, REST routes, world state and faults should not change a single import.
"""

from tests.e2e.fake import (
    BOT_TOKEN,
    EPHEMERAL,
    DefaultWorld,
    DiscordError,
    FakeDiscord,
    FakeInteraction,
    Perm,
    RecordedRequest,
    make_test_bot,
    patch_discord_endpoints,
    running_bot,
    skip_identify_delay,
)

__all__ = [
    "BOT_TOKEN",
    "EPHEMERAL",
    "DefaultWorld",
    "DiscordError",
    "FakeDiscord",
    "FakeInteraction",
    "Perm",
    "RecordedRequest",
    "make_test_bot",
    "patch_discord_endpoints",
    "running_bot",
    "skip_identify_delay",
]

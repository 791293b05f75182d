"""A local fake of Discord's REST API and gateway for end-to-end tests.

Why: the bot must be tested end to end (gateway events in, REST calls out) without ever
touching the real Discord. ``FakeDiscord`` serves both halves on 127.0.0.1, keeps a small
model of guilds/channels/users/messages/interactions, records every request and every
gateway frame, and lets tests inject events and faults.

Only what discord.py 2.7 needs for a ``commands.Bot`` with app commands, components,
replies, DMs and interaction responses is modelled; anything else gets a Discord-shaped
404 and is recorded so the test can see what the bot attempted.

Layout: ``server`` (the composed ``FakeDiscord``), ``world``, ``messages``, ``rest``,
``interaction_routes``, ``gateway``, ``events``, ``faults``, ``records``, ``protocol``
(shared vocabulary) and ``client`` (discord.py side: patching, running a bot).
"""

from tests.e2e.fake.client import (
    make_test_bot,
    patch_discord_endpoints,
    running_bot,
    skip_identify_delay,
)
from tests.e2e.fake.protocol import (
    BOT_TOKEN,
    EPHEMERAL,
    DiscordError,
    FakeInteraction,
    Perm,
    RecordedRequest,
)
from tests.e2e.fake.server import FakeDiscord
from tests.e2e.fake.world import DefaultWorld

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

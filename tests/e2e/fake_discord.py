"""Compatibility name for the fake Discord, now the package ``tests.e2e.fake``.

Why: tests, benchmarks and the load harness import ``tests.e2e.fake_discord``; the split into
gateway, REST routes, world state and faults should not change a single import.
"""

from tests.e2e.fake import *  # noqa: F403 - the package's public names, listed once there
from tests.e2e.fake import __all__  # noqa: F401

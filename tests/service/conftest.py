"""Service tests: the e2e fake Discord fixtures."""

from __future__ import annotations

from tests.e2e.conftest import fake_discord, run_bot, world  # noqa: F401 - shared fixtures

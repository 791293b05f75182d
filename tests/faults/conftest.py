"""Fault tests: the e2e fake Discord fixtures plus a small world and bot builder."""

from __future__ import annotations

from tests.e2e.conftest import fake_discord, run_bot, world  # noqa: F401 - shared fixtures

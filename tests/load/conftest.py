"""Load tests: deselected from the default ``pytest`` (pyproject's addopts), run by .ci/run in
their own step with ``pytest -m load tests/load``."""

from __future__ import annotations

from tests.e2e.conftest import fake_discord, run_bot, world  # noqa: F401 - shared fixtures

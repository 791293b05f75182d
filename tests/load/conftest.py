"""Load tests: register the ``load`` marker (the tests still run in the default ``pytest``)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import fake_discord, run_bot, world  # noqa: F401 - shared fixtures


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "load: large bursts through the fake Discord (slow; deselect with -m 'not load')"
    )

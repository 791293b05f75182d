"""Run `optout-bot <command>` exactly as installed, against a fake Discord (tests only).

Usage: ``OPTOUT_TEST_FAKE_DISCORD=http://127.0.0.1:PORT python -m tests.service.cli_process
run`` with the bot's settings in the environment. Unlike tests.faults.bot_process, which
builds the bot itself, this goes through ``bot.cli.main``: settings validation, logging
set-up, the health server, the start-up retry and the exit codes are the production ones.
Refuses anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from bot import cli
from tests.testkit import patch_endpoints_from_env

ENV = "OPTOUT_TEST_FAKE_DISCORD"
ROOT = Path(__file__).resolve().parents[2]
BASE_ENV = {
    "KNOWLEDGE_DIR": str(ROOT / "tests" / "fixtures" / "kb_min"),
    "WATCH_KNOWLEDGE": "false",
    "PYTHONPATH": str(ROOT),
}


async def spawn_cli(
    fake_url: str, settings: Mapping[str, str], *args: str, cwd: Path
) -> asyncio.subprocess.Process:
    """Start `optout-bot run` (or ``args``) in its own process, stdout and stderr piped.

    ``cwd`` should be a test's own folder: the bot reads the nearest .env upward from it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LOG_"))}
    env.update({**BASE_ENV, **settings, ENV: fake_url})
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.service.cli_process", *(args or ("run",)),
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def main() -> int:
    if not patch_endpoints_from_env(ENV):
        return 2
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())

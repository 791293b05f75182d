"""Run the real bot in its own process against a fake Discord (tests only).

Usage: ``OPTOUT_TEST_FAKE_DISCORD=http://127.0.0.1:PORT python -m tests.faults.bot_process``
plus the bot's usual settings in the environment (DISCORD_TOKEN, DATABASE_PATH, ...).
OPTOUT_TEST_FAKE_DISCORD exists only for the tests: it points discord.py's REST base and
gateway at that loopback address, then ``bot.app._run`` runs exactly as in production, with
its own SIGINT/SIGTERM handling. Refuses anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from bot.app import _run, create_bot
from bot.config import Settings
from tests.testkit import patch_endpoints_from_env

ENV = "OPTOUT_TEST_FAKE_DISCORD"
ROOT = Path(__file__).resolve().parents[2]
#: Settings every test bot process gets: the small fixture knowledge, no file watcher.
BASE_ENV = {
    "KNOWLEDGE_DIR": str(ROOT / "tests" / "fixtures" / "kb_min"),
    "MESSAGE_CONTENT": "true",
    "WATCH_KNOWLEDGE": "false",
}
#: Cooldowns and the repeat window off, so every question gets its own answer.
NO_COOLDOWNS = {
    "USER_COOLDOWN_SECONDS": "0",
    "CHANNEL_COOLDOWN_SECONDS": "0",
    "REPEAT_WINDOW_SECONDS": "0",
}


async def spawn(
    fake_url: str,
    token: str,
    settings: Mapping[str, str],
    *,
    stderr: int | IO[bytes] = asyncio.subprocess.PIPE,
) -> asyncio.subprocess.Process:
    """Start this module as a bot process against the fake at ``fake_url``.

    Output goes to pipes by default; give ``stderr`` a file when the bot may log more than
    a pipe buffer holds before anyone reads it (a full pipe would stall the bot). Standard
    output then goes to the same file.
    """
    env = {
        **os.environ,
        **BASE_ENV,
        **settings,
        ENV: fake_url,
        "DISCORD_TOKEN": token,
        "PYTHONPATH": str(ROOT),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.faults.bot_process",
        cwd=ROOT, env=env, stderr=stderr,
        stdout=asyncio.subprocess.PIPE if stderr == asyncio.subprocess.PIPE else stderr,
    )  # fmt: skip


async def terminate(proc: asyncio.subprocess.Process, grace: float = 10.0) -> int:
    """SIGTERM and wait (``grace`` s, then SIGKILL); returns the exit code."""
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    return proc.returncode  # type: ignore[return-value]


def main() -> int:
    if not patch_endpoints_from_env(ENV):
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    settings = Settings.from_env(dotenv=None)
    bot = create_bot(settings, guild_ready_timeout=0.05)

    async def no_delay(shard_id, *, initial=False) -> None:
        return None

    bot.before_identify_hook = no_delay  # type: ignore[method-assign]
    asyncio.run(_run(bot, settings.discord_token or ""))
    print("optout-bot stopped cleanly", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

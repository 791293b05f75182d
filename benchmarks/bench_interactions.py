"""Interactions per second and ack latency: this bot beside a minimal discord.py bot.

`python benchmarks/bench_interactions.py` (about 30 s). Both bots run, one after the other
and alternating over rounds, against the same local fake Discord on 127.0.0.1 in this one
process: the project's bot (shipped knowledge, in-memory store, cooldowns off) answering
`/optout` for each platform, and a minimal discord.py bot whose `/optout` replies with one
small fixed embed. Each round sends slash commands, 8 unanswered at a time (--inflight;
0 sends them all at once, which mostly measures how each bot copes with hundreds of
connections) and measures, from the fake's side, when each interaction callback
arrived: interactions/s (commands over the time from the first send to the last ack)
and ack latency p50/p99. It prints both rows and the ratio project/minimal. Bounded:
--commands N per round, --rounds R.

Both bots share the loop with the fake, so the figures compare the bots' own cost per
interaction (rendering, controls, recording) on equal terms; they are not production rates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import discord
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.fake_discord import (
    FakeDiscord,
    make_test_bot,
    patch_discord_endpoints,
    running_bot,
)
from tests.load.harness import build_bot, burst_settings, engine_for, new_store

PLATFORMS = ("desktop", "mobile", "ios", "android", None)
SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"


def minimal_bot(guild_id: int) -> discord.Client:
    """The smallest useful discord.py bot: one slash command, one small fixed embed."""
    bot = make_test_bot(intents=discord.Intents.default())
    embed = discord.Embed(
        title="Turn off AI training",
        description="Settings & Privacy → Data privacy → Data for Generative AI Improvement → Off",
    )

    @bot.tree.command(name="optout", description="How to opt out")
    @app_commands.describe(platform="Where you use LinkedIn")
    async def optout(interaction: discord.Interaction, platform: str | None = None) -> None:
        await interaction.response.send_message(embed=embed)

    async def setup_hook() -> None:
        bot.tree.copy_global_to(guild=discord.Object(guild_id))
        await bot.tree.sync(guild=discord.Object(guild_id))

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


def project_bot(guild_id: int) -> discord.Client:
    return build_bot(burst_settings(dev_guild_id=guild_id), engine_for(SHIPPED), new_store())


async def send_one(fake: FakeDiscord, world, n: int, sent: dict[str, float]) -> None:
    platform = PLATFORMS[n % len(PLATFORMS)]
    options = {"platform": platform} if platform else {}
    user = world.user if n % 2 else world.other
    inter = await fake.send_slash_command(
        "optout", options, user=user, channel_id=world.channel["id"]
    )
    sent[inter.id] = time.monotonic()


def collect(fake: FakeDiscord, mark: int, sent, acked, sizes) -> int:
    """Note every new interaction callback since `mark`; returns the new mark."""
    end = len(fake.requests)
    for request in fake.requests[mark:end]:
        if request.method == "POST" and request.path.endswith("/callback"):
            inter_id = request.path.split("/")[2]
            if inter_id in sent and inter_id not in acked:
                acked[inter_id] = request.time
                sizes.append(len(json.dumps(request.json, ensure_ascii=False)))
    return end


async def burst(fake: FakeDiscord, world, count: int, inflight: int = 0) -> dict[str, float]:
    """`count` /optout commands, all at once (inflight 0) or keeping `inflight` unanswered
    at a time (a closed loop: the bot's own cost per interaction, not a connection storm);
    when did each callback reach the fake?"""
    mark = len(fake.requests)
    sent: dict[str, float] = {}
    acked: dict[str, float] = {}
    sizes: list[int] = []
    started = time.monotonic()
    deadline = started + 60
    if not inflight:
        for n in range(count):
            await send_one(fake, world, n, sent)
    n = len(sent)
    while len(acked) < count and time.monotonic() < deadline:
        while inflight and n < count and len(sent) - len(acked) < inflight:
            await send_one(fake, world, n, sent)
            n += 1
        mark = collect(fake, mark, sent, acked, sizes)
        await asyncio.sleep(0.001 if inflight else 0.02)
    latencies = sorted((acked[i] - sent[i]) * 1000 for i in acked)
    finished = max(acked.values()) if acked else time.monotonic()
    return {
        "acked": len(acked),
        "per_second": len(acked) / max(1e-9, finished - started),
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "payload_bytes": statistics.median(sizes) if sizes else 0,
    }


async def measure(commands: int, rounds: int, inflight: int) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {"project": [], "minimal": []}
    async with FakeDiscord() as fake:
        with patch_discord_endpoints(fake):
            world = fake.seed_default_world()
            world.other = fake.make_user("bob")
            fake.add_member(world.guild["id"], world.other)
            guild_id = int(world.guild["id"])
            for _ in range(rounds):
                for name, make in (("project", project_bot), ("minimal", minimal_bot)):
                    async with running_bot(make(guild_id), fake, timeout=10):
                        await burst(fake, world, 20)  # warm-up: caches, connections
                        row = await burst(fake, world, commands, inflight)
                    results[name].append(row)
                    print(
                        f"  {name:<8} {row['acked']:>5.0f} acked, {row['per_second']:7.1f}/s, "
                        f"ack p50 {row['p50_ms']:7.1f} ms, p99 {row['p99_ms']:7.1f} ms, "
                        f"reply {row['payload_bytes']:.0f} bytes",
                        flush=True,
                    )
                    fake.requests.clear()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=500, help="commands per burst")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per bot")
    parser.add_argument(
        "--inflight", type=int, default=8, help="unanswered at a time (0: all at once)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    how = f"{args.inflight} at a time" if args.inflight else "all at once"
    print(f"{args.rounds} rounds of {args.commands} /optout, {how}, per bot:", flush=True)
    results = asyncio.run(measure(max(1, args.commands), max(1, args.rounds), args.inflight))

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print("\nmedian over rounds:")
    for name in ("project", "minimal"):
        print(
            f"  {name:<8} {median(name, 'per_second'):7.1f} interactions/s, "
            f"ack p50 {median(name, 'p50_ms'):.1f} ms, p99 {median(name, 'p99_ms'):.1f} ms"
        )
    ratio = median("project", "per_second") / median("minimal", "per_second")
    print(f"  ratio project/minimal: {ratio:.2f} of the minimal bot's rate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The real bot under load through the fake Discord: `python benchmarks/bench_discord_load.py`.

Runs on 127.0.0.1 only, bounded in events and time. A warm-up round, then measured rounds of
messages and slash commands across 50 channels at a fixed arrival rate (cooldowns off, so
every addressed message is answered), then one instant burst. Prints answers per second,
event-loop lag (p50/p99 from a 10 ms ticker on the bot's loop, target p99 <= 50 ms; the fake
runs on the same loop, so this is an upper bound), interaction ack latency, and memory
(RSS, and with --tracemalloc the traced Python heap) before, after warm-up and after each
round (target: flat after warm-up). Then the same instant burst against the production bot
in its own process (SQLite store, as `optout-bot run` starts it) and a fresh fake: the
fake's work is then not charged to the bot; prints the bot process's CPU seconds and RSS.
Figures, not assertions: tests/load/ asserts.

Options: --rounds N (3), --messages N (2000), --commands N (400), --rate R (300 events/s),
--instant M (messages in the final instant bursts, 0 to skip; commands are M/5),
--max-seconds S (300; checked between rounds), --tracemalloc.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.fake_discord import FakeDiscord, patch_discord_endpoints, running_bot
from tests.load.harness import (
    LagMeter,
    bot_in_own_process,
    build_bot,
    burst_settings,
    check_burst,
    drive,
    engine_for,
    forget_fake_history,
    new_store,
    plan_events,
    rss_bytes,
    seed_store,
    seed_world,
    wait_settled,
)

MB = 1024 * 1024


def memory(label: str, use_tracemalloc: bool) -> dict[str, float]:
    gc.collect()
    row = {"rss_mb": rss_bytes() / MB}
    if use_tracemalloc:
        row["traced_mb"] = tracemalloc.get_traced_memory()[0] / MB
    shown = ", ".join(f"{k} {v:.1f}" for k, v in row.items())
    print(f"  memory {label:<22} {shown}", flush=True)
    return row


async def one_round(fake, world, engine, *, messages, commands, rate, seed, limit, lag=True):
    """One round; ``lag=False`` when the bot is not on this loop (its own process)."""
    events = plan_events(fake, world, engine, messages=messages, commands=commands, seed=seed)
    mark = fake.mark()
    meter = LagMeter().start()
    await drive(fake, events, rate=rate)
    await wait_settled(fake, events, since=mark, timeout=limit)
    loop_lag = await meter.stop()
    report = check_burst(fake, events, since=mark)
    problems = report.problems()
    print(f"  {report.summary()}", flush=True)
    if lag:
        print(
            f"  loop lag p50 {loop_lag['p50_ms']:.1f} ms, p99 {loop_lag['p99_ms']:.1f} ms, "
            f"max {loop_lag['max_ms']:.0f} ms ({loop_lag['samples']} ticks)",
            flush=True,
        )
    for line in problems:
        print(f"  PROBLEM {line}", flush=True)
    forget_fake_history(fake)
    return report, loop_lag


def process_usage(pid: int) -> tuple[float, float]:
    """(CPU seconds, RSS in MB) of another process, from /proc (Linux)."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return cpu, int(stat[21]) * os.sysconf("SC_PAGE_SIZE") / MB


async def burst_in_own_process(messages: int) -> bool:
    """The instant burst against the production bot in its own process; True if all kept."""
    fake = FakeDiscord()
    await fake.start("127.0.0.1")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            world = seed_world(fake)
            engine = engine_for()
            async with bot_in_own_process(fake, world, Path(tmp)) as bot:
                cpu0, rss0 = process_usage(bot.proc.pid)
                report, _ = await one_round(
                    fake, world, engine, messages=messages, commands=messages // 5,
                    rate=None, seed=999, limit=120.0, lag=False,
                )  # fmt: skip
                cpu1, rss1 = process_usage(bot.proc.pid)
            print(
                f"  bot process: {cpu1 - cpu0:.1f} s CPU for the burst; RSS {rss0:.1f} -> "
                f"{rss1:.1f} MB; exit code {bot.exit_code}",
                flush=True,
            )
            return not report.problems() and bot.exit_code == 0
    finally:
        await fake.stop()


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.ERROR)
    if args.tracemalloc:
        tracemalloc.start()
    deadline = time.monotonic() + args.max_seconds
    fake = FakeDiscord()
    await fake.start("127.0.0.1")
    ok = True
    try:
        with patch_discord_endpoints(fake):
            world = seed_world(fake)
            engine = engine_for()
            store = new_store()
            await seed_store(store, world)
            bot = build_bot(burst_settings(), engine, store)
            async with running_bot(bot, fake, timeout=15.0):
                print(
                    f"optout-bot load: {len(world.channels)} channels in {len(world.guilds)} "
                    f"guilds, {args.rate:.0f} events/s",
                    flush=True,
                )
                memory("before", args.tracemalloc)
                warm = args.messages  # same size as a round: later rounds should not grow
                print(f"warm-up: {warm} messages + {warm // 5} commands", flush=True)
                await one_round(fake, world, engine, messages=warm, commands=warm // 5,
                                rate=args.rate, seed=1, limit=120.0)  # fmt: skip
                memory("after warm-up", args.tracemalloc)
                totals = {"answers": 0, "seconds": 0.0}
                lags: list[dict[str, float]] = []
                for n in range(args.rounds):
                    if time.monotonic() > deadline:
                        print("stopping: --max-seconds reached", flush=True)
                        break
                    print(f"round {n + 1}: {args.messages} messages + {args.commands} commands")
                    report, lag = await one_round(
                        fake, world, engine, messages=args.messages, commands=args.commands,
                        rate=args.rate, seed=100 + n, limit=120.0,
                    )  # fmt: skip
                    ok &= not report.problems()
                    totals["answers"] += report.replies + len(report.ack_latencies)
                    totals["seconds"] += report.duration
                    lags.append(lag)
                    memory(f"after round {n + 1}", args.tracemalloc)
                if args.instant and time.monotonic() < deadline:
                    print(f"instant burst: {args.instant} messages + {args.instant // 5} commands")
                    report, lag = await one_round(
                        fake, world, engine, messages=args.instant, commands=args.instant // 5,
                        rate=None, seed=999, limit=120.0,
                    )  # fmt: skip
                    lost = report.missing or report.answered_twice or report.unwanted
                    ok &= not lost
                    memory("after instant burst", args.tracemalloc)
                if lags:
                    worst = max(lag["p99_ms"] for lag in lags)
                    rate = totals["answers"] / max(totals["seconds"], 1e-9)
                    print(
                        f"summary: {rate:.0f} answers/s at the paced rate; worst round loop-lag "
                        f"p99 {worst:.1f} ms (target <= 50); see memory rows for flatness",
                        flush=True,
                    )
            await store.close()
    finally:
        await fake.stop()
    if args.instant and time.monotonic() < deadline:
        print(f"instant burst, bot in its own process: {args.instant} messages + "
              f"{args.instant // 5} commands", flush=True)  # fmt: skip
        ok &= await burst_in_own_process(args.instant)
    return 0 if ok else 1


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--commands", type=int, default=400)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--instant", type=int, default=5000)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args(argv)
    args.rounds = max(0, min(args.rounds, 20))
    args.messages = max(1, min(args.messages, 20_000))
    args.commands = max(0, min(args.commands, 5_000))
    args.instant = max(0, min(args.instant, 20_000))
    args.rate = max(1.0, min(args.rate, 5_000.0))
    return args


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse(sys.argv[1:]))))

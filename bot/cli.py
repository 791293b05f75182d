"""Command line: run | chat | ask | check | sync | invite.

With no command and no DISCORD_TOKEN the bot opens the terminal chat on the same
answering engine, so anyone can try it without a Discord application.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.answering.engine import Engine
from bot.config import Settings, SettingsError
from bot.knowledge.loader import LoadResult, load_knowledge
from bot.render_text import to_json_line, to_text

NO_TOKEN_HINT = (
    "No DISCORD_TOKEN is set, so this is the terminal chat on the same answering engine.\n"
    "To put the bot on Discord, set DISCORD_TOKEN (see .env.example and the README's\n"
    "'Run it on Discord' section), then run `optout-bot run`."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="optout-bot", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--knowledge",
        type=Path,
        help="knowledge folder (default: KNOWLEDGE_DIR or the bundled one)",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord (needs DISCORD_TOKEN)")
    sub.add_parser("chat", help="talk to the bot in the terminal")
    ask = sub.add_parser(
        "ask", help="answer questions given as arguments, or one per line on stdin"
    )
    ask.add_argument("question", nargs="*", help="the question (omit to read lines from stdin)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--platform", choices=["desktop", "mobile", "ios", "android"])
    ask.add_argument("--region", choices=["us", "eu", "uk", "ch", "ca", "hk", "other"])
    check = sub.add_parser("check", help="validate a knowledge folder (exit 0 valid, 1 problems)")
    check.add_argument("directory", nargs="?", type=Path)
    check.add_argument(
        "--stale-days", type=int, help="warn about entries not checked for this many days"
    )
    sub.add_parser("sync", help="register slash commands with Discord now")
    sub.add_parser("invite", help="print the URL that adds the bot to a server")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"optout-bot: {exc}", file=sys.stderr)
        return 2
    knowledge = args.knowledge or settings.knowledge_dir
    command = args.command or ("run" if settings.discord_token else "chat")
    if command == "check":
        return check(args.directory or knowledge, args.stale_days or settings.stale_days)
    if command in ("run", "sync", "invite"):
        from bot.app import run_command  # Discord is only imported when it is needed

        return run_command(command, settings)
    engine = _engine(knowledge, settings.stale_days)
    if engine is None:
        return 1
    if command == "ask":
        return ask(
            engine, args.question, as_json=args.json, platform=args.platform, region=args.region
        )
    if args.command is None:
        print(NO_TOKEN_HINT, file=sys.stderr)
    return chat(engine)


def _engine(knowledge: Path | None, stale_days: int) -> Engine | None:
    result = load_knowledge(knowledge, stale_days=stale_days)
    if result.kb is None:
        _print_problems(result, sys.stderr)
        return None
    return Engine(result.kb)


def _print_problems(result: LoadResult, out: TextIO) -> None:
    for problem in result.problems:
        print(problem, file=out)
    print(f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)", file=out)


def check(directory: Path | None, stale_days: int) -> int:
    result = load_knowledge(directory, stale_days=stale_days)
    if result.kb is None:
        _print_problems(result, sys.stdout)
        return 1
    for problem in result.warnings:
        print(problem)
    kb = result.kb
    examples = sum(len(e.examples) for e in kb.entries.values())
    print(
        f"knowledge OK: {len(kb.entries)} entries, {examples} example phrasings, "
        f"{len(kb.sources)} sources, {len(kb.regions)} regions, "
        f"{result.files} files, {len(result.warnings)} warning(s)"
    )
    return 0


def ask(
    engine: Engine,
    questions: list[str],
    *,
    as_json: bool,
    platform: str | None = None,
    region: str | None = None,
) -> int:
    lines = [" ".join(questions)] if questions else (line.rstrip("\n") for line in sys.stdin)
    first = True
    for line in lines:
        if not line.strip() and not questions:
            continue
        answer = engine.answer(line, platform=platform, region=region)
        if as_json:
            print(to_json_line(answer), flush=True)
        else:
            if not first:
                print("\n" + "-" * 60 + "\n")
            print(to_text(answer), flush=True)
        first = False
    return 0


def chat(engine: Engine, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """An interactive loop; a number picks a suggested topic, `quit` or Ctrl-D leaves."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    interactive = stdin.isatty()
    print(
        "Ask me about LinkedIn's 'Data for Generative AI Improvement' setting "
        "(e.g. 'how do I opt out on my iPhone'). Type 'topics' for a list, 'quit' to leave.",
        file=out,
    )
    options: list[str] = []
    last = None
    while True:
        if interactive:
            print("\nyou> ", end="", file=out, flush=True)
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            line = ""
        if not line:
            print("\nBye.", file=out)
            return 0
        text = line.strip()
        if not text:
            continue
        if text.lower() in {"quit", "exit", "/quit", "/exit"}:
            print("Bye.", file=out)
            return 0
        if text.lower() in {"topics", "/topics", "help", "/help"}:
            topics = engine.topics()
            options = [t.id for t in topics]
            print("\n".join(f"  [{n}] {t.title}" for n, t in enumerate(topics, 1)), file=out)
            continue
        if text.isdigit() and 1 <= int(text) <= len(options):
            platform = last.platform if last else None
            region = last.region if last else None
            last = engine.answer_entry(options[int(text) - 1], platform=platform, region=region)
        else:
            last = engine.answer(text)
        options = [
            s.id for s in (last.choices or (last.suggestions if last.outcome != "answer" else ()))
        ]
        print("\n" + to_text(last, numbered_suggestions=bool(options)), file=out, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())

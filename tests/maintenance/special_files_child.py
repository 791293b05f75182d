"""One knowledge-service operation on a folder holding a hostile file, in a child process.

Run by test_special_files.py: the child has a memory and a file-size limit, and the parent
a time limit, so a regression (a read of /dev/zero, a FIFO that blocks) fails the test
instead of exhausting the machine or hanging the suite. Prints one JSON line.

usage: special_files_child.py OP ROOT KIND NAME   (OP: check | reload | teach | watch;
KIND: fifo | zero-link)
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
from datetime import date
from pathlib import Path

MEMORY_LIMIT = 1536 * 1024 * 1024
FILE_SIZE_LIMIT = 64 * 1024 * 1024


def make_hostile(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


async def run(op: str, root: Path, kind: str, name: str) -> dict:
    from bot.services import KnowledgeService, TeachError
    from tests.kb_copy import engine_for

    engine = engine_for(root)
    version = engine.kb.version
    told: list = []

    async def on_problems(report) -> None:
        told.append(report)

    service = KnowledgeService(
        engine,
        root,
        stale_days=100_000,
        on_problems=on_problems,
        debounce_ms=100,
        poll_seconds=0.05,
        today=lambda: date(2026, 11, 20),
    )
    hostile = root / name
    out: dict = {}
    if op == "watch":
        task = asyncio.create_task(service.watch())
        await asyncio.sleep(0.5)  # let the OS watcher start
        make_hostile(hostile, kind)
        async with asyncio.timeout(20):
            while not told:  # noqa: ASYNC110 - the watcher is the thing under test
                await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        out["problems"] = [str(p) for p in told[0].errors]
    else:
        make_hostile(hostile, kind)
        if op == "teach":
            try:
                result, report = await service.teach(
                    "private-messages", "does linkedin read my dms", who="Mod"
                )
                out["added"] = result.phrasing
                out["problems"] = [str(p) for p in report.errors]
            except TeachError as exc:
                out["error"] = str(exc)
                out["problems"] = [str(p) for p in exc.problems]
        else:
            report = await (service.check() if op == "check" else service.reload("edit"))
            out["ok"] = report.ok
            out["problems"] = [str(p) for p in report.errors]
    out["still_answering_from"] = engine.kb.version == version
    out["told"] = len(told)
    return out


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    op, root, kind, name = sys.argv[1:5]
    print(json.dumps(asyncio.run(run(op, Path(root), kind, name))))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()

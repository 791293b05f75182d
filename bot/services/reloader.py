"""Live reload of the shared knowledge that never breaks answering.

Edits are validated off the event loop; only a folder that validates as a whole replaces the
snapshot the engine answers from (one assignment, see ``Engine.swap``), so every question is
answered from the old version or the new one, never a mix. Anything else (a typo, a deleted
or half-written file, a missing folder) is reported and the last good snapshot keeps answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from watchfiles import Change, awatch

from bot.answering import Engine
from bot.knowledge import LoadResult, load_knowledge
from bot.knowledge.loader import (
    DEFAULT_STALE_DAYS,
    is_knowledge_folder,
    is_knowledge_name,
    knowledge_files,
)
from bot.knowledge.problems import Problem
from bot.services.teach import TeachResult, add_example
from bot.services.validate import FOLDER_CHECKS

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.25  # wait this long when files change while being read, then read again
SETTLE_TRIES = 4
WATCH_TICK_MS = 500  # the watcher wakes this often when idle (cheap; lets stop/cancel act)
TEMP_SUFFIXES = ("~", ".tmp", ".swp", ".swx", ".swo", ".bak", ".part", ".crdownload")

Callback = Callable[["ReloadReport"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What one reload (or check) found and did; ``summary()`` is one line for people."""

    reason: str
    ok: bool  # the folder on disk validated
    applied: bool  # a new snapshot was swapped in (False when invalid or unchanged)
    version: str  # the version now answering
    previous_version: str
    disk_version: str | None = None  # version of the folder on disk, when valid
    entries: int = 0
    files: int = 0
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.ok:
            n = len(self.errors)
            return (
                f"Knowledge {self.reason}: rejected ({n} problem{'s' * (n != 1)}); "
                f"still answering from version {short(self.version)}."
            )
        if not self.applied:
            return (
                f"Knowledge {self.reason}: valid, unchanged (version {short(self.version)}, "
                f"{self.entries} entries)."
            )
        delta = "".join(
            [
                f", added {', '.join(self.added)}" if self.added else "",
                f", removed {', '.join(self.removed)}" if self.removed else "",
            ]
        )
        return (
            f"Knowledge {self.reason}: now answering from version {short(self.version)} "
            f"(was {short(self.previous_version)}; {self.entries} entries{delta})."
        )


def short(version: str | None) -> str:
    return (version or "?")[:8]


@dataclass
class _State:
    last_failure: tuple[Problem, ...] | None = None
    last_report: ReloadReport | None = None


class KnowledgeService:
    """Owns reloading, checking, teaching and watching for one engine and one folder."""

    def __init__(
        self,
        engine: Engine,
        knowledge_dir: str | os.PathLike[str],
        *,
        stale_days: int = DEFAULT_STALE_DAYS,
        on_problems: Callback | None = None,
        on_reloaded: Callback | None = None,
        debounce_ms: int = 700,
        poll_seconds: float = 2.0,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.engine = engine
        self.root = Path(os.path.abspath(knowledge_dir))
        self.stale_days = stale_days
        self.on_problems = on_problems
        self.on_reloaded = on_reloaded
        self.debounce_ms = debounce_ms
        self.poll_seconds = poll_seconds
        self._today = today
        self._lock = asyncio.Lock()  # one reload at a time
        self._write_lock = asyncio.Lock()  # one teach at a time
        self._state = _State()

    @property
    def last_report(self) -> ReloadReport | None:
        return self._state.last_report

    async def check(self) -> ReloadReport:
        """Validate the folder on disk without changing what the bot answers from."""
        return await self._run("check", apply=False)

    async def reload(self, reason: str = "reload") -> ReloadReport:
        """Validate and, when valid and different, swap the new snapshot in."""
        report = await self._run(reason, apply=True)
        await self._notify(report)
        return report

    async def teach(
        self, entry_id: str, phrasing: str, *, who: str, now: datetime | None = None
    ) -> tuple[TeachResult, ReloadReport]:
        """Add an example phrasing (raises TeachError) and make it live at once."""
        async with self._write_lock:
            result = await asyncio.to_thread(
                add_example,
                self.root,
                entry_id,
                phrasing,
                who=who,
                now=now,
                stale_days=self.stale_days,
            )
        # The teach notice itself goes to the maintainers; only a failure is reported here.
        report = await self._run(f"teach ({entry_id})", apply=True)
        if not report.ok:
            await self._notify(report)
        return result, report

    async def _run(self, reason: str, *, apply: bool) -> ReloadReport:
        async with self._lock:
            started = time.monotonic()
            old = self.engine.kb
            try:
                result = await asyncio.to_thread(
                    _load_settled, self.root, self.stale_days, self._today()
                )
            except Exception as exc:  # the loader reports, never raises; but never crash the bot
                log.exception("knowledge %s: loader crashed", reason)
                result = LoadResult(None, (Problem(str(self.root), 0, f"loader crashed: {exc!r}"),))
            new = result.kb
            applied = bool(apply and new is not None and new.version != old.version)
            if applied:
                # Index building happens in the thread; the swap itself is one assignment.
                await asyncio.to_thread(self.engine.swap, new)
            current = self.engine.kb
            report = ReloadReport(
                reason=reason,
                ok=result.ok,
                applied=applied,
                version=current.version,
                previous_version=old.version,
                disk_version=new.version if new else None,
                entries=len(current.entries),
                files=result.files,
                added=tuple(sorted(set(current.entries) - set(old.entries))),
                removed=tuple(sorted(set(old.entries) - set(current.entries))),
                errors=tuple(result.errors),
                warnings=tuple(result.warnings),
                seconds=round(time.monotonic() - started, 3),
            )
            if apply:
                self._state.last_report = report
        _log_report(report)
        return report

    async def _notify(self, report: ReloadReport) -> None:
        """Tell maintainers about a rejected edit once, and about the snapshot changing."""
        state = self._state
        if not report.ok:
            if report.errors == state.last_failure:
                return  # the same broken save again: already reported
            state.last_failure = report.errors
            await _call(self.on_problems, report)
        elif report.applied or state.last_failure is not None:
            state.last_failure = None
            await _call(self.on_reloaded, report)

    async def watch(self, stop: asyncio.Event | None = None) -> None:
        """Reload whenever a knowledge file changes; runs until cancelled (or ``stop`` is set).

        A missing folder is polled for and reloaded when it comes back; meanwhile the last
        good snapshot keeps answering.
        """
        stop = stop or asyncio.Event()
        missing = False
        catch_up: str | None = None  # reload on the new watcher's first tick, and why
        failed_at: tuple | None = None  # the files as they were when the last load failed
        while not stop.is_set():
            watched = await asyncio.to_thread(_folder_id, self.root)
            if watched is None:
                if not missing:
                    await self.reload("edit (folder missing)")
                    missing = True
                    catch_up = "folder is back"
                await _sleep_or_stop(stop, self.poll_seconds)
                continue
            missing = False
            try:
                async for changes in awatch(
                    self.root,
                    watch_filter=self.relevant,
                    debounce=self.debounce_ms,
                    rust_timeout=WATCH_TICK_MS,
                    yield_on_timeout=True,
                    stop_event=stop,
                    ignore_permission_denied=True,
                ):
                    # Reloading only once the watcher runs means files still being copied in
                    # arrive as changes afterwards instead of being missed.
                    if changes or catch_up:
                        what = describe(changes, self.root) if changes else catch_up
                        catch_up = None
                        failed_at = await self._reload_noting_files(f"edit ({what})")
                    elif failed_at is not None and await self._files_now() != failed_at:
                        # Files written before this watcher started (a folder copied in) raise
                        # no event: while the last load failed, reload once they change.
                        failed_at = await self._reload_noting_files("edit (files changed)")
                    now = await asyncio.to_thread(_folder_id, self.root)
                    if now != watched:  # deleted, or replaced by another folder (git, deploy)
                        catch_up = "folder replaced" if now else None
                        break
            except (OSError, RuntimeError) as exc:  # watcher failed (folder gone, inotify limit)
                log.warning("knowledge watcher stopped: %s; retrying", exc)
                await _sleep_or_stop(stop, self.poll_seconds)

    async def _files_now(self) -> tuple:
        return await asyncio.to_thread(_signature, self.root)

    async def _reload_noting_files(self, reason: str) -> tuple | None:
        """Reload; on failure return the files as they were *before* the attempt, so any
        change from then on (even one the load raced with) triggers another try."""
        before = await self._files_now()
        report = await self.reload(reason)
        return None if report.ok else before

    def relevant(self, change: Change, path: str) -> bool:
        """YAML files the loader would read, plus deletions; never backups or temp files."""
        p = Path(path)
        try:
            rel = p.relative_to(self.root)
        except ValueError:
            rel = Path(p.name)
        if p.name.startswith("#") or not all(is_knowledge_folder(d) for d in rel.parts[:-1]):
            return False
        if p.name.endswith(TEMP_SUFFIXES):
            return False
        return is_knowledge_name(p.name) or change == Change.deleted or p == self.root


def describe(changes: Iterable[tuple[Change, str]], root: Path) -> str:
    """'entries/topics.yaml modified' or '3 files changed'."""
    items = sorted({(c.name, path) for c, path in changes})
    if len(items) == 1:
        name, path = items[0]
        with contextlib.suppress(ValueError):
            path = str(Path(path).relative_to(root))
        return f"{path} {name}"
    return f"{len(items)} files changed"


def _folder_id(root: Path) -> tuple[int, int] | None:
    """Which folder is at ``root`` now (device, inode); None when there is none."""
    try:
        st = os.stat(root)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if os.path.isdir(root) else None


def _signature(root: Path) -> tuple:
    """Names, sizes and times of the YAML files: if these move during a load, read again."""
    found = []
    for path in knowledge_files(root):
        try:
            st = os.stat(path)
        except OSError:
            continue
        found.append((str(path.parent), path.name, st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


def _load_settled(root: Path, stale_days: int, today: date) -> LoadResult:
    """Load; if a file changed while it was being read (an editor mid-save), wait and retry."""
    result = None
    for _ in range(SETTLE_TRIES):
        before = _signature(root)
        result = load_knowledge(root, stale_days=stale_days, today=today, checks=FOLDER_CHECKS)
        if _signature(root) == before:
            return result
        time.sleep(SETTLE_SECONDS)
    return result


def _log_report(report: ReloadReport) -> None:
    if report.ok:
        level = logging.INFO if report.applied else logging.DEBUG
        log.log(level, "%s", report.summary())
        return
    log.warning("%s", report.summary())
    for problem in report.errors:
        log.warning("  %s", problem)


async def _call(callback: Callback | None, report: ReloadReport) -> None:
    if callback is None:
        return
    try:
        await callback(report)
    except Exception:  # a failing log post must never fail the reload
        log.exception("knowledge reload callback failed")


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)

"""Reloads swap whole snapshots: answers come from the old or the new version, never a mix."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from pathlib import Path

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.services import KnowledgeService
from bot.services import reloader as reloader_module
from tests.kb_copy import TOPICS, copy_kb, replace_in
from tests.maintenance.conftest import Calls
from tests.testkit import nothing_within, wait_until

OLD = "Switch off **Data for Generative AI Improvement**."
NEW = "Version two, switch it off."


def _versions(kb_dir: Path) -> tuple[str, str, bytes, bytes]:
    """Two valid contents of topics.yaml and their knowledge versions."""
    path = kb_dir / TOPICS
    old_bytes = path.read_bytes()
    new_bytes = old_bytes.replace(OLD.encode(), NEW.encode())
    old_v = load_knowledge(kb_dir).kb.version
    path.write_bytes(new_bytes)
    new_v = load_knowledge(kb_dir).kb.version
    path.write_bytes(old_bytes)
    return old_v, new_v, old_bytes, new_bytes


async def test_unchanged_reload_does_not_swap(engine: Engine, service: KnowledgeService) -> None:
    kb = engine.kb
    report = await service.reload("manual")
    assert report.ok and not report.applied
    assert engine.kb is kb
    assert "unchanged" in report.summary()


async def test_check_validates_without_swapping(
    kb_dir: Path, engine: Engine, service: KnowledgeService
) -> None:
    kb = engine.kb
    replace_in(kb_dir / TOPICS, OLD, NEW)
    report = await service.check()
    assert report.ok and not report.applied
    assert report.disk_version != report.version == kb.version
    assert engine.kb is kb
    assert (await service.reload()).applied
    assert engine.answer("how do i opt out").body == NEW


async def test_questions_during_reloads_never_mix_versions(
    kb_dir: Path, tmp_path: Path, engine: Engine, service: KnowledgeService
) -> None:
    old_v, new_v, old_bytes, new_bytes = _versions(kb_dir)
    expected = {old_v: OLD, new_v: NEW}
    seen: list[tuple[str, str]] = []
    stop = threading.Event()

    def ask_in_thread() -> None:
        while not stop.is_set():
            a = engine.answer("how do i turn off ai training")
            seen.append((a.kb_version, a.body))
            time.sleep(0.001)  # leave the GIL to the reloads now and then

    async def ask_on_loop() -> None:
        while not stop.is_set():
            a = engine.answer("opt out on my phone")
            seen.append((a.kb_version, a.body))
            await asyncio.sleep(0.001)

    thread = threading.Thread(target=ask_in_thread)
    thread.start()
    asker = asyncio.create_task(ask_on_loop())
    try:
        for i in range(8):
            (kb_dir / TOPICS).write_bytes(new_bytes if i % 2 == 0 else old_bytes)
            report = await service.reload("edit")
            assert report.applied
    finally:
        stop.set()
        thread.join()
        await asker
    assert {v for v, _ in seen} == {old_v, new_v}
    for version, body in seen:
        assert body == expected[version]


async def test_reloads_are_serialised(
    kb_dir: Path, engine: Engine, service: KnowledgeService, monkeypatch
) -> None:
    active = 0
    peak = 0
    real = reloader_module._load_settled

    def slow_load(*args):
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        try:
            threading.Event().wait(0.02)
            return real(*args)
        finally:
            active -= 1

    monkeypatch.setattr(reloader_module, "_load_settled", slow_load)
    reports = await asyncio.gather(*(service.reload(f"r{i}") for i in range(5)))
    assert peak == 1
    assert all(r.ok for r in reports)


async def test_file_changing_during_load_is_read_again(
    kb_dir: Path, engine: Engine, service: KnowledgeService, monkeypatch
) -> None:
    """An editor still writing: the first read sees a truncated file; the settle check retries."""
    path = kb_dir / TOPICS
    full = path.read_bytes().replace(OLD.encode(), NEW.encode())
    cut = full[: full.index(b"  - id: private-messages")]  # valid but missing 3 entries
    path.write_bytes(cut)
    real = reloader_module.load_knowledge
    loads = []

    def load_while_writing(*args, **kwargs):
        result = real(*args, **kwargs)
        if not loads:
            path.write_bytes(full)  # the rest of the save lands while we were reading
        loads.append(result)
        return result

    monkeypatch.setattr(reloader_module, "load_knowledge", load_while_writing)
    monkeypatch.setattr(reloader_module, "SETTLE_SECONDS", 0.01)
    report = await service.reload("edit")
    assert len(loads) == 2
    assert report.applied and report.removed == ()
    assert engine.answer("how do i opt out").body == NEW


async def test_loader_crash_is_a_failure_not_an_exception(
    engine: Engine, service: KnowledgeService, calls: Calls, monkeypatch
) -> None:
    def boom(*args, **kwargs):
        raise MemoryError("simulated")

    kb = engine.kb
    monkeypatch.setattr(reloader_module, "load_knowledge", boom)
    report = await service.reload("edit")
    assert not report.ok and engine.kb is kb
    assert "loader crashed" in report.errors[0].message
    assert len(calls.problems) == 1


async def test_failing_callback_does_not_fail_reload(engine: Engine, kb_dir: Path) -> None:
    async def broken(report) -> None:
        raise RuntimeError("log channel gone")

    service = KnowledgeService(engine, kb_dir, on_problems=broken, stale_days=100_000)
    (kb_dir / TOPICS).write_text("entries: [", encoding="utf-8")
    report = await service.reload("edit")
    assert not report.ok


async def let_the_watcher_start() -> None:
    """The OS watcher raises no event when it is ready, so files written at once after
    ``watch()`` starts could go unseen; no check follows this sleep."""
    await asyncio.sleep(0.3)


async def test_watch_reloads_on_edit_ignores_backups_and_temp_files(
    kb_dir: Path, engine: Engine, service: KnowledgeService, calls: Calls
) -> None:
    reasons: list[str] = []
    real_reload = service.reload

    async def counting(reason: str = "reload"):
        reasons.append(reason)
        return await real_reload(reason)

    service.reload = counting  # type: ignore[method-assign]
    task = asyncio.create_task(service.watch())
    try:
        await let_the_watcher_start()
        (kb_dir / ".backups").mkdir()
        (kb_dir / ".backups" / "topics.20260101.yaml").write_text("junk: [", encoding="utf-8")
        (kb_dir / "entries" / ".topics.yaml.abc.tmp").write_text("junk: [", encoding="utf-8")
        (kb_dir / "entries" / "notes.txt").write_text("not yaml", encoding="utf-8")
        await nothing_within(0.4, lambda: reasons)
        assert reasons == []

        replace_in(kb_dir / TOPICS, OLD, NEW)
        await wait_until(lambda: engine.answer("how do i opt out").body == NEW)
        assert reasons and "entries/topics.yaml" in reasons[-1]

        version = engine.kb.version
        (kb_dir / TOPICS).write_text("entries: [", encoding="utf-8")
        await wait_until(lambda: calls.problems)
        assert engine.kb.version == version
        assert calls.problems[-1].errors[0].file == "knowledge/entries/topics.yaml"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()


async def test_watch_survives_folder_deleted_and_restored(
    kb_dir: Path, tmp_path: Path, engine: Engine, service: KnowledgeService, calls: Calls
) -> None:
    spare = copy_kb(tmp_path, "spare")
    replace_in(spare / TOPICS, OLD, NEW)
    version = engine.kb.version
    task = asyncio.create_task(service.watch())
    try:
        await let_the_watcher_start()
        shutil.rmtree(kb_dir)
        await wait_until(lambda: calls.problems)
        assert engine.kb.version == version
        assert engine.answer("how do i opt out").entry_id == "turn-off"
        shutil.copytree(spare, kb_dir)
        await wait_until(lambda: engine.answer("how do i opt out").body == NEW)
        await wait_until(lambda: calls.reloaded)  # maintainers hear that it recovered
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_watch_recovers_when_a_copied_in_file_raised_no_event(
    kb_dir: Path, tmp_path: Path, engine: Engine, service: KnowledgeService, monkeypatch
) -> None:
    """A folder copied back in while the new watcher starts: a file written in that window
    raises no event. The first load fails (file missing); the watcher must still catch up."""
    spare = copy_kb(tmp_path, "spare")
    replace_in(spare / TOPICS, OLD, NEW)
    missed = (kb_dir / TOPICS).resolve()
    relevant = service.relevant
    monkeypatch.setattr(service, "relevant", lambda c, p: Path(p) != missed and relevant(c, p))
    task = asyncio.create_task(service.watch())
    try:
        await let_the_watcher_start()
        shutil.rmtree(kb_dir)
        await wait_until(  # the watcher saw the folder go
            lambda: (report := service.last_report) is not None and "missing" in report.reason
        )
        shutil.copytree(spare, kb_dir, ignore=shutil.ignore_patterns("topics.yaml"))
        await wait_until(
            lambda: (
                (report := service.last_report) is not None
                and "folder is back" in report.reason
                and not report.ok
            )
        )
        shutil.copy(spare / TOPICS, kb_dir / TOPICS)  # its event is filtered out: "missed"
        await wait_until(lambda: engine.answer("how do i opt out").body == NEW)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_watch_follows_a_folder_replaced_by_rename(
    kb_dir: Path, tmp_path: Path, engine: Engine, service: KnowledgeService
) -> None:
    """A deploy or `git worktree` swap: the old folder is renamed away, a new one renamed in."""
    spare = copy_kb(tmp_path, "spare")
    replace_in(spare / TOPICS, OLD, NEW)
    task = asyncio.create_task(service.watch())
    try:
        await let_the_watcher_start()
        os.rename(kb_dir, tmp_path / "old")
        os.rename(spare, kb_dir)
        await wait_until(lambda: engine.answer("how do i opt out").body == NEW)
        replace_in(kb_dir / TOPICS, NEW, "Third version.")  # and the new folder is watched
        await wait_until(lambda: engine.answer("how do i opt out").body == "Third version.")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_watch_stops_on_stop_event(service: KnowledgeService) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(service.watch(stop))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 3)


def test_relevant_filter(service: KnowledgeService) -> None:
    from watchfiles import Change

    root = service.root
    assert service.relevant(Change.modified, str(root / "entries" / "a.yaml"))
    assert service.relevant(Change.deleted, str(root / "entries"))
    assert not service.relevant(Change.added, str(root / ".backups" / "a.yaml"))
    assert not service.relevant(Change.added, str(root / "entries" / ".a.yaml.x.tmp"))
    assert not service.relevant(Change.modified, str(root / "entries" / "a.yaml~"))
    assert not service.relevant(Change.modified, str(root / "README.md"))
    assert not service.relevant(Change.modified, str(root / "_drafts" / "a.yaml"))

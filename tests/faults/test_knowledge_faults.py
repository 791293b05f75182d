"""knowledge/ deleted or unreadable while the bot runs: it keeps answering from the last good
snapshot, and the maintainers are told (once) through Discord."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.services.reloader import KnowledgeService, ReloadReport
from bot.store import InMemoryStore
from tests.faults.support import OPTOUT_TITLE, ask, make_bot, slash, title
from tests.load.harness import engine_for


def break_deleted(root: Path) -> None:
    shutil.rmtree(root)


def break_unreadable_bytes(root: Path) -> None:
    (root / "entries" / "topics.yaml").write_bytes(b"\xff\xfe\x00garbage\x80\x81")


def break_file_became_folder(root: Path) -> None:
    target = root / "entries" / "topics.yaml"
    target.unlink()
    target.mkdir()


def break_folder_became_file(root: Path) -> None:
    shutil.rmtree(root)
    root.write_text("not a folder")


@pytest.mark.parametrize(
    "damage",
    [break_deleted, break_unreadable_bytes, break_file_became_folder, break_folder_became_file],
    ids=["deleted", "undecodable", "file-is-a-folder", "folder-is-a-file"],
)
async def test_broken_knowledge_keeps_the_last_snapshot_and_tells_maintainers(
    fake_discord, world, run_bot, kb_copy, damage
):
    engine = engine_for(kb_copy)
    version = engine.kb.version
    store = InMemoryStore()
    log_channel = world.other_channel["id"]
    reports: list[ReloadReport] = []
    bot = make_bot(world, store, engine=engine)

    async def tell_maintainers(report: ReloadReport) -> None:
        reports.append(report)
        await bot.get_channel(int(log_channel)).send(report.summary())

    service = KnowledgeService(
        engine, kb_copy, on_problems=tell_maintainers, on_reloaded=tell_maintainers
    )
    async with run_bot(bot):
        damage(kb_copy)
        report = await service.reload("test")
        again = await service.reload("test")  # the same breakage is reported once
        _, reply = await ask(fake_discord, world, "how do i opt out")
        _, body = await slash(fake_discord, world, "optout", {"platform": "android"})
        note = await fake_discord.wait_for_message(log_channel)
        # Repaired: the bot says so and answers from the folder again.
        if kb_copy.is_file():
            kb_copy.unlink()
        shutil.rmtree(kb_copy, ignore_errors=True)
        shutil.copytree(Path(__file__).parents[1] / "fixtures" / "kb_min", kb_copy)
        fixed = await service.reload("test")
        _, later = await ask(fake_discord, world, "are my dms used")
    assert not report.ok and not report.applied and report.errors
    assert report.version == version and engine.kb.version == version
    assert not again.ok
    assert title(reply.json) == OPTOUT_TITLE and title(body["data"]) == OPTOUT_TITLE
    assert title(later.json) == "Are private messages used?"
    assert fixed.ok and fixed.version == version
    assert [r.ok for r in reports] == [False, True]  # told once about the breakage, then the fix
    assert "rejected" in note.json["content"] and version[:8] in note.json["content"]
    assert note.json["allowed_mentions"] == {"parse": []}
    await store.close()

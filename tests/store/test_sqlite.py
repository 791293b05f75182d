"""SQLite-only guarantees: pragmas, migrations, privacy of the schema, failure handling."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.outcome import Outcome
from bot.store import (
    AnswerRecord,
    FeedbackResult,
    GapRecord,
    GuildSettings,
    SqliteStore,
    StoreError,
)
from bot.store.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    apply_migrations,
    split_statements,
    sqlite_steps,
)
from tests.testkit import assert_no_personal_columns

GUILD = 42
KEY = b"k" * 32
REPO = Path(__file__).resolve().parents[2]


async def test_creates_file_and_parent_dirs_with_pragmas(db_path: Path) -> None:
    assert not db_path.parent.exists()
    async with SqliteStore(db_path, busy_timeout_ms=1234) as store:
        assert await asyncio.to_thread(db_path.is_file)
        assert await store.pragma("journal_mode") == "wal"
        assert await store.pragma("synchronous") == 1  # NORMAL
        assert await store.pragma("foreign_keys") == 1
        assert await store.pragma("busy_timeout") == 1234
        assert await store.pragma("secure_delete") == 1
        assert await store.schema_version() == LATEST_VERSION
    with sqlite3.connect(db_path) as conn:  # WAL is persistent in the file
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


async def test_no_table_stores_user_ids(db_path: Path) -> None:
    """Privacy: nothing that identifies a person may have a column."""
    async with SqliteStore(db_path) as store:
        columns = await store.table_columns()
    assert set(columns) == {
        "guild_settings",
        "answer_channels",
        "gaps",
        "answer_events",
        "feedback",
        "meta",
    }
    assert_no_personal_columns(columns)
    # gaps keep no trace of who asked or where
    assert not {"channel_id", "message_id"} & set(columns["gaps"])
    assert not {"channel_id", "message_id"} & set(columns["answer_events"])


def _make_v1_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0].sqlite)
    conn.executescript(
        f"""
        PRAGMA user_version = 1;
        INSERT INTO guild_settings VALUES ({GUILD}, 7, 8, 'ca', 0);
        INSERT INTO answer_channels VALUES ({GUILD}, 100), ({GUILD}, 101);
        INSERT INTO gaps (guild_id, text, outcome, best_entry_id, confidence, created_at)
            VALUES ({GUILD}, 'old question', 'declined', NULL, 0.25, '{_recent()}');
        INSERT INTO answer_events (guild_id, entry_id, outcome, created_at)
            VALUES ({GUILD}, 'entry-a', 'answered', '{_recent()}');
        """
    )
    conn.commit()
    conn.close()


def _recent() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_a_v2_database_gains_the_default_language(db_path: Path) -> None:
    """Migration 3 adds the column to an existing database without touching its settings."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(MIGRATIONS[0].sqlite + MIGRATIONS[1].sqlite)
    conn.executescript(
        f"PRAGMA user_version = 2; INSERT INTO guild_settings VALUES ({GUILD}, 7, 8, 'ca', 0);"
    )
    conn.commit()
    conn.close()
    async with SqliteStore(db_path) as store:
        assert await store.schema_version() == LATEST_VERSION
        before = await store.get_settings(GUILD)
        assert (before.default_region, before.default_language) == ("ca", None)
        after = await store.update_settings(GUILD, default_language="nl")
        assert (after.default_region, after.default_language) == ("ca", "nl")


async def test_a_v3_databases_votes_survive_and_gain_the_question(db_path: Path) -> None:
    """Migration 4 adds feedback.question: old votes stay counted, with no question."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path)
    conn.executescript("".join(m.sqlite for m in MIGRATIONS[:3]))
    conn.execute("PRAGMA user_version = 3")
    conn.execute(
        "INSERT INTO feedback VALUES ('m0', ?, ?, 'entry-a', 0, ?)", (KEY, GUILD, _recent())
    )
    conn.commit()
    conn.close()
    async with SqliteStore(db_path) as store:
        assert await store.schema_version() == LATEST_VERSION
        assert (await store.feedback_stats(GUILD)).not_helpful == 1
        assert await store.disliked(GUILD) == []
        await store.record_feedback(GUILD, "m1", KEY, "entry-a", False, question="too long")
        assert [d.text for d in await store.disliked(GUILD)] == ["too long"]


async def test_upgrades_v1_database_in_place(db_path: Path) -> None:
    _make_v1_database(db_path)
    async with SqliteStore(db_path) as store:
        assert await store.schema_version() == LATEST_VERSION
        assert await store.get_settings(GUILD) == GuildSettings(
            GUILD, frozenset({100, 101}), 7, 8, "ca", False
        )
        (gap,) = await store.gaps(GUILD)
        assert (gap.text, gap.count, gap.confidence) == ("old question", 1, 0.25)
        assert (await store.stats(GUILD)).answers_per_entry == {"entry-a": 1}
        columns = await store.table_columns()
        assert {"feedback", "meta"} <= set(columns)
        assert len(await store.salt()) == 32
        assert await store.record_feedback(GUILD, "m", KEY, "entry-a", True) == FeedbackResult.NEW
    async with SqliteStore(db_path) as store:  # second start: nothing re-applied
        assert (await store.feedback_stats(GUILD)).helpful == 1


async def test_a_v4_databases_old_outcome_words_become_the_one_vocabulary(
    db_path: Path,
) -> None:
    """Migration 5 rewrites every stored outcome to the engine's words and swaps the CHECKs:
    answered/declined events and declined/low_confidence gaps, ids and indexes kept."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path)
    conn.executescript("".join(m.sqlite for m in MIGRATIONS[:4]) + "PRAGMA user_version = 4;")
    now = _recent()
    conn.executemany(
        "INSERT INTO gaps (id, guild_id, text, outcome, best_entry_id, confidence, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (3, GUILD, "no idea", "declined", None, 0.1, now),
            (5, GUILD, "unsure", "low_confidence", "entry-a", 0.5, now),
            (8, GUILD, "which one", "clarify", "entry-b", 0.4, now),
        ],
    )
    conn.executemany(
        "INSERT INTO answer_events (id, guild_id, entry_id, outcome, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (1, GUILD, "entry-a", "answered", now),
            (2, GUILD, "entry-a", "answered", now),
            (4, GUILD, None, "declined", now),
            (9, GUILD, "entry-b", "clarify", now),
        ],
    )
    conn.commit()
    conn.close()
    async with SqliteStore(db_path) as store:
        assert await store.schema_version() == LATEST_VERSION
        stats = await store.stats(GUILD)
        assert (stats.answered, stats.declined, stats.clarify) == (2, 1, 1)
        assert stats.answers_per_entry == {"entry-a": 2}
        gaps = {g.text: (g.outcome, g.best_entry_id, g.confidence) for g in await store.gaps()}
        assert gaps == {
            "no idea": (Outcome.DECLINE, None, 0.1),
            "unsure": (Outcome.ANSWER, "entry-a", 0.5),
            "which one": (Outcome.CLARIFY, "entry-b", 0.4),
        }
        await store.record_events(
            [AnswerRecord(GUILD, "entry-b", Outcome.ANSWER)],
            [GapRecord(GUILD, "new", Outcome.ANSWER, "entry-b", 0.6)],
        )
    conn = sqlite3.connect(db_path)
    try:
        assert [r[0] for r in conn.execute("SELECT id FROM gaps ORDER BY id")] == [3, 5, 8, 9]
        ids = [r[0] for r in conn.execute("SELECT id FROM answer_events ORDER BY id")]
        assert ids == [1, 2, 4, 9, 10]
        both = "SELECT outcome FROM gaps UNION SELECT outcome FROM answer_events"
        assert {r[0] for r in conn.execute(both)} == {"answer", "clarify", "decline"}
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"gaps_by_time", "gaps_by_guild_time"} <= names
        assert {"answer_events_by_time", "answer_events_by_guild_time"} <= names
        assert not names & {"gaps_v5", "answer_events_v5"}
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(
                "INSERT INTO answer_events (guild_id, outcome, created_at) VALUES (1, ?, ?)",
                ("answered", now),
            )
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(
                "INSERT INTO gaps (guild_id, text, outcome, confidence, created_at)"
                " VALUES (1, 'q', ?, 0, ?)",
                ("low_confidence", now),
            )
    finally:
        conn.close()


async def test_failed_migration_rolls_back_its_step(tmp_path: Path) -> None:
    import aiosqlite

    steps = [*sqlite_steps(), (LATEST_VERSION + 1, "CREATE TABLE extra (x INTEGER);\nBOGUS SQL;")]
    async with aiosqlite.connect(tmp_path / "m.db", isolation_level=None) as conn:
        with pytest.raises(sqlite3.Error):
            await apply_migrations(conn, steps)
        rows = await conn.execute_fetchall("PRAGMA user_version")
        assert next(iter(rows))[0] == LATEST_VERSION
        tables = await conn.execute_fetchall("SELECT name FROM sqlite_schema WHERE name='extra'")
        assert list(tables) == []


async def test_database_from_newer_code_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    store = SqliteStore(db_path)
    with pytest.raises(StoreError, match="newer"):
        await store.open()
    with pytest.raises(StoreError, match="not open"):
        await store.stats()


def test_split_statements() -> None:
    assert split_statements("SELECT 1;\nSELECT ';';\n") == ["SELECT 1;", "SELECT ';';"]
    with pytest.raises(ValueError):
        split_statements("SELECT 1")
    for migration in MIGRATIONS:
        assert split_statements(migration.sqlite)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file really read-only, even for root (chmod alone does not stop root)."""
    mode = path.stat().st_mode
    os.chmod(path, 0o444)
    immutable = False
    try:
        if os.geteuid() == 0:
            immutable = (
                subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
            )
        try:
            os.close(os.open(path, os.O_RDWR))
        except OSError:
            pass
        else:
            pytest.skip("cannot make a file read-only in this environment")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        os.chmod(path, mode)


async def test_read_only_database_raises_store_error_and_keeps_data(db_path: Path) -> None:
    async with SqliteStore(db_path) as store:
        await store.update_settings(GUILD, default_region="hk")
        await store.record_gap(GUILD, "kept", Outcome.DECLINE)
        salt = await store.salt()
    with read_only(db_path):
        store = SqliteStore(db_path)
        await store.open()  # reading still works, so the bot can keep answering
        try:
            with pytest.raises(StoreError, match="read-only") as info:
                await store.record_gap(GUILD, "lost", Outcome.DECLINE)
            assert isinstance(info.value.__cause__, sqlite3.Error)
            with pytest.raises(StoreError, match="read-only"):
                await store.update_settings(GUILD, default_region="us")
            with pytest.raises(StoreError, match="read-only"):
                await store.record_feedback(GUILD, "m", KEY, "a", True)
            assert [g.text for g in await store.gaps(GUILD)] == ["kept"]
            assert (await store.get_settings(GUILD)).default_region == "hk"
        finally:
            await store.close()
    async with SqliteStore(db_path) as store:
        assert [g.text for g in await store.gaps(GUILD)] == ["kept"]
        assert (await store.get_settings(GUILD)).default_region == "hk"
        assert await store.salt() == salt
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


async def test_locked_beyond_busy_timeout_raises_store_error(db_path: Path) -> None:
    async with SqliteStore(db_path, busy_timeout_ms=50) as store:
        await store.record_answer(GUILD, "a", Outcome.ANSWER)
        blocker = sqlite3.connect(db_path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreError, match=r"locked .* more than 50 ms"):
                await store.record_answer(GUILD, "b", Outcome.ANSWER)
            blocker.execute("ROLLBACK")
        finally:
            blocker.close()
        await store.record_answer(GUILD, "c", Outcome.ANSWER)
        assert (await store.stats(GUILD)).answers_per_entry == {"a": 1, "c": 1}


async def test_disk_full_raises_store_error_and_keeps_committed_rows(db_path: Path) -> None:
    async with SqliteStore(db_path) as store:
        await store.record_gap(GUILD, "first", Outcome.DECLINE)
        conn = store._conn
        assert conn is not None
        pages = next(iter(await conn.execute_fetchall("PRAGMA page_count")))[0]
        await conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(StoreError, match="full"):
            for i in range(200):
                await store.record_gap(GUILD, f"{i:03d}" + "x" * 290, Outcome.DECLINE)
        await conn.execute("PRAGMA max_page_count = 1073741823")
        await store.record_gap(GUILD, "after", Outcome.DECLINE)
        texts = {g.text for g in await store.gaps(GUILD, limit=500)}
        assert {"first", "after"} <= texts


async def test_garbage_file_raises_store_error(db_path: Path) -> None:
    os.makedirs(db_path.parent)
    with open(db_path, "wb") as file:  # noqa: ASYNC230 - tiny setup write
        file.write(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not an optout-bot database"):
        await SqliteStore(db_path).open()


async def test_unusable_path_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="directory"):
        await SqliteStore(blocker / "sub" / "db.sqlite3").open()


async def test_killed_writer_leaves_database_consistent(db_path: Path) -> None:
    """SIGKILL a process in the middle of writing: every committed row survives, no corruption."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from bot.store import SqliteStore

        async def main():
            store = SqliteStore({str(db_path)!r})
            await store.open()
            i = 0
            while True:
                await store.record_gap({GUILD}, f"q{{i}}", "decline")
                i += 1
                if i == 50:
                    print("ready", flush=True)

        asyncio.run(main())
        """
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, cwd=REPO, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=20)
    assert line.strip() == b"ready"
    await asyncio.sleep(0.05)
    proc.kill()
    await proc.wait()

    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    async with SqliteStore(db_path) as store:
        gaps = await store.gaps(GUILD, limit=1_000_000)
        assert len(gaps) >= 50
        # rows were committed in order, so the survivors are exactly q0..q(n-1)
        assert {g.text for g in gaps} == {f"q{i}" for i in range(len(gaps))}
        await store.record_gap(GUILD, "after restart", Outcome.DECLINE)


PURGED_TEXT = "zqxj purged question 4711"


def _on_disk(db_path: Path) -> bytes:
    """Every byte SQLite keeps for this database: the file, its WAL and shared memory."""
    files = [db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))]
    return b"".join(p.read_bytes() for p in files if p.exists())


@pytest.mark.parametrize("checkpointed_before", [False, True], ids=["in-wal", "in-file"])
@pytest.mark.parametrize("how", ["purge", "forget_guild"])
async def test_purged_rows_are_gone_from_the_files(
    db_path: Path, checkpointed_before: bool, how: str
) -> None:
    """Issue 14.6: with WAL, secure_delete's zeroed pages sat in the WAL while the database
    file (and the WAL's older frames) still held the text; a checkpoint after the purge fixes
    that. Read the bytes, as someone holding the disk would."""
    old = datetime(2020, 1, 1, tzinfo=UTC)
    async with SqliteStore(db_path, retention_days=30) as store:
        await store.record_gap(GUILD, PURGED_TEXT, Outcome.DECLINE, at=old)
        await store.record_gap(GUILD + 1, "kept question", Outcome.DECLINE)
        if checkpointed_before:  # a long-running bot: the row already reached the file
            with contextlib.closing(sqlite3.connect(db_path)) as other:
                other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert PURGED_TEXT.encode() in _on_disk(db_path)
        if how == "purge":
            assert (await store.purge()).gaps == 1
        else:
            await store.forget_guild(GUILD)
        assert PURGED_TEXT.encode() not in _on_disk(db_path)
        assert [g.text for g in await store.gaps(None)] == ["kept question"]

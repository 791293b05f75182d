"""PostgreSQL-only guarantees: shared use by several processes, migrations under a lock, schema
privacy, and failures surfacing as ``StoreError`` without leaking the password.

Tests that need a server skip without ``TEST_DATABASE_URL`` (``.ci/run`` sets it); the URL and
connection-failure tests run everywhere.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.outcome import Outcome
from bot.store import (
    FeedbackResult,
    GuildSettings,
    InMemoryStore,
    PostgresStore,
    SqliteStore,
    StoreError,
    open_store,
    redact_url,
)
from bot.store.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    apply_postgres_migrations,
    postgres_steps,
)
from tests.testkit import assert_no_personal_columns

from .conftest import TEST_DATABASE_URL, needs_postgres

GUILD = 42
KEY = b"k" * 32
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def admin(pg_schema: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection whose search_path is the test's (not yet created) schema."""
    conn = await asyncpg.connect(TEST_DATABASE_URL, server_settings={"search_path": pg_schema})
    try:
        yield conn
    finally:
        await conn.close()


def pg_store(schema: str, **kwargs: object) -> PostgresStore:
    return PostgresStore(TEST_DATABASE_URL, schema=schema, **kwargs)  # type: ignore[arg-type]


# -- configuration (no server needed) --------------------------------------------------------


def test_open_store_picks_postgres_for_urls(tmp_path: Path) -> None:
    url = "postgresql://bot:s3cret@db.example:5432/optout"
    by_url = open_store(tmp_path / "ignored.sqlite3", retention_days=7, database_url=url)
    assert isinstance(by_url, PostgresStore)
    assert (by_url.url, by_url.retention_days) == (url, 7)
    assert isinstance(open_store("postgres://h/db"), PostgresStore)
    assert isinstance(open_store(" postgresql://h/db "), PostgresStore)
    # blank DATABASE_URL means "not configured": fall back to the path
    assert isinstance(open_store(tmp_path / "x.db", database_url=""), SqliteStore)
    assert isinstance(open_store(None, database_url="  "), InMemoryStore)
    assert not (tmp_path / "ignored.sqlite3").exists()
    assert "s3cret" not in repr(by_url)


def test_bad_urls_and_options_rejected_without_leaking_password() -> None:
    with pytest.raises(ValueError) as info:
        open_store(None, database_url="mysql://bot:s3cret@h/db")
    assert "s3cret" not in str(info.value)
    with pytest.raises(ValueError):
        PostgresStore("sqlite:///x.db")
    with pytest.raises(ValueError):
        PostgresStore("postgresql://h/db", schema='x"; DROP TABLE gaps; --')
    with pytest.raises(ValueError):
        PostgresStore("postgresql://h/db", retention_days=0)
    assert redact_url("postgresql://u:p%40ss@h:1/d") == "postgresql://h:1/d"  # issue 14.1
    assert redact_url("postgresql://h/d") == "postgresql://h/d"


async def test_unreachable_server_raises_store_error() -> None:
    store = PostgresStore("postgresql://bot:s3cret@127.0.0.1:1/optout", connect_timeout=2)
    with pytest.raises(StoreError, match="cannot be reached") as info:
        await store.open()
    assert "s3cret" not in str(info.value)
    with pytest.raises(StoreError, match="not open"):
        await store.stats()


# -- schema and migrations ---------------------------------------------------------------------


@needs_postgres
async def test_schema_is_private_and_native(pg_schema: str, admin: asyncpg.Connection) -> None:
    async with pg_store(pg_schema) as store:
        assert await store.schema_version() == LATEST_VERSION
        columns = await store.table_columns()
    assert set(columns) == {
        "guild_settings",
        "answer_channels",
        "gaps",
        "answer_events",
        "feedback",
        "meta",
        "schema_migrations",
    }
    assert_no_personal_columns(columns)
    assert not {"channel_id", "message_id"} & set(columns["gaps"])
    types = {
        (r["table_name"], r["column_name"]): r["data_type"]
        for r in await admin.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = $1",
            pg_schema,
        )
    }
    assert types["gaps", "guild_id"] == "bigint"
    assert types["gaps", "created_at"] == "timestamp with time zone"
    assert types["feedback", "voter_key"] == "bytea"
    assert types["guild_settings", "auto_answer"] == "boolean"


@needs_postgres
async def test_upgrades_v1_schema_in_place(pg_schema: str, admin: asyncpg.Connection) -> None:
    await apply_postgres_migrations(admin, postgres_steps()[:1], schema=pg_schema)
    await admin.execute(
        f"""
        INSERT INTO guild_settings VALUES ({GUILD}, 7, 8, 'ca', FALSE);
        INSERT INTO answer_channels VALUES ({GUILD}, 100), ({GUILD}, 101);
        INSERT INTO gaps (guild_id, text, outcome, best_entry_id, confidence, created_at)
            VALUES ({GUILD}, 'old question', 'declined', NULL, 0.25, now());
        """
    )
    async with pg_store(pg_schema) as store:
        assert await store.schema_version() == LATEST_VERSION
        assert await store.get_settings(GUILD) == GuildSettings(
            GUILD, frozenset({100, 101}), 7, 8, "ca", False
        )
        assert [(g.text, g.count) for g in await store.gaps(GUILD)] == [("old question", 1)]
        assert await store.record_feedback(GUILD, "m", KEY, None, True) == FeedbackResult.NEW
    versions = [r[0] for r in await admin.fetch("SELECT version FROM schema_migrations")]
    assert sorted(versions) == [m.version for m in MIGRATIONS]


@needs_postgres
async def test_a_v4_schemas_old_outcome_words_become_the_one_vocabulary(
    pg_schema: str, admin: asyncpg.Connection
) -> None:
    """Migration 5 rewrites every stored outcome to the engine's words and swaps the CHECKs."""
    await apply_postgres_migrations(admin, postgres_steps()[:4], schema=pg_schema)
    await admin.execute(
        f"""
        INSERT INTO gaps (guild_id, text, outcome, best_entry_id, confidence, created_at) VALUES
            ({GUILD}, 'no idea', 'declined', NULL, 0.1, now()),
            ({GUILD}, 'unsure', 'low_confidence', 'entry-a', 0.5, now()),
            ({GUILD}, 'which one', 'clarify', 'entry-b', 0.4, now());
        INSERT INTO answer_events (guild_id, entry_id, outcome, created_at) VALUES
            ({GUILD}, 'entry-a', 'answered', now()),
            ({GUILD}, 'entry-a', 'answered', now()),
            ({GUILD}, NULL, 'declined', now()),
            ({GUILD}, 'entry-b', 'clarify', now());
        """
    )
    async with pg_store(pg_schema) as store:
        assert await store.schema_version() == LATEST_VERSION
        stats = await store.stats(GUILD)
        assert (stats.answered, stats.declined, stats.clarify) == (2, 1, 1)
        assert stats.answers_per_entry == {"entry-a": 2}
        gaps = {g.text: (g.outcome, g.best_entry_id) for g in await store.gaps()}
        assert gaps == {
            "no idea": (Outcome.DECLINE, None),
            "unsure": (Outcome.ANSWER, "entry-a"),
            "which one": (Outcome.CLARIFY, "entry-b"),
        }
    stored = await admin.fetch("SELECT outcome FROM gaps UNION SELECT outcome FROM answer_events")
    assert {r[0] for r in stored} == {"answer", "clarify", "decline"}
    with pytest.raises(asyncpg.CheckViolationError):
        await admin.execute(
            "INSERT INTO answer_events (guild_id, outcome, created_at)"
            " VALUES (1, 'answered', now())"
        )
    with pytest.raises(asyncpg.CheckViolationError):
        await admin.execute(
            "INSERT INTO gaps (guild_id, text, outcome, confidence, created_at)"
            " VALUES (1, 'q', 'low_confidence', 0, now())"
        )


@needs_postgres
async def test_failed_migration_rolls_back_its_step(
    pg_schema: str, admin: asyncpg.Connection
) -> None:
    steps = [*postgres_steps(), (LATEST_VERSION + 1, "CREATE TABLE extra (x INT); BOGUS SQL;")]
    with pytest.raises(asyncpg.PostgresSyntaxError):
        await apply_postgres_migrations(admin, steps, schema=pg_schema)
    assert await admin.fetchval("SELECT MAX(version) FROM schema_migrations") == LATEST_VERSION
    assert await admin.fetchval("SELECT to_regclass('extra')") is None
    # the advisory lock was released: a store can still open
    async with pg_store(pg_schema) as store:
        assert await store.schema_version() == LATEST_VERSION


@needs_postgres
async def test_schema_from_newer_code_is_refused(pg_schema: str, admin: asyncpg.Connection) -> None:
    await apply_postgres_migrations(admin, schema=pg_schema)
    await admin.execute("INSERT INTO schema_migrations (version) VALUES ($1)", LATEST_VERSION + 1)
    store = pg_store(pg_schema)
    with pytest.raises(StoreError, match="newer"):
        await store.open()
    with pytest.raises(StoreError, match="not open"):
        await store.stats()


@needs_postgres
async def test_many_stores_opening_at_once_migrate_once_and_share_one_salt(pg_schema: str) -> None:
    stores = [pg_store(pg_schema) for _ in range(6)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        salts = {await s.salt() for s in stores}
        assert len(salts) == 1
        assert {await s.schema_version() for s in stores} == {LATEST_VERSION}
    finally:
        await asyncio.gather(*(s.close() for s in stores))


# -- failures ----------------------------------------------------------------------------------


@needs_postgres
async def test_lock_held_beyond_command_timeout_raises_store_error(
    pg_schema: str, admin: asyncpg.Connection
) -> None:
    async with pg_store(pg_schema, command_timeout=0.3) as store:
        await store.update_settings(GUILD, default_region="eu")
        tx = admin.transaction()
        await tx.start()
        await admin.execute("SELECT 1 FROM guild_settings WHERE guild_id = $1 FOR UPDATE", GUILD)
        with pytest.raises(StoreError, match="did not answer in time"):
            await store.update_settings(GUILD, default_region="us")
        await tx.rollback()
        await store.record_answer(GUILD, "a", Outcome.ANSWER)  # recovered
        assert (await store.get_settings(GUILD)).default_region == "eu"


@needs_postgres
async def test_connections_killed_by_the_server_are_replaced_transparently(
    pg_schema: str, admin: asyncpg.Connection
) -> None:
    """A server restart or an idle-connection reaper kills pooled connections: the next calls
    retry on fresh connections instead of failing (nothing had been sent yet)."""
    async with pg_store(pg_schema, min_size=3, max_size=3) as store:
        await asyncio.gather(*(store.record_gap(GUILD, "kept", Outcome.DECLINE) for _ in range(3)))
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'optout-bot' AND datname = current_database()"
        )
        assert killed >= 1
        for _ in range(4):
            await store.record_gap(GUILD, "after", Outcome.DECLINE)
        assert {g.text: g.count for g in await store.gaps(GUILD)} == {"kept": 3, "after": 4}


@needs_postgres
async def test_unusable_database_raises_store_error(pg_schema: str) -> None:
    url = TEST_DATABASE_URL.rsplit("/", 1)[0] + "/no_such_database_here"
    with pytest.raises(StoreError, match="does not exist"):
        await PostgresStore(url, schema=pg_schema).open()


@needs_postgres
async def test_concurrent_votes_by_one_voter_count_once(pg_schema: str) -> None:
    async with pg_store(pg_schema) as a, pg_store(pg_schema) as b:
        results = await asyncio.gather(
            *(s.record_feedback(GUILD, "m", KEY, "e", True) for s in (a, b) for _ in range(10))
        )
        assert results.count(FeedbackResult.NEW) == 1
        assert results.count(FeedbackResult.SAME) == 19
        assert (await b.feedback_stats(GUILD)).helpful == 1


# -- two bot processes, one database -----------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import asyncio, hashlib, json, sys, time
    from bot.store import FeedbackResult, Outcome, PostgresStore

    url, schema, me, other, n = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    SHARED, CONTESTED = 900, 901

    def voter(i):
        return hashlib.sha256(f"voter-{i}".encode()).digest()

    async def main():
        print("ready", flush=True)
        sys.stdin.readline()  # start line: both processes open() at the same moment
        async with PostgresStore(url, schema=schema, max_size=4) as store:
            await store.update_settings(me, log_channel_id=me, default_region="eu")

            async def work(i):
                await store.record_gap(SHARED, f"q{i % 5}", Outcome.DECLINE)
                await store.record_answer(SHARED, f"e{me}", Outcome.ANSWER)
                await store.record_feedback(SHARED, f"m{me}-{i}", voter(i), "e", True)
                contested = await store.record_feedback(SHARED, "same", voter(i), "e", True)
                await store.add_answer_channel(SHARED, me * 1000 + i)
                await store.update_settings(CONTESTED, answer_channel_ids=range(me, me + 5))
                return contested

            results = await asyncio.gather(*(work(i) for i in range(n)))
            deadline = time.monotonic() + 15
            seen = await store.get_settings(other)
            while seen.log_channel_id != other and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                seen = await store.get_settings(other)
            print(json.dumps({
                "new": results.count(FeedbackResult.NEW),
                "salt": (await store.salt()).hex(),
                "other_log_channel": seen.log_channel_id,
                "other_region": seen.default_region,
            }), flush=True)

    asyncio.run(main())
    """
)


@needs_postgres
async def test_two_processes_share_one_database(pg_schema: str) -> None:
    """Two bot processes (e.g. different shards) on one fresh schema: both migrate at once,
    see each other's settings, and lose nothing they wrote concurrently."""
    import json

    n = 40
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            TEST_DATABASE_URL,
            pg_schema,
            str(me),
            str(other),
            str(n),
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for me, other in ((1, 2), (2, 1))
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), timeout=20)).strip() == b"ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 30)
    reports = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        reports.append(json.loads(out))

    # settings written through one process are seen by the other
    assert [r["other_log_channel"] for r in reports] == [2, 1]
    assert [r["other_region"] for r in reports] == ["eu", "eu"]
    # one salt for the database, although both created it at once
    assert reports[0]["salt"] == reports[1]["salt"]
    # each contested vote counted once, whichever process got there first
    assert reports[0]["new"] + reports[1]["new"] == n

    async with pg_store(pg_schema) as store:
        assert bytes.fromhex(reports[0]["salt"]) == await store.salt()
        assert await store.schema_version() == LATEST_VERSION
        gaps = await store.gaps(900, limit=100)
        assert sum(g.count for g in gaps) == 2 * n
        stats = await store.stats(900)
        assert stats.answers_per_entry == {"e1": n, "e2": n}
        assert (await store.feedback_stats(900)).helpful == 2 * n + n
        shared = await store.get_settings(900)
        assert shared.answer_channel_ids == frozenset(
            {1000 + i for i in range(n)} | {2000 + i for i in range(n)}
        )
        # whole-list replacements never interleave: the last writer's list, not a mixture
        contested = (await store.get_settings(901)).answer_channel_ids
        assert contested in (frozenset(range(1, 6)), frozenset(range(2, 7)))
        for me in (1, 2):
            assert (await store.get_settings(me)).log_channel_id == me

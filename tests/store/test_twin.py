"""Property test: random operation sequences give identical answers from every backend.

The in-memory store is the reference; SQLite and (with ``TEST_DATABASE_URL``) PostgreSQL must agree
with it exactly, including tie order, microsecond times and retention boundaries.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.outcome import Outcome
from bot.store import InMemoryStore, PostgresStore, SqliteStore, Store

from .conftest import TEST_DATABASE_URL, drop_schemas, needs_postgres, new_schema_name

BASE = datetime.now(UTC).replace(microsecond=0)
guilds = st.sampled_from([1, 2])
minutes_ago = st.one_of(st.sampled_from([0, 1, 60 * 24 * 30]), st.integers(0, 60 * 24 * 40))
times = minutes_ago.map(lambda m: BASE - timedelta(minutes=m))  # repeats make ties likely
entries = st.sampled_from([None, "a", "b"])
texts = st.sampled_from(["q1", "q2", "q3", "x" * 310])
voters = st.integers(0, 3).map(lambda n: hashlib.sha256(bytes([n])).digest())

ops = st.one_of(
    st.tuples(
        st.just("gap"),
        guilds,
        texts,
        st.sampled_from(list(Outcome)),
        entries,
        st.floats(0, 1),
        times,
    ),
    st.tuples(
        st.just("answer"),
        guilds,
        entries,
        st.sampled_from(list(Outcome)),
        times,
    ),
    st.tuples(
        st.just("feedback"),
        guilds,
        st.sampled_from(["m1", "m2"]),
        voters,
        entries,
        st.booleans(),
        times,
    ),
    st.tuples(st.just("purge"), st.integers(0, 40).map(lambda d: BASE + timedelta(days=d - 20))),
    st.tuples(st.just("settings"), guilds, st.sampled_from([None, "us", "eu"]), st.booleans()),
)


async def run(store: Store, sequence: list[tuple[Any, ...]]) -> list[Any]:
    out: list[Any] = []
    async with store:
        for op in sequence:
            match op:
                case ("gap", g, text, outcome, entry, confidence, at):
                    await store.record_gap(g, text, outcome, entry, confidence, at=at)
                case ("answer", g, entry, outcome, at):
                    await store.record_answer(g, entry, outcome, at=at)
                case ("feedback", g, answer, voter, entry, helpful, at):
                    out.append(await store.record_feedback(g, answer, voter, entry, helpful, at=at))
                case ("purge", now):
                    out.append(await store.purge(now))
                case ("settings", g, region, auto):
                    out.append(
                        await store.update_settings(g, default_region=region, auto_answer=auto)
                    )
        since = BASE - timedelta(days=10)
        for g in (None, 1, 2):
            out.append(await store.gaps(g, limit=50))
            out.append(await store.gaps(g, since=since, limit=2))
            out.append(await store.stats(g))
            out.append(await store.stats(g, since=since))
            out.append(await store.feedback_stats(g))
            out.append(await store.feedback_stats(g, since=since))
        out.append([await store.get_settings(g) for g in (1, 2, 3)])
    return out


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=needs_postgres)])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=st.lists(ops, max_size=25))
def test_memory_and_engines_agree(
    tmp_path: Path, engine: str, sequence: list[tuple[Any, ...]]
) -> None:
    expected = asyncio.run(run(InMemoryStore(retention_days=30), sequence))
    if engine == "postgres":
        schema = new_schema_name()
        try:
            store: Store = PostgresStore(TEST_DATABASE_URL, retention_days=30, schema=schema)
            actual = asyncio.run(run(store, sequence))
        finally:
            drop_schemas(schema)
    else:
        path = tmp_path / f"twin-{hashlib.sha1(repr(sequence).encode()).hexdigest()}.db"
        path.unlink(missing_ok=True)
        actual = asyncio.run(run(SqliteStore(path, retention_days=30), sequence))
    assert actual == expected

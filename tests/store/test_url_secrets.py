"""Issue 14.1: the database password is never printed, whatever form the URL takes.

Every form below is a real way to put a password in a PostgreSQL URL (or a common mistake
with one); each is opened against a closed port, and neither the error, its traceback chain,
nor the warning the bot logs may contain any piece of the secret.
"""

from __future__ import annotations

import logging
import traceback
from types import SimpleNamespace

import pytest

from bot.app import OptoutBot
from bot.discord_ui.jobs import RetentionJob
from bot.services import Services
from bot.store import PostgresStore, StoreError, open_store
from bot.store.url_safety import UNPARSEABLE, describe_url, scrub

SHOWN = "postgresql://127.0.0.1:1/optout"

#: (URL, the secret pieces that must never appear, what may be shown)
FORMS = [
    ("postgresql://bot:S3cretPw@127.0.0.1:1/optout", ["S3cretPw"], SHOWN),
    ("postgresql://bot@127.0.0.1:1/optout?password=S3cretPw", ["S3cretPw"], SHOWN),
    (
        "postgresql://bot@127.0.0.1:1/optout?passfile=/srv/Pa55File&sslpassword=K3yS3cret",
        ["Pa55File", "K3yS3cret"],
        SHOWN,
    ),
    ("postgresql://bot:pa55/S3cretPw@127.0.0.1:1/optout", ["pa55", "S3cretPw"], SHOWN),
    ("postgresql://bot:pa55#S3cretPw@127.0.0.1:1/optout", ["pa55", "S3cretPw"], SHOWN),
    ("postgresql://bot:pa55?S3cretPw@127.0.0.1:1/optout", ["pa55", "S3cretPw"], SHOWN),
    ("postgresql://bot:S3c@retPw@127.0.0.1:1/optout", ["S3c", "retPw"], SHOWN),
    ("postgresql://bot:S3cret%2FPw@127.0.0.1:1/optout", ["S3cret"], SHOWN),
    ("postgresql://bot:S3cretPw@127.0.0.1:n0tPort/optout", ["S3cretPw"], UNPARSEABLE),
    ("postgresql://bot:S3cretPw@[::1/optout", ["S3cretPw"], UNPARSEABLE),
]
IDS = ["userinfo", "query", "passfile", "slash", "hash", "question", "at", "encoded", "port", "v6"]


@pytest.mark.parametrize(("url", "secrets", "shown"), FORMS, ids=IDS)
def test_describe_url_shows_only_scheme_host_port_and_database(url, secrets, shown) -> None:
    assert describe_url(url) == shown
    assert not [s for s in secrets if s in describe_url(url)]


@pytest.mark.parametrize(("url", "secrets", "shown"), FORMS, ids=IDS)
async def test_failed_open_never_shows_the_password(url, secrets, shown, caplog) -> None:
    store = PostgresStore(url, connect_timeout=2)
    with pytest.raises(StoreError) as info:
        await store.open()
    chain = "".join(traceback.format_exception(info.value))
    assert not [s for s in secrets if s in chain], chain
    assert not [s for s in secrets if s in repr(store)]
    assert describe_url(url) in str(info.value)
    # the warning the bot logs when storage cannot be opened at start-up
    services = Services(
        settings=SimpleNamespace(watch_knowledge=False),
        engine=None,
        store=store,
        store_guard=None,
        settings_cache=None,
        answer_log=None,
        knowledge=None,
        retention=RetentionJob(store),
    )
    fake_bot = SimpleNamespace(
        services=services,
        extension_names=(),
        add_dynamic_items=lambda *items: None,
        settings=SimpleNamespace(sync_commands=True),
    )
    fake_bot.sync_on_start = False
    with caplog.at_level(logging.DEBUG):
        await OptoutBot.setup_hook(fake_bot)
        await services.retention.stop()
    assert "could not be opened" in caplog.text
    assert not [s for s in secrets if s in caplog.text], caplog.text


def test_wrong_scheme_error_shows_no_password() -> None:
    with pytest.raises(ValueError) as info:
        open_store(None, database_url="mysql://bot:pa55/S3cretPw@h/db?password=S3cretPw")
    assert "S3cretPw" not in str(info.value) and "pa55" not in str(info.value)
    with pytest.raises(ValueError) as info:
        open_store(None, database_url="bot:S3cretPw@h/db")  # no scheme at all
    assert "S3cretPw" not in str(info.value) and UNPARSEABLE in str(info.value)


def test_scrub_removes_secrets_from_any_text() -> None:
    text = (
        "failed: postgresql://bot:pa55/S3cretPw@db/optout and "
        "host=db password=Hunter22 sslpassword='K3y S3cret' passfile:\"/srv/Pa55File\" "
        "url ?password=Qw3rty&user=bot"
    )
    out = scrub(text)
    for secret in ("pa55", "S3cretPw", "Hunter22", "K3y", "Pa55File", "Qw3rty"):
        assert secret not in out, out
    assert "host=db" in out and "user=bot" in out


def test_scrub_removes_fragments_a_driver_echoed() -> None:
    url = "postgresql://bot:pa55?S3cretPw@127.0.0.1:1/optout"
    echoed = "bad query field: 'S3cretPw@127.0.0.1:1/optout'"
    assert "S3cretPw" not in scrub(echoed, url)

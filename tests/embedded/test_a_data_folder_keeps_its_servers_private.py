"""The servers `make run` starts (chatproject/lib/embedded.py) on a data folder: the folder's
password is made once and kept private (0600), both servers refuse a client without it, and
what they hold (a PostgreSQL table, a Valkey key) is there again after a restart. An initdb
that was cut short is done again, not taken for a database; a password that is not the
folder's stops the start at once."""

from __future__ import annotations

import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from chatproject.lib import embedded
from testsupport.processes import free_port


@pytest.fixture
def folder() -> Iterator[Path]:
    """Not under pytest's basetemp (0700): as root, PostgreSQL runs as another user, who must
    reach the folder (embedded.start_postgres opens the folder itself to it)."""
    path = Path(tempfile.mkdtemp(prefix="evmchat-folder-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_the_password_is_made_once_and_readable_by_its_owner_only(folder):
    password = embedded.ensure_password(folder)
    assert embedded.ensure_password(folder) == embedded.read_password(folder) == password
    mode = stat.S_IMODE((folder / embedded.PASSWORD_FILE).stat().st_mode)
    assert mode == 0o600


def test_postgresql_refuses_a_client_without_the_password_and_keeps_its_data(folder):
    password, port = embedded.ensure_password(folder), free_port()
    (folder / "postgres.initdb").mkdir()  # an initdb cut short
    server = embedded.start_postgres(folder, port, password)
    try:
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(embedded.postgres_url(port), connect_timeout=5)
        with psycopg.connect(server.url, autocommit=True) as db:
            db.execute("CREATE TABLE kept (words text)")
            db.execute("INSERT INTO kept VALUES ('still here')")
    finally:
        server.stop()
    server = embedded.start_postgres(folder, port, password)
    try:
        with psycopg.connect(server.url) as db:
            assert db.execute("SELECT words FROM kept").fetchall() == [("still here",)]
    finally:
        server.stop()
    # A password that is not the folder's is told at once, not waited out.
    with pytest.raises(RuntimeError, match="refuses the password"):
        embedded.start_postgres(folder, port, "not-the-folders-password")


def test_valkey_refuses_a_client_without_the_password_and_keeps_its_keys(folder):
    password, port = embedded.ensure_password(folder), free_port()
    server = embedded.start_valkey(folder, port, password)
    try:
        with pytest.raises(redis.AuthenticationError):
            redis.Redis.from_url(embedded.valkey_url(port)).get("kept")
        redis.Redis.from_url(server.url).set("kept", "still here")
    finally:
        server.stop()
    server = embedded.start_valkey(folder, port, password)
    try:
        assert redis.Redis.from_url(server.url).get("kept") == b"still here"
    finally:
        server.stop()

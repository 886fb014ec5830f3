"""Shared by the deployment tests: the test database as a URL other processes can open."""

from __future__ import annotations

from urllib.parse import quote

import pytest


@pytest.fixture
def database_url(transactional_db: None, settings) -> str:
    """DATABASE_URL of pytest's (already migrated) PostgreSQL test database.

    transactional_db commits for real, so processes started by the test see the same rows.
    """
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        pytest.skip("needs PostgreSQL shared between processes: set DATABASE_URL")
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"

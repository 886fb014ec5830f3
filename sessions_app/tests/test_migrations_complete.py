"""Every model change has its migration (what `make test` checks with makemigrations --check)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as missing:  # --check exits 1 when a migration is missing
        pytest.fail(f"makemigrations --check exited {missing.code}:\n{out.getvalue()}")

"""A real backend (daphne) for the sign-in abuse tests, and browsers on other loopback
addresses: mallory at 127.0.0.2 and up, the others at 127.0.0.1.

The backend counts its password hashes (counting_hasher.py) into a file the test reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings

from tests.abuse.counting_hasher import COUNT_FILE_ENV, read_counts
from testsupport import local_http
from testsupport.processes import (
    PROCESS_START_TIMEOUT,
    Daphne,
    postgres_url,
    start_daphne,
    wait_until,
)

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class SignInBackend:
    daphne: Daphne
    count_file: Path

    @property
    def base_url(self) -> str:
        return self.daphne.base_url

    def hash_counts(self) -> dict[str, int]:
        return read_counts(self.count_file)

    def browser(self, address: str = "127.0.0.1") -> Visitor:
        return Visitor(self, address)


class Visitor:
    """One browser from one address: its cookies, and the CSRF token of the form it loaded."""

    def __init__(self, backend: SignInBackend, address: str) -> None:
        transport = local_http.transport(local_address=address)
        self.client = local_http.client(base_url=backend.base_url, transport=transport, timeout=60)

    def post_form(self, path: str, form: dict[str, str], **headers: str) -> httpx.Response:
        """Load the form's page (for the CSRF cookie and token), then submit it."""
        page = self.client.get(path)
        assert page.status_code == 200, page.text[:300]
        match = CSRF_FIELD.search(page.text)
        assert match, page.text[:300]
        return self.client.post(
            path, data={**form, "csrfmiddlewaretoken": match[1]}, headers=headers
        )

    def close(self) -> None:
        self.client.close()


def run_backend(env: dict[str, str], workdir: Path) -> Iterator[SignInBackend]:
    """Start daphne on pytest's PostgreSQL test database and the test's Redis (REDIS_URL)."""
    count_file = workdir / "hash-counts.json"
    backend_env = {
        "DATABASE_URL": postgres_url(settings.DATABASES["default"]),
        "DJANGO_SETTINGS_MODULE": "tests.abuse.counting_hasher_settings",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        COUNT_FILE_ENV: str(count_file),
        **env,
    }
    daphne = start_daphne(backend_env, log_path=workdir / "daphne.log", wait=False)
    try:
        wait_until(daphne.ready, PROCESS_START_TIMEOUT, "daphne")
        yield SignInBackend(daphne, count_file)
    finally:
        daphne.stop()

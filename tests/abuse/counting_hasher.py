"""A PBKDF2 hasher that records how many hashes ran and the most that ran at once, for the
backend the sign-in tests start (tests/abuse/counting_hasher_settings.py).

Django's own PBKDF2 with its own algorithm name: it reads the hashes users were given by the
test process, and verify() goes through encode(), so every hash is counted once.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher

COUNT_FILE_ENV = "HASH_COUNT_FILE"
ITERATIONS_ENV = "HASH_ITERATIONS"  # unset: Django's own count

_lock = threading.Lock()
_running = 0
_counts = {"hashes": 0, "most_at_once": 0}


def _record(change: int) -> None:
    global _running
    with _lock:
        _running += change
        if change > 0:
            _counts["hashes"] += 1
            _counts["most_at_once"] = max(_counts["most_at_once"], _running)
        # Written beside, then renamed over: the test reads it while hashes run, and a file
        # being rewritten in place reads empty for an instant.
        path = Path(os.environ[COUNT_FILE_ENV])
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(_counts))
        partial.replace(path)


class CountingPBKDF2Hasher(PBKDF2PasswordHasher):
    # A test that counts attempts, not what each costs, asks for quick hashes; the tests of
    # what hashing costs the pages keep Django's count.
    iterations = int(os.environ.get(ITERATIONS_ENV, PBKDF2PasswordHasher.iterations))

    def encode(self, password: str, salt: str, iterations: int | None = None) -> Any:
        _record(+1)
        try:
            return super().encode(password, salt, iterations)
        finally:
            _record(-1)


def read_counts(path: Path) -> dict[str, int]:
    """What the backend recorded (nothing hashed yet: zeros)."""
    if not path.exists():
        return {"hashes": 0, "most_at_once": 0}
    return dict(json.loads(path.read_text()))

"""The password hasher of the test process: Django's PBKDF2 at 1,000 iterations instead of
1,000,000 (a fifth of a second a hash on the 2-core machine, for every user a test creates or
signs in). Its hashes are ordinary ``pbkdf2_sha256`` ones that carry their iteration count, so a
backend the tests start, with the product's hashers, verifies them as it would any user's; the
backends' own hashing (sign-ups, the unknown-user hash of a failed sign-in, the throttles that
bound it) keeps the product's cost."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000

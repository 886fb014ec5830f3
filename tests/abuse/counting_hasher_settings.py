"""The backend's settings with a password hasher that counts (tests/abuse/counting_hasher.py)."""

from chatproject.settings import *  # noqa: F403

PASSWORD_HASHERS = ["tests.abuse.counting_hasher.CountingPBKDF2Hasher"]

"""Named dev accounts: on dev networks (Anvil) alice, bob, carol, ... are accounts 0, 1, 2, ..."""

from __future__ import annotations

DEV_ACCOUNT_NAMES: tuple[str, ...] = (
    "alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy",
)  # fmt: skip


def dev_account_index(name: str) -> int | None:
    """Anvil account index for a dev name (case-insensitive), or None."""
    try:
        return DEV_ACCOUNT_NAMES.index(name.strip().lower())
    except ValueError:
        return None

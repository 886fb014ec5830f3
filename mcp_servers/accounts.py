"""Named dev accounts: on dev networks (Anvil) alice, bob, carol, ... are accounts 0, 1, 2, ..."""

from __future__ import annotations

from chatproject.lib.networks import DEV_ACCOUNT_NAMES

__all__ = ["DEV_ACCOUNT_NAMES", "dev_account_index"]


def dev_account_index(name: str) -> int | None:
    """Anvil account index for a dev name (case-insensitive), or None."""
    try:
        return DEV_ACCOUNT_NAMES.index(name.strip().lower())
    except ValueError:
        return None

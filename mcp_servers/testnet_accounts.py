"""Each owner's own alice … judy on the testnet, so one visitor's sends never touch another's.

With TESTNET_ACCOUNTS=per_owner (the default), a call that carries an owner (every call from a
chat: the proxy sends the owner's hash) names accounts derived from a server secret and that
owner: the same ten addresses every time for the same person, unguessable to anyone else. The
node funds each with 10,000 ETH on first use (``anvil_setBalance``) and sends for it through
``anvil_impersonateAccount``; messages are signed with the derived key, which never leaves this
process. Calls without an owner (a direct MCP client, the tests' fixtures) and
TESTNET_ACCOUNTS=shared use the node's own unlocked accounts, Anvil's well-known ones.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress

from mcp_servers.accounts import DEV_ACCOUNT_NAMES
from mcp_servers.caller import CALLER_OWNER

PER_OWNER, SHARED = "per_owner", "shared"
STARTING_BALANCE_WEI = 10_000 * 10**18
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def current_owner() -> str:
    """The owner whose accounts this call uses, or "" for the node's shared accounts."""
    if settings.TESTNET_ACCOUNTS != PER_OWNER:
        return ""
    return CALLER_OWNER.get()


@functools.lru_cache(maxsize=1024)
def owner_accounts(secret: str, owner: str) -> tuple[LocalAccount, ...]:
    """alice … judy of ``owner``: keys from HMAC(secret, owner and name), one per name."""
    keys = []
    for name in DEV_ACCOUNT_NAMES:
        digest = hmac.new(secret.encode(), f"testnet:{owner}:{name}".encode(), hashlib.sha256)
        keys.append(int.from_bytes(digest.digest(), "big") % (SECP256K1_ORDER - 1) + 1)
    return tuple(Account.from_key(key.to_bytes(32, "big")) for key in keys)


def accounts_of(owner: str) -> list[ChecksumAddress]:
    return [account.address for account in owner_accounts(account_secret(), owner)]


def local_account(owner: str, address: str) -> LocalAccount | None:
    """The derived account behind ``address`` for ``owner``, if it is one of theirs."""
    for account in owner_accounts(account_secret(), owner):
        if account.address.lower() == address.lower():
            return account
    return None


def account_secret() -> str:
    return str(settings.TESTNET_ACCOUNTS_SECRET or settings.SECRET_KEY)

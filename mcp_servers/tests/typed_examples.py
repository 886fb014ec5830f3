"""Typed data as dapps ask for it (issue 26): EIP-2612 and DAI permits, Permit2 (the type
definitions of Uniswap's permit2 repository, PermitHash.sol and AllowanceTransfer) and Seaport
1.6 orders (ConsiderationTypeHashes.sol), for the signature tests."""

from __future__ import annotations

from typing import Any

PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"  # the same address on every chain
SEAPORT = "0x0000000000000068F116a894984e2DB1123eB395"  # Seaport 1.6
MAX_UINT160 = 2**160 - 1
MAX_UINT256 = 2**256 - 1
MAX_UINT48 = 2**48 - 1
DEADLINE = 1_900_000_000  # 2030-03-17

DOMAIN_TYPES = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
PERMIT2_DOMAIN_TYPES = [  # Permit2's domain has no version
    {"name": "name", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
PERMIT_DETAILS = [
    {"name": "token", "type": "address"},
    {"name": "amount", "type": "uint160"},
    {"name": "expiration", "type": "uint48"},
    {"name": "nonce", "type": "uint48"},
]
TOKEN_PERMISSIONS = [
    {"name": "token", "type": "address"},
    {"name": "amount", "type": "uint256"},
]


def typed(
    domain_types: list[dict[str, str]],
    types: dict[str, Any],
    primary: str,
    domain: dict[str, Any],
    message: dict[str, Any],
) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": domain_types, **types},
        "primaryType": primary,
        "domain": domain,
        "message": message,
    }


def eip2612_permit(
    chain_id: int, token: str, owner: str, spender: str, value: int
) -> dict[str, Any]:
    types = {
        "Permit": [
            {"name": "owner", "type": "address"},
            {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ]
    }
    domain = {
        "name": "Test Dollar",
        "version": "1",
        "chainId": chain_id,
        "verifyingContract": token,
    }
    message = {"owner": owner, "spender": spender, "value": value, "nonce": 0,
               "deadline": DEADLINE}  # fmt: skip
    return typed(DOMAIN_TYPES, types, "Permit", domain, message)


def dai_permit(
    chain_id: int, token: str, holder: str, spender: str, allowed: bool
) -> dict[str, Any]:
    """DAI's own permit (2019): no amount, only allowed=true (unlimited) or false (revoke)."""
    types = {
        "Permit": [
            {"name": "holder", "type": "address"},
            {"name": "spender", "type": "address"},
            {"name": "nonce", "type": "uint256"},
            {"name": "expiry", "type": "uint256"},
            {"name": "allowed", "type": "bool"},
        ]
    }
    domain = {"name": "Dai Stablecoin", "version": "1", "chainId": chain_id,
              "verifyingContract": token}  # fmt: skip
    message = {"holder": holder, "spender": spender, "nonce": 0, "expiry": 0, "allowed": allowed}
    return typed(DOMAIN_TYPES, types, "Permit", domain, message)


def permit2_domain(chain_id: int) -> dict[str, Any]:
    return {"name": "Permit2", "chainId": chain_id, "verifyingContract": PERMIT2}


def permit_single(chain_id: int, token: str, spender: str, amount: int) -> dict[str, Any]:
    types = {
        "PermitSingle": [
            {"name": "details", "type": "PermitDetails"},
            {"name": "spender", "type": "address"},
            {"name": "sigDeadline", "type": "uint256"},
        ],
        "PermitDetails": PERMIT_DETAILS,
    }
    details = {"token": token, "amount": amount, "expiration": DEADLINE, "nonce": 0}
    message = {"details": details, "spender": spender, "sigDeadline": DEADLINE}
    return typed(PERMIT2_DOMAIN_TYPES, types, "PermitSingle", permit2_domain(chain_id), message)


def permit_batch(chain_id: int, tokens: list[str], spender: str, amount: int) -> dict[str, Any]:
    types = {
        "PermitBatch": [
            {"name": "details", "type": "PermitDetails[]"},
            {"name": "spender", "type": "address"},
            {"name": "sigDeadline", "type": "uint256"},
        ],
        "PermitDetails": PERMIT_DETAILS,
    }
    details = [{"token": t, "amount": amount, "expiration": 0, "nonce": 0} for t in tokens]
    message = {"details": details, "spender": spender, "sigDeadline": DEADLINE}
    return typed(PERMIT2_DOMAIN_TYPES, types, "PermitBatch", permit2_domain(chain_id), message)


def permit_transfer_from(chain_id: int, token: str, spender: str, amount: int) -> dict[str, Any]:
    types = {
        "PermitTransferFrom": [
            {"name": "permitted", "type": "TokenPermissions"},
            {"name": "spender", "type": "address"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ],
        "TokenPermissions": TOKEN_PERMISSIONS,
    }
    message = {"permitted": {"token": token, "amount": amount}, "spender": spender, "nonce": 7,
               "deadline": DEADLINE}  # fmt: skip
    domain = permit2_domain(chain_id)
    return typed(PERMIT2_DOMAIN_TYPES, types, "PermitTransferFrom", domain, message)


def permit_batch_transfer_from(
    chain_id: int, tokens: list[str], spender: str, amount: int
) -> dict[str, Any]:
    types = {
        "PermitBatchTransferFrom": [
            {"name": "permitted", "type": "TokenPermissions[]"},
            {"name": "spender", "type": "address"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ],
        "TokenPermissions": TOKEN_PERMISSIONS,
    }
    permitted = [{"token": token, "amount": amount} for token in tokens]
    message = {"permitted": permitted, "spender": spender, "nonce": 8, "deadline": DEADLINE}
    domain = permit2_domain(chain_id)
    return typed(PERMIT2_DOMAIN_TYPES, types, "PermitBatchTransferFrom", domain, message)


def permit_witness_transfer_from(
    chain_id: int, token: str, spender: str, amount: int
) -> dict[str, Any]:
    """A signature transfer that also signs the order it pays for (the witness), as UniswapX
    and Permit2's own tests (MockWitness) do."""
    types = {
        "PermitWitnessTransferFrom": [
            {"name": "permitted", "type": "TokenPermissions"},
            {"name": "spender", "type": "address"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
            {"name": "witness", "type": "MockWitness"},
        ],
        "MockWitness": [
            {"name": "value", "type": "uint256"},
            {"name": "person", "type": "address"},
            {"name": "test", "type": "bool"},
        ],
        "TokenPermissions": TOKEN_PERMISSIONS,
    }
    witness = {"value": 42, "person": spender, "test": True}
    message = {"permitted": {"token": token, "amount": amount}, "spender": spender, "nonce": 9,
               "deadline": DEADLINE, "witness": witness}  # fmt: skip
    domain = permit2_domain(chain_id)
    return typed(PERMIT2_DOMAIN_TYPES, types, "PermitWitnessTransferFrom", domain, message)


SEAPORT_TYPES = {
    "OrderComponents": [
        {"name": "offerer", "type": "address"},
        {"name": "zone", "type": "address"},
        {"name": "offer", "type": "OfferItem[]"},
        {"name": "consideration", "type": "ConsiderationItem[]"},
        {"name": "orderType", "type": "uint8"},
        {"name": "startTime", "type": "uint256"},
        {"name": "endTime", "type": "uint256"},
        {"name": "zoneHash", "type": "bytes32"},
        {"name": "salt", "type": "uint256"},
        {"name": "conduitKey", "type": "bytes32"},
        {"name": "counter", "type": "uint256"},
    ],
    "OfferItem": [
        {"name": "itemType", "type": "uint8"},
        {"name": "token", "type": "address"},
        {"name": "identifierOrCriteria", "type": "uint256"},
        {"name": "startAmount", "type": "uint256"},
        {"name": "endAmount", "type": "uint256"},
    ],
    "ConsiderationItem": [
        {"name": "itemType", "type": "uint8"},
        {"name": "token", "type": "address"},
        {"name": "identifierOrCriteria", "type": "uint256"},
        {"name": "startAmount", "type": "uint256"},
        {"name": "endAmount", "type": "uint256"},
        {"name": "recipient", "type": "address"},
    ],
}
ZERO = "0x" + "0" * 40
ZERO_WORD = "0x" + "0" * 64


def offer_item(item_type: int, token: str, identifier: int, amount: int) -> dict[str, Any]:
    return {"itemType": item_type, "token": token, "identifierOrCriteria": identifier,
            "startAmount": amount, "endAmount": amount}  # fmt: skip


def consideration_item(
    item_type: int, token: str, identifier: int, amount: int, recipient: str
) -> dict[str, Any]:
    return offer_item(item_type, token, identifier, amount) | {"recipient": recipient}


def seaport_order(
    chain_id: int,
    offerer: str,
    offer: list[dict[str, Any]],
    consideration: list[dict[str, Any]],
) -> dict[str, Any]:
    domain = {"name": "Seaport", "version": "1.6", "chainId": chain_id,
              "verifyingContract": SEAPORT}  # fmt: skip
    message = {"offerer": offerer, "zone": ZERO, "offer": offer, "consideration": consideration,
               "orderType": 0, "startTime": 1_700_000_000, "endTime": DEADLINE,
               "zoneHash": ZERO_WORD, "salt": 12345, "conduitKey": ZERO_WORD,
               "counter": 0}  # fmt: skip
    return typed(DOMAIN_TYPES, SEAPORT_TYPES, "OrderComponents", domain, message)


def mail(chain_id: int, contents: str = "Hello, Bob!") -> dict[str, Any]:
    """EIP-712's own example: nothing this server can decode."""
    person = [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}]
    types = {
        "Person": person,
        "Mail": [
            {"name": "from", "type": "Person"},
            {"name": "to", "type": "Person"},
            {"name": "contents", "type": "string"},
        ],
    }
    domain = {"name": "Ether Mail", "version": "1", "chainId": chain_id,
              "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"}  # fmt: skip
    message = {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": contents,
    }
    return typed(DOMAIN_TYPES, types, "Mail", domain, message)


DAI_MAINNET = "0x6B175474E89094C44Da98b954EedeAC495271d0F"  # no code on the test chains

"""sign_message and sign_typed_data: signed by the dev account on testnet (Anvil's eth_sign /
eth_signTypedData_v4, checked by recovering the signer); elsewhere a signature request for
the user's wallet; a Permit is judged by the spend policy like an approval."""

from __future__ import annotations

from typing import Any

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, BOB, call, error_of

DOMAIN_TYPES = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
PERMIT_TYPES = [
    {"name": "owner", "type": "address"},
    {"name": "spender", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]


def permit(chain_id: int, token: str, value: int) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": DOMAIN_TYPES, "Permit": PERMIT_TYPES},
        "primaryType": "Permit",
        "domain": {
            "name": "Test Dollar",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": token,
        },
        "message": {"owner": ALICE, "spender": BOB, "value": value, "nonce": 0, "deadline": 2**40},
    }


async def test_the_dev_account_signs_a_message(chain: Chain) -> None:
    result = await call(chain, "sign_message", from_address="alice", message="Log in to EVM chat")
    data = result.structured_content or {}
    assert data["valid"] is True and data["recovered"] == ALICE
    assert len(data["signature"]) == 132
    hexed = await call(
        chain, "sign_message", from_address="bob", message="0xdeadbeef", encoding="hex"
    )
    assert (hexed.structured_content or {})["recovered"] == BOB


async def test_the_dev_account_signs_typed_data_and_a_permit_is_judged(
    chain: Chain, usd: str
) -> None:
    result = await call(
        chain, "sign_typed_data", from_address="alice", typed_data=permit(31337, usd, 2**256 - 1)
    )
    data = result.structured_content or {}
    assert data["valid"] is True and data["recovered"] == ALICE
    summary = data["summary"]
    assert (
        summary["kind"] == "permit" and summary["unlimited"] is True and summary["spender"] == BOB
    )
    assert "Unlimited approval" in result.content[0].text  # type: ignore[union-attr]
    small = await call(
        chain, "sign_typed_data", from_address="alice", typed_data=permit(31337, usd, 1_500_000)
    )
    assert (small.structured_content or {})["summary"]["amount"] == "1.5"


async def test_elsewhere_the_wallet_is_asked_to_sign(polygon_chain: Chain) -> None:
    wallet = "0x000000000000000000000000000000000000bEEF"
    result = await call(polygon_chain, "sign_message", from_address=wallet, message="hi")
    data = result.structured_content or {}
    assert data["signature_request"] == {"method": "personal_sign", "params": ["0x6869", wallet]}
    assert "signature" not in data
    typed = {
        "types": {
            "EIP712Domain": [{"name": "chainId", "type": "uint256"}],
            "Hello": [{"name": "who", "type": "string"}],
        },
        "primaryType": "Hello",
        "domain": {"chainId": 137},
        "message": {"who": "world"},
    }
    asked = await call(polygon_chain, "sign_typed_data", from_address=wallet, typed_data=typed)
    request = (asked.structured_content or {})["signature_request"]
    assert request["method"] == "eth_signTypedData_v4" and request["params"][0] == wallet


async def test_bad_signing_input_is_refused(chain: Chain, usd: str, settings: Any) -> None:
    assert "not one of the testnet node's unlocked accounts" in await error_of(
        chain,
        "sign_message",
        from_address="0x000000000000000000000000000000000000bEEF",
        message="x",
    )
    assert "for chain 1, not testnet" in await error_of(
        chain, "sign_typed_data", from_address="alice", typed_data=permit(1, usd, 1)
    )
    assert "not valid EIP-712" in await error_of(
        chain, "sign_typed_data", from_address="alice", typed_data={"primaryType": "Nothing"}
    )
    assert "0x followed by hex" in await error_of(
        chain, "sign_message", from_address="alice", message="zz", encoding="hex"
    )
    settings.SPEND_DENIED_RECIPIENTS = [BOB]
    assert "the spender bob (0x7099…79C8) is on the deny list" in await error_of(
        chain, "sign_typed_data", from_address="alice", typed_data=permit(31337, usd, 5)
    )

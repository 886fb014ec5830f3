"""Signatures are decoded and judged like the approvals and transfers they allow (issue 26):
Permit2, EIP-2612 and DAI permits, Seaport orders; typed data the server cannot decode and
personal_sign of a bare hash are never "allowed" without a warning. On testnet the dev account
signs; on polygon (a wallet network) a signature request is returned only when the policy lets
it through."""

from __future__ import annotations

from typing import Any

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, BOB, call, error_of
from mcp_servers.tests.typed_examples import (
    DAI_MAINNET,
    MAX_UINT160,
    consideration_item,
    dai_permit,
    eip2612_permit,
    mail,
    offer_item,
    permit_single,
    seaport_order,
)

TESTNET, POLYGON = 31337, 137
CAROL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
WALLET = "0x000000000000000000000000000000000000bEEF"  # a user's wallet on polygon


async def summary_of(chain: Chain, signer: str, typed: dict[str, Any]) -> dict[str, Any]:
    result = await call(chain, "sign_typed_data", from_address=signer, typed_data=typed)
    assert not result.is_error, result.content
    data = result.structured_content or {}
    if chain.network.dev:
        assert data["valid"] is True  # the dev account really signed it
    else:
        assert data["signature_request"]["method"] == "eth_signTypedData_v4"
    return dict(data["summary"])


async def test_a_permit2_allowance_for_a_denied_spender_is_refused(
    chain: Chain, polygon_chain: Chain, usd: str, settings: Any
) -> None:
    settings.SPEND_DENIED_RECIPIENTS = [BOB]
    refused = await error_of(
        chain, "sign_typed_data", from_address="alice",
        typed_data=permit_single(TESTNET, usd, BOB, 5_000_000),
    )  # fmt: skip
    assert "the spender bob (0x7099…79C8) is on the deny list" in refused
    assert "is on the deny list" in await error_of(
        polygon_chain, "sign_typed_data", from_address=WALLET,
        typed_data=permit_single(POLYGON, usd, BOB, 5_000_000),
    )  # fmt: skip
    settings.SPEND_DENIED_RECIPIENTS = []
    summary = await summary_of(chain, "alice", permit_single(TESTNET, usd, BOB, 5_000_000))
    assert summary["policy"] == {"verdict": "allowed", "warnings": [], "notes": []}
    assert (
        summary["action"]
        == "Sign a Permit2 allowance: allow bob (0x7099…79C8) to spend up to 5 TUSD"
    )
    assert (summary["kind"], summary["checked"], summary["fee"]) == ("permit2", "decoded", None)
    [effect] = summary["effects"]
    assert effect | {"text": ""} == {
        "kind": "approval", "standard": "permit2", "address": ALICE, "you": True, "asset": usd,
        "symbol": "TUSD", "decimals": 6, "token_id": None, "amount": "5", "raw": "5000000",
        "counterparty": BOB, "counterparty_label": "bob (0x7099…79C8)", "unlimited": False,
        "text": "",
    }  # fmt: skip


async def test_an_unlimited_permit2_allowance_warns_or_is_refused(
    chain: Chain, usd: str, settings: Any
) -> None:
    summary = await summary_of(chain, "alice", permit_single(TESTNET, usd, CAROL, MAX_UINT160))
    assert summary["policy"]["verdict"] == "warning"
    assert summary["policy"]["warnings"][0].startswith("Unlimited approval: carol")
    assert summary["effects"][0]["amount"] == "unlimited" and summary["unlimited"] is True
    settings.SPEND_REFUSE_UNLIMITED_APPROVALS = True
    assert "refuses unlimited approvals" in await error_of(
        chain, "sign_typed_data", from_address="alice",
        typed_data=permit_single(TESTNET, usd, CAROL, MAX_UINT160),
    )  # fmt: skip


async def test_a_dai_permit_with_allowed_true_is_unlimited(polygon_chain: Chain) -> None:
    summary = await summary_of(
        polygon_chain, WALLET, dai_permit(POLYGON, DAI_MAINNET, WALLET, BOB, True)
    )
    [effect] = summary["effects"]
    assert (effect["unlimited"], effect["amount"], effect["you"]) == (True, "unlimited", True)
    assert summary["policy"]["verdict"] == "warning"
    assert "Unlimited approval" in summary["policy"]["warnings"][0]
    revoke = await summary_of(
        polygon_chain, WALLET, dai_permit(POLYGON, DAI_MAINNET, WALLET, BOB, False)
    )
    assert revoke["policy"]["verdict"] == "allowed"
    assert revoke["action"].startswith("Sign a permit: take back 0x7099…79C8's allowance")


async def test_an_eip2612_permit_above_the_tokens_cap_is_refused(
    chain: Chain, usd: str, settings: Any
) -> None:
    settings.SPEND_TOKEN_LIMITS = ["TUSD:5:10"]
    refused = await error_of(
        chain, "sign_typed_data", from_address="alice",
        typed_data=eip2612_permit(TESTNET, usd, ALICE, BOB, 6_000_000),
    )  # fmt: skip
    assert "6 TUSD is more than the 5 TUSD allowed in one transaction" in refused
    summary = await summary_of(chain, "alice", eip2612_permit(TESTNET, usd, ALICE, BOB, 5_000_000))
    assert summary["policy"]["verdict"] == "allowed"
    assert (summary["kind"], summary["amount"], summary["spender"]) == ("permit", "5", BOB)


async def test_a_permit_for_someone_elses_tokens_warns_and_is_still_judged(
    chain: Chain, usd: str, settings: Any
) -> None:
    """alice signs a permit that names bob as the owner: useless from her own account, but a
    smart account of bob's might accept it, so its spender is judged all the same."""
    summary = await summary_of(chain, "alice", eip2612_permit(TESTNET, usd, BOB, CAROL, 1))
    assert (
        "names bob (0x7099…79C8) as the owner, not the signer alice"
        in (summary["policy"]["warnings"][0])
    )
    assert summary["effects"][0]["you"] is False
    settings.SPEND_DENIED_RECIPIENTS = [CAROL]
    assert "is on the deny list" in await error_of(
        chain, "sign_typed_data", from_address="alice",
        typed_data=eip2612_permit(TESTNET, usd, BOB, CAROL, 1),
    )  # fmt: skip


async def test_a_seaport_order_says_what_you_give_and_get(
    chain: Chain, usd: str, nft: str, settings: Any
) -> None:
    """alice lists CAT #1 for 100 TUSD, with 2.5 TUSD to carol as the marketplace fee; what
    she gives counts against the per-transaction cap."""
    offer = [offer_item(2, nft, 1, 1)]
    consideration = [
        consideration_item(1, usd, 0, 100_000_000, ALICE),
        consideration_item(1, usd, 0, 2_500_000, CAROL),
    ]
    summary = await summary_of(chain, "alice", seaport_order(TESTNET, ALICE, offer, consideration))
    assert summary["action"] == "Sign a Seaport order: you give CAT #1; you get 100 TUSD"
    assert summary["fields"][:2] == [
        {"name": "You give", "value": "CAT #1"},
        {"name": "You get", "value": "100 TUSD"},
    ]
    texts = [(e["you"], e["text"]) for e in summary["effects"]]
    assert texts[:2] == [
        (True, "You send CAT #1 to whoever fills the order"),
        (True, "You receive 100 TUSD"),
    ]
    assert texts[2][0] is False  # the fee: the filler pays carol
    assert summary["policy"]["verdict"] == "allowed"
    settings.SPEND_TOKEN_LIMITS = ["TUSD:5:"]
    bid = seaport_order(TESTNET, ALICE, [offer_item(1, usd, 0, 10_000_000)],
                        [consideration_item(2, nft, 2, 1, ALICE)])  # fmt: skip
    assert "10 TUSD is more than the 5 TUSD allowed in one transaction" in await error_of(
        chain, "sign_typed_data", from_address="alice", typed_data=bid
    )


async def test_unknown_typed_data_cannot_be_verified_and_shows_its_fields(
    polygon_chain: Chain, settings: Any
) -> None:
    summary = await summary_of(polygon_chain, WALLET, mail(POLYGON))
    assert (summary["kind"], summary["checked"]) == ("typed_data", "unknown")
    assert summary["policy"]["verdict"] == "cannot_verify"
    assert "what signing it allows is unknown" in summary["policy"]["warnings"][0]
    assert {"name": "message.contents", "value": "Hello, Bob!"} in summary["fields"]
    settings.SPEND_REFUSE_UNVERIFIED = True
    assert "refuses what it cannot verify" in await error_of(
        polygon_chain, "sign_typed_data", from_address=WALLET, typed_data=mail(POLYGON)
    )


async def test_personal_sign_of_a_bare_hash_warns(chain: Chain, polygon_chain: Chain) -> None:
    digest = "0x" + "ab" * 32
    signed = await call(chain, "sign_message", from_address="alice", message=digest,
                        encoding="hex")  # fmt: skip
    summary = (signed.structured_content or {})["summary"]
    assert summary["checked"] == "unknown" and summary["policy"]["verdict"] == "cannot_verify"
    assert "bare 32-byte value" in summary["policy"]["warnings"][0]
    assert "Warning: This message is a bare 32-byte value" in signed.content[0].text  # type: ignore[union-attr]
    asked = await call(polygon_chain, "sign_message", from_address=WALLET, message=digest)
    data = asked.structured_content or {}
    assert "bare 32-byte value" in data["summary"]["policy"]["warnings"][0]
    assert data["signature_request"]["method"] == "personal_sign"
    plain = await call(chain, "sign_message", from_address="alice", message="Log in to EVM chat")
    plain_summary = (plain.structured_content or {})["summary"]
    assert plain_summary["policy"] == {"verdict": "allowed", "warnings": [], "notes": []}
    assert plain_summary["checked"] == "decoded" and plain_summary["effects"] == []


async def test_typed_data_for_another_chain_is_refused(chain: Chain, usd: str) -> None:
    assert "for chain 1, not testnet (chain 31337); refusing to sign it here" in await error_of(
        chain, "sign_typed_data", from_address="alice", typed_data=permit_single(1, usd, BOB, 5)
    )
    odd = permit_single(TESTNET, usd, BOB, 5)
    odd["domain"]["chainId"] = "mainnet"
    assert "chainId must be a whole number like 1 or 137, not 'mainnet'" in await error_of(
        chain, "sign_typed_data", from_address="alice", typed_data=odd
    )

"""The typed-data decoders (tools/typed_data.py), without a chain: what signing a permit, a
Permit2 allowance or transfer, or a Seaport order allows, as effects for the card and the
spend policy; anything else field by field."""

from __future__ import annotations

from typing import Any

from mcp_servers.effects import APPROVAL, TRANSFER, Effect
from mcp_servers.tests.conftest import ALICE, BOB
from mcp_servers.tests.typed_examples import (
    MAX_UINT160,
    MAX_UINT256,
    SEAPORT,
    ZERO,
    consideration_item,
    dai_permit,
    eip2612_permit,
    mail,
    offer_item,
    permit_batch,
    permit_batch_transfer_from,
    permit_single,
    permit_transfer_from,
    permit_witness_transfer_from,
    seaport_order,
)
from mcp_servers.tools import typed_data

CAROL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
DAI = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
CATS = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"


def decoded(typed: dict[str, Any], signer: str = ALICE) -> typed_data.Decoded:
    typed_data.check(typed, 1, "mainnet")
    return typed_data.decode(typed, signer, "ETH")


def approval(effect: Effect) -> tuple[str, str, str, str, int, bool]:
    return (effect.kind, effect.standard, effect.address, str(effect.counterparty),
            effect.amount, effect.unlimited)  # fmt: skip


def test_an_eip2612_permit_is_an_allowance_of_the_domain_token() -> None:
    found = decoded(eip2612_permit(1, USDC, ALICE, BOB, 1_500_000))
    assert (found.kind, found.checked, found.owner) == ("permit", "decoded", ALICE)
    assert [approval(e) for e in found.effects] == [
        (APPROVAL, "erc20", ALICE, BOB, 1_500_000, False)
    ]
    assert found.effects[0].asset == USDC
    assert {"name": "Signature valid until", "value": "2030-03-17 17:46 UTC"} in found.fields
    unlimited = decoded(eip2612_permit(1, USDC, ALICE, BOB, MAX_UINT256))
    assert unlimited.effects[0].unlimited is True


def test_a_dai_permit_is_unlimited_or_a_revoke() -> None:
    granted = decoded(dai_permit(1, DAI, ALICE, BOB, True))
    assert [approval(e) for e in granted.effects] == [
        (APPROVAL, "erc20", ALICE, BOB, MAX_UINT256, True)
    ]
    assert {"name": "Signature valid until", "value": "never"} in granted.fields
    revoked = decoded(dai_permit(1, DAI, ALICE, BOB, False))
    assert revoked.effects[0].amount == 0 and not revoked.effects[0].grants


def test_permit2_allowances_are_approvals_of_the_signers_tokens() -> None:
    single = decoded(permit_single(1, USDC, BOB, MAX_UINT160))
    assert single.kind == "permit2" and single.title == "Sign a Permit2 allowance"
    assert [approval(e) for e in single.effects] == [
        (APPROVAL, "permit2", ALICE, BOB, MAX_UINT160, True)
    ]
    names = [field["name"] for field in single.fields]
    assert names == ["Allowance of 0xA0b8…eB48 ends", "Signature valid until"]
    batch = decoded(permit_batch(1, [USDC, DAI], BOB, 5))
    assert [(e.asset, e.amount, e.unlimited) for e in batch.effects] == [
        (USDC, 5, False),
        (DAI, 5, False),
    ]
    assert batch.fields[0]["value"] == "the block it is used in (expiration 0)"


def test_permit2_signature_transfers_and_their_witness_variants_are_approvals() -> None:
    once = decoded(permit_transfer_from(1, USDC, BOB, 2_000_000))
    assert once.title == "Sign a Permit2 transfer"
    assert [approval(e) for e in once.effects] == [
        (APPROVAL, "permit2", ALICE, BOB, 2_000_000, False)
    ]
    batch = decoded(permit_batch_transfer_from(1, [USDC, WETH], CAROL, MAX_UINT256))
    assert [(e.asset, e.counterparty, e.unlimited) for e in batch.effects] == [
        (USDC, CAROL, True),
        (WETH, CAROL, True),
    ]
    witnessed = decoded(permit_witness_transfer_from(1, USDC, BOB, 3))
    assert [approval(e) for e in witnessed.effects] == [(APPROVAL, "permit2", ALICE, BOB, 3, False)]
    assert {"name": "message.witness.value", "value": "42"} in witnessed.fields


def test_a_seaport_listing_says_what_the_offerer_gives_and_gets() -> None:
    """alice lists CAT #7 for 1 ETH, of which 0.025 ETH goes to the marketplace as a fee."""
    offer = [offer_item(2, CATS, 7, 1)]
    consideration = [
        consideration_item(0, ZERO, 0, 975 * 10**15, ALICE),
        consideration_item(0, ZERO, 0, 25 * 10**15, CAROL),
    ]
    found = decoded(seaport_order(1, ALICE, offer, consideration))
    assert (found.kind, found.owner, found.warnings) == ("seaport", ALICE, [])
    gives, gets, fee = found.effects
    assert (gives.kind, gives.standard, gives.address, gives.amount, gives.token_id) == (
        TRANSFER, "erc721", ALICE, -1, 7)  # fmt: skip
    assert gives.counterparty_label == "whoever fills the order"
    assert (gets.asset, gets.symbol, gets.amount, gets.address) == (
        "native", "ETH", 975 * 10**15, ALICE)  # fmt: skip
    assert (fee.address, fee.amount) == (CAROL, 25 * 10**15)  # someone else's: the filler pays


def test_a_seaport_order_that_pays_nothing_or_takes_any_token_warns() -> None:
    offer = [offer_item(4, CATS, 0, 3), offer_item(1, WETH, 0, 10**18)]
    found = decoded(seaport_order(1, ALICE, offer, [consideration_item(0, ZERO, 0, 1, CAROL)]))
    assert [e.amount for e in found.effects if e.address == ALICE] == [-3, -(10**18)]
    assert any("any token of the collection 0xBC4C…f13D" in w for w in found.warnings)
    assert any("pays the offerer nothing" in w for w in found.warnings)
    assert found.effects[0].token_id is None


def test_unknown_typed_data_is_shown_field_by_field() -> None:
    found = decoded(mail(1))
    assert (found.kind, found.checked, found.effects) == ("typed_data", "unknown", [])
    assert found.fields == [
        {"name": "message.from.name", "value": "Cow"},
        {"name": "message.from.wallet", "value": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        {"name": "message.to.name", "value": "Bob"},
        {"name": "message.to.wallet", "value": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        {"name": "message.contents", "value": "Hello, Bob!"},
    ]
    assert "what signing it allows is unknown" in found.warnings[0]


def test_the_shown_fields_are_bounded_in_count_and_length() -> None:
    long = decoded(mail(1, "x" * 5000))
    assert len(long.fields[-1]["value"]) == typed_data.MAX_VALUE_CHARS
    many = typed_data.flatten({"items": list(range(100))}, "message")
    assert len(many) == typed_data.MAX_SHOWN_FIELDS + 1
    assert many[-1] == {"name": "…", "value": "60 more fields not shown"}


def test_a_known_name_with_other_field_types_is_unknown_not_a_crash() -> None:
    """A "Permit" whose value is text is not an EIP-2612 permit: shown field by field."""
    permit = eip2612_permit(1, USDC, ALICE, BOB, 5)
    permit["types"]["Permit"][2]["type"] = "string"
    permit["message"]["value"] = "everything"
    found = decoded(permit)
    assert found.checked == "unknown"
    assert {"name": "message.value", "value": "everything"} in found.fields


def test_seaport_is_recognised_only_by_its_domain() -> None:
    order = seaport_order(1, ALICE, [offer_item(1, WETH, 0, 1)], [])
    order["domain"]["name"] = "NotSeaport"
    assert decoded(order).checked == "unknown"
    assert order["domain"]["verifyingContract"] == SEAPORT

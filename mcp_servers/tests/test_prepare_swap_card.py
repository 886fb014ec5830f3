"""prepare_swap gives a wallet the calls of a swap in order, and one card for all of them: an
approval of exactly the amount for the router (none for ETH, which goes as value), then the
swap; the card says what alice sends, receives at least and allows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import eth_abi
import pytest
from eth_utils import keccak
from web3 import Web3

from mcp_servers import testnet_kit as kit
from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import call

pytestmark = pytest.mark.django_db
APPROVE = keccak(text="approve(address,uint256)")[:4]


async def prepared_swap(chain: Chain, **arguments: Any) -> tuple[dict[str, Any], str]:
    result = await call(chain, "prepare_swap", from_address="alice", **arguments)
    assert not result.is_error, result.content
    return result.structured_content or {}, result.content[0].text  # type: ignore[union-attr]


def effect_texts(data: dict[str, Any]) -> list[str]:
    return [effect["text"] for effect in data["summary"]["effects"]]


async def test_usdc_to_dai_is_an_exact_approval_then_the_swap(chain: Chain, sync_w3: Web3) -> None:
    await chain.ready()
    alice = sync_w3.eth.accounts[0]
    data, text = await prepared_swap(chain, token_in="USDC", token_out="DAI", amount="250")
    assert data["kind"] == "swap" and len(data["calls"]) == 2
    approval, swap = data["calls"]
    assert approval["to"] == kit.USDC and approval["from"] == alice
    assert bytes.fromhex(approval["data"][2:10]) == APPROVE
    spender, amount = eth_abi.decode(["address", "uint256"], bytes.fromhex(approval["data"][10:]))
    assert spender.lower() == kit.SWAP_ROUTER.lower() and amount == 250 * 10**6  # exact
    assert swap["to"] == kit.SWAP_ROUTER and data["transaction"] == swap
    assert int(swap["nonce"], 16) == int(approval["nonce"], 16) + 1
    assert int(swap["gas"], 16) > 50_000 and int(approval["gas"], 16) > 20_000
    quote = data["quote"]
    assert quote["amount_in"] == "250" and quote["fee_tier"] == 500 and quote["deadline"]
    texts = effect_texts(data)
    assert any(t.startswith("You send 250 USDC") for t in texts), texts
    assert any(t.startswith("You receive") and "DAI" in t for t in texts), texts
    assert "You allow the Uniswap V3 router (0x7267…378c) to spend 250 USDC" in texts, texts
    assert data["summary"]["effects"][-1]["kind"] == "fee"
    assert data["summary"]["checked"] == "simulated"
    assert data["summary"]["policy"]["warnings"] == []  # it does what it says, nothing more
    assert f"at least {quote['minimum_out']} DAI" in text and "two transactions" in text


async def test_eth_to_usdc_has_no_approval_and_sends_value(chain: Chain) -> None:
    data, text = await prepared_swap(chain, token_in="ETH", token_out="USDC", amount="1")
    assert len(data["calls"]) == 1
    swap = data["transaction"]
    assert swap["to"] == kit.SWAP_ROUTER and int(swap["value"], 16) == 10**18
    texts = effect_texts(data)
    assert any(t.startswith("You send 1 ETH") for t in texts), texts
    assert not any(t.startswith("You allow") for t in texts)
    minimum = Decimal(data["quote"]["minimum_out"])
    expected = Decimal(data["quote"]["expected_out"])
    assert minimum == (expected * Decimal("0.995")).quantize(Decimal("0.000001"), "ROUND_DOWN")
    assert "one signature" in text and f"at least {data['quote']['minimum_out']} USDC" in text


async def test_an_allowance_that_covers_the_amount_needs_no_approval(
    chain: Chain, sync_w3: Web3
) -> None:
    await chain.ready()
    dave = sync_w3.eth.accounts[3]
    tx = {"from": dave, "to": kit.DAI, "data": kit.call("approve(address,uint256)",
                                                         kit.SWAP_ROUTER, 10**18)}  # fmt: skip
    sync_w3.eth.wait_for_transaction_receipt(sync_w3.eth.send_transaction(tx))  # type: ignore[arg-type]
    result = await call(chain, "prepare_swap", from_address="dave", token_in="DAI",
                        token_out="USDC", amount="1")  # fmt: skip
    assert not result.is_error, result.content
    assert len((result.structured_content or {})["calls"]) == 1

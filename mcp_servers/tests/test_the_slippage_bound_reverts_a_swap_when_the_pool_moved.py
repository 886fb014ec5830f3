"""A prepared swap carries the minimum output its slippage allows: when bob moves the pool
first, alice's signed swap reverts with Uniswap's "Too little received" instead of giving her
less (an Anvil of its own: the pool moves for good)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractLogicError

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import call, network_for
from testsupport.processes import Anvil, start_anvil

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_anvil() -> Iterator[Anvil]:
    anvil = start_anvil(chain_id=31337)
    yield anvil
    anvil.stop()


@pytest.fixture
async def own_chain(own_anvil: Anvil) -> AsyncIterator[Chain]:
    chain = Chain(network_for("testnet", own_anvil.url), timeout=10)
    yield chain
    await chain.w3.provider.disconnect()  # type: ignore[attr-defined]


def signed_as_prepared(tx: dict[str, Any]) -> dict[str, Any]:
    """The prepared transaction as a wallet sends it (Anvil signs for alice)."""
    keys = ("from", "to", "value", "data", "gas", "maxFeePerGas", "maxPriorityFeePerGas", "nonce")
    return {key: tx[key] for key in keys}


async def test_bob_moving_the_pool_first_makes_alices_swap_revert(
    own_chain: Chain, own_anvil: Anvil
) -> None:
    prepared = await call(own_chain, "prepare_swap", from_address="alice", token_in="ETH",
                          token_out="USDC", amount="1", slippage_percent=0.5)  # fmt: skip
    assert not prepared.is_error, prepared.content
    tx = (prepared.structured_content or {})["transaction"]
    w3 = Web3(HTTPProvider(own_anvil.url))
    assert w3.eth.call(signed_as_prepared(tx) | {"gas": tx["gas"]})  # fine as prepared
    moved = await call(own_chain, "send_swap", from_address="bob", token_in="ETH",
                       token_out="USDC", amount="50")  # fmt: skip
    assert not moved.is_error, moved.content
    with pytest.raises(ContractLogicError, match="Too little received"):
        w3.eth.call(signed_as_prepared(tx))  # type: ignore[arg-type]
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction(signed_as_prepared(tx))  # type: ignore[arg-type]
    )
    assert receipt["status"] == 0  # mined, reverted: alice keeps her ETH but the fee


async def test_a_swap_prepared_with_its_approval_reverts_after_the_pool_moved(
    own_chain: Chain, own_anvil: Anvil
) -> None:
    prepared = await call(own_chain, "prepare_swap", from_address="alice", token_in="USDC",
                          token_out="DAI", amount="1000")  # fmt: skip
    assert not prepared.is_error, prepared.content
    approval, swap = (prepared.structured_content or {})["calls"]
    moved = await call(own_chain, "send_swap", from_address="bob", token_in="USDC",
                       token_out="DAI", amount="5000")  # fmt: skip
    assert not moved.is_error, moved.content
    w3 = Web3(HTTPProvider(own_anvil.url))
    first = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction(signed_as_prepared(approval))  # type: ignore[arg-type]
    )
    assert first["status"] == 1
    with pytest.raises(ContractLogicError, match="Too little received"):
        w3.eth.call(signed_as_prepared(swap))  # type: ignore[arg-type]
    refused = await call(own_chain, "send_swap", from_address="alice", token_in="USDC",
                         token_out="DAI", amount="1000", slippage_percent=0)  # fmt: skip
    assert not refused.is_error  # a new quote is taken at the moved price: it goes through

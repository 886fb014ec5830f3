"""The write paths: send_transaction on dev networks, prepare_transaction everywhere."""

from __future__ import annotations

from eth_account import Account
from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE_KEY, error_of, network_for, token_contract
from mcp_servers.tools import specs_for, writes
from testsupport.processes import start_anvil


async def test_send_transaction_moves_the_balances_it_claims(chain: Chain, sync_w3: Web3) -> None:
    carol, dave = sync_w3.eth.accounts[2], sync_w3.eth.accounts[3]
    before = sync_w3.eth.get_balance(carol), sync_w3.eth.get_balance(dave)
    result = await writes.send_transaction(
        chain, writes.SendInput(from_address="carol", to="dave", value="1.25")
    )
    data = result.data
    assert data["status"] == "success"
    receipt = sync_w3.eth.get_transaction_receipt(data["tx_hash"])
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert sync_w3.eth.get_balance(dave) == before[1] + 1_250_000_000_000_000_000
    assert sync_w3.eth.get_balance(carol) == before[0] - 1_250_000_000_000_000_000 - fee
    assert data["from_balance_after_wei"] == str(sync_w3.eth.get_balance(carol))
    assert data["to_balance_after_wei"] == str(sync_w3.eth.get_balance(dave))
    assert data["fee_wei"] == str(fee)
    assert result.text.startswith("carol (0x3C44…93BC) sent 1.25 ETH to dave (0x90F7…b906)")


async def test_send_reports_a_revert_instead_of_sending(
    chain: Chain, token: str, sync_w3: Web3
) -> None:
    nonce = sync_w3.eth.get_transaction_count(sync_w3.eth.accounts[4])
    calldata = token_contract(sync_w3, token).encode_abi("transfer", [sync_w3.eth.accounts[5], 1])
    message = await error_of(chain, "send_transaction", from_address="eve", to=token, data=calldata)
    assert message == "The contract call reverted: TestToken: insufficient balance."
    assert sync_w3.eth.get_transaction_count(sync_w3.eth.accounts[4]) == nonce


async def test_prepared_transaction_signed_with_a_dev_key_lands_as_described(
    chain: Chain, sync_w3: Web3
) -> None:
    frank = sync_w3.eth.accounts[5]
    result = await writes.prepare_transaction(
        chain, writes.PrepareInput(from_address="alice", to="frank", value="0.5", data="0x")
    )
    tx = result.data["transaction"]
    assert result.data["chain_id"] == 31337 and tx["chainId"] == "0x7a69"
    assert result.data["value_ether"] == "0.5" and tx["value"] == hex(5 * 10**17)
    assert result.data["gas_limit"] == int(tx["gas"], 16) >= 21000
    unsigned = {key: tx[key] for key in ("to", "data", "chainId", "type")}
    unsigned |= {
        key: int(tx[key], 16)
        for key in ("value", "gas", "nonce", "maxFeePerGas", "maxPriorityFeePerGas")
    }
    signed = Account.sign_transaction(unsigned, ALICE_KEY)
    before = sync_w3.eth.get_balance(frank)
    tx_hash = sync_w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = sync_w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    assert sync_w3.eth.get_balance(frank) == before + 5 * 10**17
    mined = sync_w3.eth.get_transaction(tx_hash)
    assert mined["from"] == tx["from"] and mined["nonce"] == int(tx["nonce"], 16)
    assert "needs the sender's signature" in result.text


async def test_prepare_refuses_a_transaction_that_would_revert(
    chain: Chain, token: str, sync_w3: Web3
) -> None:
    calldata = token_contract(sync_w3, token).encode_abi(
        "transferFrom", [sync_w3.eth.accounts[0], sync_w3.eth.accounts[6], 1]
    )
    message = await error_of(
        chain, "prepare_transaction", from_address="grace", to=token, data=calldata
    )
    assert message == "The contract call reverted: TestToken: allowance too low."


async def test_prepare_and_send_refuse_more_than_the_sender_has(chain: Chain) -> None:
    args = {"from_address": "heidi", "to": "ivan", "value": "1000000"}
    expected = "heidi (0x14dC…9955) has 10000 ETH, less than the 1000000 ETH to send."
    assert await error_of(chain, "prepare_transaction", **args) == expected
    assert await error_of(chain, "send_transaction", **args) == expected


async def test_send_only_signs_for_the_node_unlocked_accounts(chain: Chain) -> None:
    stranger = "0x" + "12" * 20
    message = await error_of(chain, "send_transaction", from_address=stranger, to="bob", value="0")
    assert "is not one of the testnet node's unlocked accounts" in message


async def test_prepare_needs_a_sender_and_a_recipient_or_data(chain: Chain) -> None:
    assert "from_address: Field required" in await error_of(chain, "prepare_transaction", to="bob")
    assert "Give a recipient" in await error_of(chain, "prepare_transaction", from_address="bob")


async def test_prepare_works_on_a_non_dev_network_without_named_accounts(
    polygon_chain: Chain, sync_w3: Web3
) -> None:
    sender = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"  # funded by Anvil on every chain id
    result = await writes.prepare_transaction(
        polygon_chain, writes.PrepareInput(from_address=sender, to=sender, value="1")
    )
    assert result.data["chain_id"] == 137 and result.data["transaction"]["chainId"] == "0x89"
    assert "1 POL" in result.text
    message = await error_of(polygon_chain, "prepare_transaction", from_address="alice", to=sender)
    assert "exist only on dev networks" in message


def test_send_transaction_is_only_offered_on_dev_networks(
    chain: Chain, polygon_chain: Chain
) -> None:
    assert "send_transaction" in [spec.name for spec in specs_for(chain.network)]
    assert "send_transaction" not in [spec.name for spec in specs_for(polygon_chain.network)]
    assert "prepare_transaction" in [spec.name for spec in specs_for(polygon_chain.network)]


async def test_a_transaction_that_is_not_mined_in_time_is_reported_as_pending() -> None:
    anvil = start_anvil(chain_id=31337, extra=["--no-mining"])
    chain = Chain(network_for("testnet", anvil.url), timeout=0.5)
    try:
        message = await error_of(
            chain, "send_transaction", from_address="alice", to="bob", value="1"
        )
    finally:
        await chain.w3.provider.disconnect()  # type: ignore[attr-defined]
        anvil.stop()
    assert "was sent but not mined within 0.5 s" in message
    assert "get_transaction_receipt" in message

"""Read tools on a real Anvil: network, blocks, balances, code, gas; and their bad inputs."""

from __future__ import annotations

from decimal import Decimal

from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, BOB, call, error_of
from mcp_servers.tools import accounts, blocks, network


async def test_network_info_reports_the_chain_it_is_bound_to(chain: Chain) -> None:
    result = await network.get_network_info(chain, network.NoInput())
    assert result.data["chain_id"] == 31337
    assert result.data["network"] == "testnet"
    assert result.data["dev"] is True
    assert "testnet is chain 31337" in result.text


async def test_block_number_matches_the_node(chain: Chain, sync_w3: Web3) -> None:
    result = await network.get_block_number(chain, network.NoInput())
    assert result.data["block_number"] >= sync_w3.eth.block_number - 1
    assert result.text.startswith("The latest block on testnet is ")


async def test_named_account_balance_says_ether_and_keeps_wei_in_data(
    chain: Chain, sync_w3: Web3
) -> None:
    result = await accounts.get_balance(chain, accounts.AddressInput(address="bob"))
    wei = sync_w3.eth.get_balance(BOB)
    assert result.data["address"] == BOB
    assert result.data["balance_wei"] == str(wei)
    assert Decimal(result.data["balance"]) == Web3.from_wei(wei, "ether")
    assert result.text.startswith("bob (0x7099…79C8) holds ")
    assert f"{result.data['balance']} ETH on testnet at block" in result.text
    assert "wei" not in result.text and str(wei) not in result.text


async def test_balance_accepts_lower_case_and_checksummed_addresses(chain: Chain) -> None:
    lower = await accounts.get_balance(chain, accounts.AddressInput(address=ALICE.lower()))
    mixed = await accounts.get_balance(chain, accounts.AddressInput(address=ALICE))
    assert lower.data["address"] == mixed.data["address"] == ALICE


async def test_balance_at_an_old_block(chain: Chain) -> None:
    result = await accounts.get_balance(chain, accounts.AddressInput(address="carol", block=0))
    assert result.data["block_number"] == 0
    assert result.data["balance"] == "10000"


async def test_bad_addresses_get_readable_errors(chain: Chain) -> None:
    wrong_checksum = "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert "invalid checksum" in await error_of(chain, "get_balance", address=wrong_checksum)
    assert "is not a valid address" in await error_of(chain, "get_balance", address="0x1234")
    assert "is not a valid address" in await error_of(chain, "get_balance", address="mallory")
    assert "Field required" in await error_of(chain, "get_balance")
    assert "Extra inputs" in await error_of(chain, "get_balance", address="alice", adress="x")


async def test_ens_name_on_testnet_says_ens_lives_on_mainnet(chain: Chain) -> None:
    message = await error_of(chain, "get_balance", address="vitalik.eth")
    assert message.startswith("ENS lives on mainnet")


async def test_future_and_negative_blocks_are_refused(chain: Chain) -> None:
    assert "does not exist yet" in await error_of(chain, "get_block", block=10**9)
    assert "cannot be negative" in await error_of(chain, "get_balance", address="bob", block=-1)
    assert "The block must be 'latest', a block number or a 0x block hash" in await error_of(
        chain, "get_block", block="yesterday"
    )
    assert "No block 0xabab" in await error_of(chain, "get_block", block="0x" + "ab" * 32)
    assert await error_of(chain, "get_block", block=1.5) == (
        "Invalid arguments for get_block: block: not valid "
        "(Block: 'latest' (default), a block number, or a 0x block hash)."
    )


async def test_block_by_number_hash_and_latest_agree(chain: Chain, sync_w3: Web3) -> None:
    sync_w3.eth.send_transaction({"from": ALICE, "to": BOB, "value": 1})
    latest = await blocks.get_block(chain, blocks.GetBlockInput(full_transactions=True))
    number = latest.data["number"]
    by_number = await blocks.get_block(chain, blocks.GetBlockInput(block=str(number)))
    by_hash = await blocks.get_block(chain, blocks.GetBlockInput(block=latest.data["hash"]))
    assert by_number.data["hash"] == by_hash.data["hash"] == latest.data["hash"]
    assert latest.data["transactions"][0]["from"] == ALICE
    assert by_number.data["transactions"][0].startswith("0x")
    assert f"Block {number} on testnet was mined at" in latest.text


async def test_code_tells_contracts_from_accounts(chain: Chain, token: str) -> None:
    contract = await accounts.get_code(chain, accounts.AddressInput(address=token))
    person = await accounts.get_code(chain, accounts.AddressInput(address="alice"))
    assert contract.data["is_contract"] is True and contract.data["size_bytes"] > 100
    assert "is a contract with" in contract.text
    assert person.data == {**person.data, "is_contract": False, "size_bytes": 0, "code": "0x"}
    assert "not a contract" in person.text


async def test_gas_price_has_legacy_base_fee_and_priority_fee(chain: Chain) -> None:
    result = await call(chain, "get_gas_price")
    data = result.structured_content or {}
    assert not result.is_error
    assert int(data["gas_price_wei"]) > 0
    assert int(data["base_fee_wei"]) > 0
    assert int(data["max_priority_fee_wei"]) >= 0
    assert "gwei" in result.content[0].text  # type: ignore[union-attr]

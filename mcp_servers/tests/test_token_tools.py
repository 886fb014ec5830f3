"""ERC-20 tools against the TestToken contract the test deploys (source and bytecode beside)."""

from __future__ import annotations

from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, TOKEN_SUPPLY, error_of, token_contract
from mcp_servers.tools import tokens


async def test_token_info_reads_name_symbol_decimals_and_supply(chain: Chain, token: str) -> None:
    result = await tokens.get_token_info(chain, tokens.TokenInput(token=token))
    assert result.data["name"] == "Test Token"
    assert result.data["symbol"] == "TT"
    assert result.data["decimals"] == 6
    assert result.data["total_supply"] == str(TOKEN_SUPPLY)
    assert result.data["total_supply_formatted"] == "1000000"
    assert result.text == (
        f"Test Token (TT) at {token} on testnet has 6 decimals and a total supply of 1000000 TT."
    )


async def test_token_balance_is_formatted_by_the_token_decimals(
    chain: Chain, token: str, sync_w3: Web3
) -> None:
    contract = token_contract(sync_w3, token)
    bob = sync_w3.eth.accounts[1]
    before = contract.functions.balanceOf(bob).call()
    tx = contract.functions.transfer(bob, 2_500_000).transact({"from": ALICE})
    sync_w3.eth.wait_for_transaction_receipt(tx)
    result = await tokens.get_token_balance(
        chain, tokens.TokenBalanceInput(token=token, address="bob")
    )
    assert int(result.data["balance"]) == before + 2_500_000
    assert result.data["balance_formatted"] == str((before + 2_500_000) / 10**6).rstrip("0").rstrip(
        "."
    )
    assert result.text.startswith("bob (0x7099…79C8) holds ")
    assert "TT" in result.text


async def test_an_account_without_code_is_not_a_token(chain: Chain) -> None:
    assert "not a token" in await error_of(chain, "get_token_info", token="carol")


async def test_a_contract_that_is_not_erc20_is_refused(chain: Chain, sync_w3: Web3) -> None:
    # A contract whose runtime code is a single STOP: it answers every call with nothing.
    tx = sync_w3.eth.send_transaction({"from": ALICE, "data": "0x600180600b6000396000f300"})
    address = sync_w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    message = await error_of(chain, "get_token_info", token=address)
    assert "like an ERC-20 token" in message


async def test_bad_token_and_holder_addresses_are_explained(chain: Chain, token: str) -> None:
    assert "token address" in await error_of(
        chain, "get_token_balance", token="0xnope", address="bob"
    )
    assert "holder address" in await error_of(chain, "get_token_balance", token=token, address="1")

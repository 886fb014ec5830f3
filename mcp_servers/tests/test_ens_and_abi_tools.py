"""ENS off mainnet, and verified ABIs from (a local fake of) the Etherscan v2 API."""

from __future__ import annotations

import json

from django.test import override_settings

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import error_of
from mcp_servers.tests.fakes import fake_http_server
from mcp_servers.tools import etherscan

# No mainnet fork is possible here (no internet), so the ENS happy path is not exercised.
ABI = [
    {"type": "function", "name": "balanceOf", "stateMutability": "view",
     "inputs": [{"name": "owner", "type": "address"}],
     "outputs": [{"name": "", "type": "uint256"}]},
    {"type": "function", "name": "transfer", "stateMutability": "nonpayable",
     "inputs": [{"name": "to", "type": "address"}, {"name": "value", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
    {"type": "event", "name": "Transfer", "inputs": []},
]  # fmt: skip
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


async def test_ens_on_a_chain_without_the_registry_says_ens_lives_on_mainnet(chain: Chain) -> None:
    resolve = await error_of(chain, "resolve_ens", name="vitalik.eth")
    lookup = await error_of(
        chain, "lookup_ens", address="0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
    )
    assert resolve.startswith("ENS lives on mainnet")
    assert lookup.startswith("ENS lives on mainnet")
    assert "fork of mainnet" in resolve and "MAINNET_FORK_URL" not in resolve


async def test_ens_inputs_are_checked_before_the_chain(chain: Chain) -> None:
    assert "is not an ENS name" in await error_of(chain, "resolve_ens", name="vitalik")
    assert "must be 0x followed by 40 hex" in await error_of(chain, "lookup_ens", address="bob")


@override_settings(ETHERSCAN_API_KEY="")
async def test_abi_lookup_without_a_key_is_not_configured(chain: Chain) -> None:
    message = await error_of(chain, "get_contract_abi", address=CONTRACT)
    assert "not configured" in message and "Etherscan API key" in message
    assert "ETHERSCAN_API_KEY" not in message  # no setting names in what a person reads


async def test_abi_is_parsed_listed_and_cached(chain: Chain) -> None:
    answer = {"status": "1", "message": "OK", "result": json.dumps(ABI)}
    with fake_http_server(lambda query: (200, answer)) as (url, received):
        with override_settings(ETHERSCAN_API_KEY="test-key-123", ETHERSCAN_API_URL=url):
            first = await etherscan.get_contract_abi(
                chain, etherscan.ContractAbiInput(address=CONTRACT.lower())
            )
            second = await etherscan.get_contract_abi(
                chain, etherscan.ContractAbiInput(address=CONTRACT)
            )
    assert received == [
        {"chainid": "31337", "module": "contract", "action": "getabi", "address": CONTRACT,
         "apikey": "test-key-123"}
    ]  # fmt: skip
    assert first.data["functions"] == [
        "balanceOf(address)(uint256) [view]",
        "transfer(address,uint256)(bool) [nonpayable]",
    ]
    assert first.data["abi"] == ABI and first.data["cached"] is False
    assert second.data["cached"] is True
    assert "has 2 functions: balanceOf, transfer." in first.text


async def test_unverified_contract_and_broken_answers_are_explained(chain: Chain) -> None:
    answers = iter([
        (200, {"status": "0", "message": "NOTOK", "result": "Contract source code not verified"}),
        (500, {"oops": True}),
    ])  # fmt: skip
    with fake_http_server(lambda query: next(answers)) as (url, _):
        with override_settings(ETHERSCAN_API_KEY="secret-key-xyz", ETHERSCAN_API_URL=url):
            unverified = await error_of(chain, "get_contract_abi", address=CONTRACT)
            broken = await error_of(chain, "get_contract_abi", address=CONTRACT)
    assert "Contract source code not verified" in unverified
    assert broken.startswith("Etherscan could not be asked")
    assert "secret-key-xyz" not in unverified + broken

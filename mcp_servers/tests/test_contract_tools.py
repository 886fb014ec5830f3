"""call_contract and encode_function_call: signatures, argument types, raw data, reverts."""

from __future__ import annotations

import eth_abi
from eth_utils import keccak
from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, BOB, TOKEN_SUPPLY, error_of, token_contract
from mcp_servers.tools import contracts


async def encode(chain: Chain, signature: str, args: list) -> str:
    result = await contracts.encode_function_call(
        chain, contracts.EncodeInput(signature=signature, args=args)
    )
    return result.data["data"]


async def test_encoding_matches_web3_for_a_token_transfer(
    chain: Chain, token: str, sync_w3: Web3
) -> None:
    expected = token_contract(sync_w3, token).encode_abi("transfer", [BOB, 5])
    assert await encode(chain, "transfer(address,uint256)", [BOB, "5"]) == expected
    assert await encode(chain, "transfer(address to, uint amount)", ["bob", 5]) == expected


async def test_encoding_covers_every_abi_kind(chain: Chain) -> None:
    signature = "f(int8,bool,string,bytes,bytes4,uint256[],(address,uint16)[2])"
    args = [-3, "true", "hé", "0xdead", "0x0102", ["0x10", 2], [[ALICE, 1], [BOB.lower(), 2]]]
    data = await encode(chain, signature, args)
    types = ["int8", "bool", "string", "bytes", "bytes4", "uint256[]", "(address,uint16)[2]"]
    values = [-3, True, "hé", b"\xde\xad", b"\x01\x02\x00\x00", [16, 2], [(ALICE, 1), (BOB, 2)]]
    selector = keccak(text="f(" + ",".join(types) + ")")[:4]
    assert data == "0x" + (selector + eth_abi.encode(types, values)).hex()


async def test_encoding_errors_name_the_problem(chain: Chain) -> None:
    assert "takes 2 arguments" in await error_of(
        chain, "encode_function_call", signature="transfer(address,uint256)", args=[BOB]
    )
    assert "not a Solidity ABI type" in await error_of(
        chain, "encode_function_call", signature="f(uint7)", args=[1]
    )
    assert "must be an integer" in await error_of(
        chain, "encode_function_call", signature="f(uint256)", args=["lots"]
    )
    assert "do not fit" in await error_of(
        chain, "encode_function_call", signature="f(uint8)", args=[256]
    )
    assert "bytes4 holds at most 4" in await error_of(
        chain, "encode_function_call", signature="f(bytes4)", args=["0x0102030405"]
    )
    assert "not a function signature" in await error_of(
        chain, "encode_function_call", signature="no parens", args=[]
    )


async def test_call_decodes_by_return_types(chain: Chain, token: str) -> None:
    result = await contracts.call_contract(
        chain,
        contracts.CallContractInput(address=token, signature="totalSupply()(uint256)"),
    )
    assert result.data["result"] == [TOKEN_SUPPLY]
    assert f"returned {TOKEN_SUPPLY}" in result.text
    named = await contracts.call_contract(
        chain,
        contracts.CallContractInput(
            address=token, signature="function symbol() view returns (string)"
        ),
    )
    assert named.data["result"] == ["TT"]


async def test_raw_calldata_returns_raw_bytes(chain: Chain, token: str) -> None:
    calldata = "0x" + keccak(text="decimals()")[:4].hex()
    result = await contracts.call_contract(
        chain, contracts.CallContractInput(address=token, data=calldata)
    )
    assert int(result.data["raw"], 16) == 6


async def test_a_reverting_call_reports_the_revert_reason(chain: Chain, token: str) -> None:
    message = await error_of(
        chain,
        "call_contract",
        address=token,
        signature="transfer(address,uint256)(bool)",
        args=["alice", TOKEN_SUPPLY * 10],
        from_address="dave",
    )
    assert message == "The contract call reverted: TestToken: insufficient balance."


async def test_call_input_errors(chain: Chain, token: str) -> None:
    assert "not both" in await error_of(chain, "call_contract", address=token)
    assert "even number of hex" in await error_of(
        chain, "call_contract", address=token, data="0xabc"
    )
    assert "do not decode" in await error_of(
        chain, "call_contract", address=token, signature="name()(uint256[])"
    )

"""Base has only SwapRouter02, whose exactInputSingle has no deadline: the encoder puts the
deadline in multicall(deadline, data) there, and in the struct for the SwapRouter elsewhere.
Checked by decoding the calldata."""

from __future__ import annotations

import eth_abi
from django.conf import settings
from eth_utils import keccak

from chatproject.lib.networks import SWAP_ROUTER, SWAP_ROUTER_02
from mcp_servers.tools import uniswap

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
WETH = "0x4200000000000000000000000000000000000006"
USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
DEADLINE = 1_900_000_000
CALL = uniswap.SwapCall(USDC, WETH, 500, ALICE, 100 * 10**6, 3 * 10**16)


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def test_base_uses_swap_router_02() -> None:
    base = settings.NETWORKS["base"].uniswap
    assert base.router == "0x2626664c2603336E57B271c5C0b26F421741e481"
    assert base.router_kind == SWAP_ROUTER_02
    assert settings.NETWORKS["mainnet"].uniswap.router_kind == SWAP_ROUTER


def test_router_02_puts_the_deadline_in_multicall() -> None:
    data = bytes.fromhex(uniswap.swap_calldata(settings.NETWORKS["base"].uniswap, CALL,
                                               DEADLINE)[2:])  # fmt: skip
    assert data[:4] == selector("multicall(uint256,bytes[])")
    deadline, calls = eth_abi.decode(["uint256", "bytes[]"], data[4:])
    assert deadline == DEADLINE and len(calls) == 1
    assert calls[0][:4] == selector(uniswap.EXACT_INPUT_02)
    (params,) = eth_abi.decode([uniswap.PARAMS_02], calls[0][4:])
    assert params[0].lower() == USDC.lower() and params[1].lower() == WETH.lower()
    assert params[2:] == (500, ALICE.lower(), 100 * 10**6, 3 * 10**16, 0)


def test_router_02_unwraps_eth_out_to_the_swapper() -> None:
    uni = settings.NETWORKS["base"].uniswap
    data = bytes.fromhex(uniswap.swap_calldata(uni, CALL, DEADLINE, unwrap_to=ALICE)[2:])
    _, calls = eth_abi.decode(["uint256", "bytes[]"], data[4:])
    (params,) = eth_abi.decode([uniswap.PARAMS_02], calls[0][4:])
    assert params[3].lower() == uni.router.lower()  # the router receives the WETH
    assert calls[1][:4] == selector("unwrapWETH9(uint256,address)")
    minimum, recipient = eth_abi.decode(["uint256", "address"], calls[1][4:])
    assert minimum == 3 * 10**16 and recipient.lower() == ALICE.lower()


def test_swap_router_puts_the_deadline_in_the_struct() -> None:
    data = bytes.fromhex(uniswap.swap_calldata(settings.NETWORKS["mainnet"].uniswap, CALL,
                                               DEADLINE)[2:])  # fmt: skip
    assert data[:4] == selector(uniswap.EXACT_INPUT_V1)
    (params,) = eth_abi.decode([uniswap.PARAMS_V1], data[4:])
    assert params[4] == DEADLINE and params[5] == 100 * 10**6

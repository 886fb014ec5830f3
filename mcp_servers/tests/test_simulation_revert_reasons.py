"""Issue 26: a write that would revert is not handed to the wallet (nor sent); the error says
why, decoded: a require message, a custom error with its arguments, or a Panic in words."""

from __future__ import annotations

import pytest
from eth_utils import function_signature_to_4byte_selector
from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import BOB, IVAN, call, contract_at
from mcp_servers.tests.guard import calldata, text_of
from testsupport.solidity import Artifact

WRITE_TOOLS = pytest.mark.parametrize("tool", ["prepare_transaction", "send_transaction"])


async def reverted(chain: Chain, tool: str, to: str, data: str) -> str:
    result = await call(chain, tool, from_address="ivan", to=to, data=data)
    text = text_of(result)
    assert result.is_error, f"expected a revert, got {result.structured_content}"
    assert "Traceback" not in text and "revert" in text.lower(), text
    return text


@WRITE_TOOLS
async def test_a_require_message_is_shown(chain: Chain, router: str, tool: str) -> None:
    data = calldata("swapBeforeDeadline(uint256)", 0)
    assert "Router: deadline passed" in await reverted(chain, tool, router, data)


@WRITE_TOOLS
async def test_a_known_custom_error_is_shown_with_its_arguments(
    chain: Chain,
    sync_w3: Web3,
    compiled: dict[str, Artifact],
    guard_token: str,
    tool: str,
) -> None:
    token = contract_at(sync_w3, compiled["GuardToken"], guard_token)
    balance = token.functions.balanceOf(IVAN).call()
    needed = balance + 1
    data = calldata("transfer(address,uint256)", BOB, needed)
    text = await reverted(chain, tool, guard_token, data)
    assert "ERC20InsufficientBalance(" in text
    assert str(needed) in text and str(balance) in text


async def test_an_unknown_custom_error_is_shown_by_its_selector(chain: Chain, router: str) -> None:
    data = calldata("swapWithMinimum(uint256)", 10)
    text = await reverted(chain, "prepare_transaction", router, data)
    selector = "0x" + function_signature_to_4byte_selector("RouterSlippage(uint256,uint256)").hex()
    assert "RouterSlippage" in text or selector in text, text


@WRITE_TOOLS
async def test_a_panic_is_shown_in_words(chain: Chain, router: str, tool: str) -> None:
    data = calldata("swapShare(uint256,uint256)", 10, 0)
    assert "division or modulo by zero" in (await reverted(chain, tool, router, data)).lower()

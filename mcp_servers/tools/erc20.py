"""ERC-20 allowances, transfers and approvals, in the token's own units ("1.5")."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mcp_servers.abi import decode_output
from mcp_servers.chain import Chain
from mcp_servers.effects import UNLIMITED_THRESHOLD
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools import decoded
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, BlockInput, ToolInput
from mcp_servers.tools.standards import call_raw, calldata
from mcp_servers.tools.tokens import TOKEN_DESCRIPTION, token_metadata
from mcp_servers.tools.writes import prepare_planned, send_planned
from mcp_servers.units import format_units, parse_units

MAX_UINT256 = 2**256 - 1
AMOUNT_DESCRIPTION = 'Amount in the token\'s own units, e.g. "1.5" (not base units).'
FROM_DESCRIPTION = "Sender (the token holder). " + ADDRESS_FIELD_DESCRIPTION
DEV_FROM_DESCRIPTION = "Sender: a named dev account (alice, bob, …) or an unlocked node account."


class AllowanceInput(BlockInput):
    token: str = Field(description=TOKEN_DESCRIPTION, max_length=256)
    owner: str = Field(description="The token holder. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)
    spender: str = Field(
        description="Who may spend the owner's tokens. " + ADDRESS_FIELD_DESCRIPTION,
        max_length=256,
    )


class TokenTransferInput(ToolInput):
    token: str = Field(description=TOKEN_DESCRIPTION, max_length=256)
    from_address: str = Field(description=FROM_DESCRIPTION, max_length=256)
    to: str = Field(description="Recipient. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)
    amount: str = Field(description=AMOUNT_DESCRIPTION, max_length=100)


class SendTokenTransferInput(TokenTransferInput):
    from_address: str = Field(description=DEV_FROM_DESCRIPTION, max_length=256)


class TokenApprovalInput(ToolInput):
    token: str = Field(description=TOKEN_DESCRIPTION, max_length=256)
    from_address: str = Field(description=FROM_DESCRIPTION, max_length=256)
    spender: str = Field(
        description="Who may then spend the tokens. " + ADDRESS_FIELD_DESCRIPTION, max_length=256
    )
    amount: str = Field(
        description=AMOUNT_DESCRIPTION[:-1] + ', or "unlimited"; "0" revokes an approval.',
        max_length=100,
    )


class SendTokenApprovalInput(TokenApprovalInput):
    from_address: str = Field(description=DEV_FROM_DESCRIPTION, max_length=256)


async def allowance_of(chain: Chain, token: str, owner: str, spender: str, block: Any) -> int:
    data = calldata("allowance(address,address)", ("address", "address"), (owner, spender))
    return int(decode_output(("uint256",), await call_raw(chain, token, data, block))[0])


async def balance_of(chain: Chain, token: str, holder: str) -> int:
    data = calldata("balanceOf(address)", ("address",), (holder,))
    return int(decode_output(("uint256",), await call_raw(chain, token, data))[0])


async def get_token_allowance(chain: Chain, params: AllowanceInput) -> ToolResult:
    """How much of an ERC-20 token a spender may still move for its owner, in token units
    ("unlimited" for the maximum)."""
    token = await chain.resolve_address(params.token, "token address")
    owner = await chain.resolve_address(params.owner, "owner address")
    spender = await chain.resolve_address(params.spender, "spender address")
    meta = await token_metadata(chain, token)
    block = await chain.block_identifier(params.block)
    amount = await allowance_of(chain, token, owner, spender, block)
    unlimited = amount >= UNLIMITED_THRESHOLD
    units = "unlimited" if unlimited else format_units(amount, int(str(meta["decimals"])))
    data = {
        "network": chain.name,
        **decoded.token_fields(token, meta),
        "owner": owner,
        "spender": spender,
        "allowance": str(amount),
        "allowance_formatted": units,
        "unlimited": unlimited,
    }
    shown = f"an unlimited amount of {meta['symbol']}" if unlimited else f"{units} {meta['symbol']}"
    text = (
        f"{await chain.label(spender)} may spend {shown} for {await chain.label(owner)} "
        f"on {chain.name}."
    )
    return ToolResult(text, data)


async def transfer_plan(
    chain: Chain, params: TokenTransferInput
) -> tuple[dict[str, Any], decoded.Summary]:
    """The transaction and its summary; refuses amounts beyond the sender's balance."""
    token = await chain.resolve_address(params.token, "token address")
    sender = await chain.resolve_address(params.from_address, "sender address")
    recipient = await chain.resolve_address(params.to, "recipient address")
    meta = await token_metadata(chain, token)
    decimals, symbol = int(str(meta["decimals"])), str(meta["symbol"])
    amount = parse_units(params.amount, decimals, "amount")
    if amount == 0:
        raise ToolFailure("The amount must be more than 0.")
    balance = await balance_of(chain, token, sender)
    if balance < amount:
        raise ToolFailure(
            f"{await chain.label(sender)} holds {format_units(balance, decimals)} {symbol}, "
            "less than the amount to send."
        )
    data = calldata("transfer(address,uint256)", ("address", "uint256"), (recipient, amount))
    tx = {"from": sender, "to": token, "value": 0, "data": data}
    return tx, await decoded.token_transfer(chain, token, meta, sender, recipient, amount)


async def approval_plan(
    chain: Chain, params: TokenApprovalInput
) -> tuple[dict[str, Any], decoded.Summary]:
    token = await chain.resolve_address(params.token, "token address")
    sender = await chain.resolve_address(params.from_address, "sender address")
    spender = await chain.resolve_address(params.spender, "spender address")
    meta = await token_metadata(chain, token)
    unlimited = params.amount.strip().lower() in ("unlimited", "max", "infinite")
    amount = MAX_UINT256 if unlimited else parse_units(params.amount, int(str(meta["decimals"])))
    if amount > MAX_UINT256:
        raise ToolFailure('The amount is beyond what a token can count; say "unlimited".')
    data = calldata("approve(address,uint256)", ("address", "uint256"), (spender, amount))
    tx = {"from": sender, "to": token, "value": 0, "data": data}
    return tx, await decoded.token_approval(chain, token, meta, sender, spender, amount)


async def prepare_token_transfer(chain: Chain, params: TokenTransferInput) -> ToolResult:
    """Prepare an unsigned ERC-20 transfer (amount in token units) for the sender's wallet;
    checks the balance and the spend policy and simulates it first."""
    tx, summary = await transfer_plan(chain, params)
    return await prepare_planned(chain, tx, summary)


async def send_token_transfer(chain: Chain, params: SendTokenTransferInput) -> ToolResult:
    """Dev networks only: send an ERC-20 transfer (amount in token units) from an unlocked dev
    account (alice, bob, …); checks the balance and the spend policy."""
    tx, summary = await transfer_plan(chain, params)
    return await send_planned(chain, tx, summary, "prepare_token_transfer")


async def prepare_token_approval(chain: Chain, params: TokenApprovalInput) -> ToolResult:
    """Prepare an unsigned ERC-20 approve (amount in token units, or "unlimited") for the
    owner's wallet; unlimited approvals carry a warning (or are refused by the policy)."""
    tx, summary = await approval_plan(chain, params)
    return await prepare_planned(chain, tx, summary)


async def send_token_approval(chain: Chain, params: SendTokenApprovalInput) -> ToolResult:
    """Dev networks only: approve a spender for an ERC-20 amount in token units, or
    "unlimited", from an unlocked dev account."""
    tx, summary = await approval_plan(chain, params)
    return await send_planned(chain, tx, summary, "prepare_token_approval")

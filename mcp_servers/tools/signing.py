"""Message signing: personal_sign (EIP-191) and EIP-712 typed data.

The server never holds a key. On dev networks the node's unlocked dev account signs
(Anvil's eth_sign / eth_signTypedData_v4) and the signature is checked by recovering the
signer. Elsewhere the tool returns a signature request, which the agent hands to the user's
wallet exactly like a prepared transaction (a wallet.request the page asks the wallet to sign).
An EIP-2612 Permit is judged by the spend policy like an approval (spender lists, unlimited).
"""

from __future__ import annotations

import json
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from pydantic import Field

from mcp_servers import policy
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools import decoded
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput
from mcp_servers.tools.tokens import token_metadata

MAX_MESSAGE_CHARS = 4000
SIGNER_DESCRIPTION = (
    "Who signs: on dev networks a named dev account (alice, bob, …); elsewhere the user's wallet "
    "address. " + ADDRESS_FIELD_DESCRIPTION
)


class SignMessageInput(ToolInput):
    from_address: str = Field(description=SIGNER_DESCRIPTION, max_length=256)
    message: str = Field(
        description="The message: text, or 0x hex bytes with encoding 'hex'.",
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
    )
    encoding: str = Field("text", description="'text' (default) or 'hex'.", pattern="^(text|hex)$")


class SignTypedDataInput(ToolInput):
    from_address: str = Field(description=SIGNER_DESCRIPTION, max_length=256)
    typed_data: dict[str, Any] = Field(
        description="EIP-712 typed data: an object with types, primaryType, domain and message."
    )


def message_bytes(params: SignMessageInput) -> bytes:
    if params.encoding == "text":
        return params.message.encode()
    text = params.message.strip()
    try:
        if not text.startswith("0x"):
            raise ValueError
        return bytes.fromhex(text[2:])
    except ValueError:
        raise ToolFailure(
            "With encoding 'hex' the message must be 0x followed by hex bytes."
        ) from None


async def dev_signer(chain: Chain, signer: str) -> bool:
    """True when the dev node signs; on a dev network the signer must be an unlocked account."""
    if not chain.network.dev:
        return False
    if signer not in await chain.dev_accounts():
        raise ToolFailure(
            f"{signer} is not one of the {chain.name} node's unlocked accounts: sign with alice, "
            "bob, carol, …"
        )
    return True


async def rpc(chain: Chain, method: str, params: list[Any]) -> str:
    w3 = await chain.ready()
    answer = await w3.provider.make_request(method, params)
    if "error" in answer:
        raise ToolFailure(
            f"The {chain.name} node refused to sign: {answer['error'].get('message')}."
        )
    return str(answer["result"])


async def sign_message(chain: Chain, params: SignMessageInput) -> ToolResult:
    """Sign a message with personal_sign (EIP-191): on dev networks by the dev account (the
    signature is returned), elsewhere in the user's wallet (a signature request)."""
    signer = await chain.resolve_address(params.from_address, "signer address")
    raw = message_bytes(params)
    shown = params.message if params.encoding == "text" else "0x" + raw.hex()
    summary = {"kind": "message", "action": f"Sign the message {shown[:200]!r}", "message": shown,
               "signer": signer, "policy": policy.Verdict().as_dict()}  # fmt: skip
    data: dict[str, Any] = {"network": chain.name, "signer": signer, "summary": summary}
    if await dev_signer(chain, signer):
        signature = await rpc(chain, "eth_sign", [signer, "0x" + raw.hex()])
        recovered = Account.recover_message(encode_defunct(primitive=raw), signature=signature)
        data |= {"signature": signature, "recovered": recovered, "valid": recovered == signer}
        text = f"{await chain.label(signer)} signed the message on {chain.name}: {signature[:20]}…"
        return ToolResult(text, data)
    data["signature_request"] = {"method": "personal_sign", "params": ["0x" + raw.hex(), signer]}
    text = f"Prepared a request for {await chain.label(signer)}'s wallet to sign the message."
    return ToolResult(text, data)


def check_typed_data(chain: Chain, typed: dict[str, Any]) -> None:
    try:
        encode_typed_data(full_message=typed)
    except Exception as exc:  # eth_account raises many kinds for malformed typed data
        detail = str(exc).split("\n")[0][:200]
        raise ToolFailure(
            f"The typed data is not valid EIP-712 ({type(exc).__name__}: {detail})."
        ) from None
    chain_id = (typed.get("domain") or {}).get("chainId")
    if chain_id is not None and int(str(chain_id), 0) != chain.network.chain_id:
        raise ToolFailure(
            f"The typed data is for chain {chain_id}, not {chain.name} "
            f"(chain {chain.network.chain_id}); refusing to sign it here."
        )


async def typed_summary(chain: Chain, typed: dict[str, Any], signer: str) -> dict[str, Any]:
    """What the card shows; an EIP-2612 Permit is judged like an approval."""
    primary = str(typed.get("primaryType", ""))
    domain = typed.get("domain") or {}
    message = typed.get("message") or {}
    base = {
        "kind": "typed_data",
        "action": f"Sign {primary} for {domain.get('name') or 'a contract'}",
        "primary_type": primary,
        "signer": signer,
        "domain": domain,
    }
    if primary != "Permit" or "spender" not in message or "value" not in message:
        return base | {"policy": policy.Verdict().as_dict()}
    token = await chain.resolve_address(str(domain.get("verifyingContract", "")), "token address")
    spender = await chain.resolve_address(str(message["spender"]), "spender address")
    meta = await token_metadata(chain, token)
    summary = await decoded.token_approval(
        chain, token, meta, spender, int(str(message["value"]), 0)
    )
    with policy.spending(chain.name, summary.spends, summary.labels) as verdict:
        card = summary.card(verdict)
    return base | card | {"kind": "permit", "action": "Sign a permit: " + summary.action}


def big_ints_as_text(value: Any) -> Any:
    """Nodes and wallets read JSON numbers as 64-bit at most: uint256 values travel as text."""
    if isinstance(value, dict):
        return {key: big_ints_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [big_ints_as_text(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value


async def sign_typed_data(chain: Chain, params: SignTypedDataInput) -> ToolResult:
    """Sign EIP-712 typed data (eth_signTypedData_v4): on dev networks by the dev account,
    elsewhere in the user's wallet. A Permit is checked by the spend policy like an approval."""
    signer = await chain.resolve_address(params.from_address, "signer address")
    check_typed_data(chain, params.typed_data)
    summary = await typed_summary(chain, params.typed_data, signer)
    data: dict[str, Any] = {"network": chain.name, "signer": signer, "summary": summary}
    warnings = "".join(f" Warning: {w}" for w in summary["policy"]["warnings"])
    if await dev_signer(chain, signer):
        signature = await rpc(
            chain, "eth_signTypedData_v4", [signer, big_ints_as_text(params.typed_data)]
        )
        recovered = Account.recover_message(
            encode_typed_data(full_message=params.typed_data), signature=signature
        )
        data |= {"signature": signature, "recovered": recovered, "valid": recovered == signer}
        text = (
            f"{await chain.label(signer)} signed the {summary['primary_type']} typed data on "
            f"{chain.name}: {signature[:20]}…"
        )
        return ToolResult(text + warnings, data)
    payload = json.dumps(big_ints_as_text(params.typed_data), separators=(",", ":"))
    data["signature_request"] = {"method": "eth_signTypedData_v4", "params": [signer, payload]}
    text = (
        f"Prepared a request for {await chain.label(signer)}'s wallet to sign {summary['action']}."
    )
    return ToolResult(text + warnings, data)

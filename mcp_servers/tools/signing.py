"""Message signing: personal_sign (EIP-191) and EIP-712 typed data.

The server never holds a key. On dev networks the node's unlocked dev account signs
(Anvil's eth_sign / eth_signTypedData_v4) and the signature is checked by recovering the
signer. Elsewhere the tool returns a signature request, which the agent hands to the user's
wallet exactly like a prepared transaction (a wallet.request the page asks the wallet to sign).

What a signature allows is decoded before anyone signs (tools/typed_data.py): EIP-2612 and DAI
permits, Permit2 allowances and transfers, Seaport orders. The spend policy judges those like
approvals and transfers (lists, caps, unlimited), but never counts them toward the daily totals:
nothing is spent by signing. Typed data it cannot decode is shown field by field and "cannot be
verified"; so is a personal_sign of a bare 32-byte value, which may be any hash.

The owner of a permit (or the offerer of an order) should be the signer. When the typed data
names another owner the signature is useless from an ordinary account, but a smart-contract
account may accept its owner's signature (ERC-1271), so the server warns and judges it as the
signer's own rather than refusing it outright.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_defunct, encode_typed_data
from pydantic import Field

from mcp_servers import policy
from mcp_servers.chain import Chain
from mcp_servers.effects import APPROVAL, NATIVE, Effect
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools import simulated, typed_data
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, ToolInput

logger = logging.getLogger(__name__)

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


async def dev_sign(
    chain: Chain, signer: str, signable: SignableMessage, method: str, params: list[Any]
) -> str:
    """The caller's own testnet account signs here; the node's shared accounts sign on it."""
    local = chain.local_signer(signer)
    if local is not None:
        return "0x" + bytes(local.sign_message(signable).signature).hex()
    return await rpc(chain, method, params)


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
    summary = message_summary(chain.name, raw, shown, signer)
    data: dict[str, Any] = {"network": chain.name, "signer": signer, "summary": summary}
    warnings = warning_sentences(summary)
    if await dev_signer(chain, signer):
        signable = encode_defunct(primitive=raw)
        signature = await dev_sign(chain, signer, signable, "eth_sign", [signer, "0x" + raw.hex()])
        recovered = Account.recover_message(signable, signature=signature)
        data |= {"signature": signature, "recovered": recovered, "valid": recovered == signer}
        text = f"{await chain.label(signer)} signed the message on {chain.name}: {signature[:20]}…"
        return ToolResult(text + warnings, data)
    data["signature_request"] = {"method": "personal_sign", "params": ["0x" + raw.hex(), signer]}
    text = f"Prepared a request for {await chain.label(signer)}'s wallet to sign the message."
    return ToolResult(text + warnings, data)


def warning_sentences(summary: dict[str, Any]) -> str:
    return "".join(f" Warning: {w}" for w in summary["policy"]["warnings"])


CHECKED_TEXT = {
    "decoded": "Decoded from the request: this is what the signature would allow.",
    "unknown": "Not decoded: what this signature allows is not known; read every field before "
    "signing.",
}
PLAIN_MESSAGE = "A plain message: signing it moves nothing and gives no permission."
HASH_LIKE = re.compile(r"^0x[0-9a-fA-F]{64}$")
BARE_HASH_WARNING = (
    "This message is a bare 32-byte value, which may be the hash of a transaction, an order or "
    "a permit: signing it may authorise something this card cannot show. Sign it only if you "
    "know what it is."
)


def message_summary(network: str, raw: bytes, shown: str, signer: str) -> dict[str, Any]:
    """A plain message allows nothing; a bare 32-byte value (or its hex as text) may be the hash
    of anything, so what it authorises is unknown."""
    bare_hash = len(raw) == 32 or bool(HASH_LIKE.match(shown.strip()))
    checked = "unknown" if bare_hash else "decoded"
    verdict = policy.judge(network, [], checked)
    if bare_hash:
        verdict.warnings.insert(0, BARE_HASH_WARNING)
    return {
        "kind": "message",
        "action": f"Sign the message {shown[:200]!r}",
        "message": shown,
        "signer": signer,
        "checked": checked,
        "checked_text": CHECKED_TEXT["unknown"] if bare_hash else PLAIN_MESSAGE,
        "effects": [],
        "fields": [],
        "fee": None,
        "policy": verdict.as_dict(),
    }


async def name_asset(chain: Chain, effect: Effect) -> None:
    """The token's symbol (and decimals, for fungible ones) from the chain; when it does not
    answer, the decoder's short address and raw units stay."""
    if effect.asset == NATIVE:
        return
    standard = "erc20" if effect.standard == "permit2" else effect.standard
    try:
        asset = await simulated.asset_of(chain, effect.asset, standard)
    except Exception:  # a symbol is a nicety: any RPC trouble keeps the short address
        logger.info("no symbol for %s on %s", effect.asset, chain.name, exc_info=True)
        return
    effect.symbol = asset.symbol
    if standard == "erc20":
        effect.decimals = asset.decimals


async def describe_effects(chain: Chain, found: list[Effect], signer: str) -> None:
    """Symbols, labels and "yours" as the card shows them; an allowance above what the holder
    has counts as unlimited (policy.py)."""
    for effect in found:
        await name_asset(chain, effect)
        effect.you = effect.address.lower() == signer.lower()
        if effect.counterparty and not effect.counterparty_label:
            effect.counterparty_label = await chain.label(effect.counterparty)
    fungible = [e for e in found if e.kind == APPROVAL and e.standard != "erc721"]
    await simulated.mark_unlimited(chain, fungible)


def judged_as_signers(decoded: typed_data.Decoded) -> list[Effect]:
    """What the policy judges: the owner's effects count as the signer's even when the typed
    data names another owner (a smart account may accept its owner's signature)."""
    owner = decoded.owner.lower()
    return [replace(e, you=True) if e.address.lower() == owner else e for e in decoded.effects]


async def other_owner_warning(chain: Chain, decoded: typed_data.Decoded, signer: str) -> list[str]:
    if decoded.owner.lower() == signer.lower():
        return []
    return [
        f"This names {await chain.label(decoded.owner)} as the owner, not the signer "
        f"{await chain.label(signer)}: from an ordinary account the signature does nothing, but "
        "a smart-contract account may accept it, so it is judged as if the tokens were yours."
    ]


def permission_phrase(effect: Effect) -> str:
    who = effect.counterparty_label or effect.counterparty
    if not effect.amount:
        return f"take back {who}'s allowance of {effect.symbol}"
    if effect.unlimited:
        return f"allow {who} to spend every {effect.symbol} (unlimited)"
    return f"allow {who} to spend up to {effect.what()}"


def give_and_get(decoded: typed_data.Decoded) -> tuple[str, str]:
    owner = decoded.owner.lower()
    mine = [e for e in decoded.effects if e.address.lower() == owner]
    give = ", ".join(e.what() for e in mine if e.amount < 0) or "nothing"
    get = ", ".join(e.what() for e in mine if e.amount > 0) or "nothing"
    return give, get


def headline(decoded: typed_data.Decoded) -> tuple[str, list[dict[str, str]]]:
    """The card's one line, and the rows that go before the decoder's own."""
    if decoded.kind == "seaport":
        give, get = give_and_get(decoded)
        rows = [typed_data.row("You give", give), typed_data.row("You get", get)]
        return f"{decoded.title}: you give {give}; you get {get}", rows
    if decoded.kind in ("permit", "permit2"):
        phrases = "; ".join(permission_phrase(e) for e in decoded.effects)
        return f"{decoded.title}: {phrases}", []
    return decoded.title, []


def approval_fields(decoded: typed_data.Decoded) -> dict[str, Any]:
    """The older decoded fields (token, amount, spender, unlimited) for a single allowance."""
    if decoded.kind not in ("permit", "permit2") or len(decoded.effects) != 1:
        return {}
    effect = decoded.effects[0]
    return {"token": effect.asset, "symbol": effect.symbol, "amount": effect.units(),
            "spender": effect.counterparty, "unlimited": effect.unlimited}  # fmt: skip


async def typed_summary(chain: Chain, typed: dict[str, Any], signer: str) -> dict[str, Any]:
    """What the card shows, judged by the spend policy like the approvals it grants (a
    signature spends nothing by itself, so it never counts toward the daily totals)."""
    decoded = typed_data.decode(typed, signer, chain.currency)
    await describe_effects(chain, decoded.effects, signer)
    judged = judged_as_signers(decoded)
    # Decoded from the request itself, the effects are also all it announces.
    verdict = policy.judge(chain.name, judged, decoded.checked, intended=judged)
    verdict.warnings[:0] = decoded.warnings + await other_owner_warning(chain, decoded, signer)
    action, rows = headline(decoded)
    return {
        "kind": decoded.kind,
        "action": action,
        "primary_type": typed["primaryType"],
        "signer": signer,
        "domain": typed["domain"],
        **approval_fields(decoded),
        "checked": decoded.checked,
        "checked_text": CHECKED_TEXT[decoded.checked],
        "effects": [effect.as_dict() for effect in decoded.effects],
        "fields": rows + decoded.fields,
        "fee": None,
        "reverted": False,
        "revert_reason": None,
        "policy": verdict.as_dict(),
    }


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
    elsewhere in the user's wallet. Permits, Permit2 and Seaport orders are decoded and judged by
    the spend policy like approvals and transfers; other typed data is shown field by field."""
    signer = await chain.resolve_address(params.from_address, "signer address")
    typed_data.check(params.typed_data, chain.network.chain_id, chain.name)
    summary = await typed_summary(chain, params.typed_data, signer)
    data: dict[str, Any] = {"network": chain.name, "signer": signer, "summary": summary}
    warnings = warning_sentences(summary)
    if await dev_signer(chain, signer):
        signable = encode_typed_data(full_message=params.typed_data)
        rpc_params = [signer, big_ints_as_text(params.typed_data)]
        signature = await dev_sign(chain, signer, signable, "eth_signTypedData_v4", rpc_params)
        recovered = Account.recover_message(signable, signature=signature)
        data |= {"signature": signature, "recovered": recovered, "valid": recovered == signer}
        text = (
            f"{await chain.label(signer)} signed the {summary['primary_type']} typed data on "
            f"{chain.name}: {signature[:20]}…"
        )
        return ToolResult(text + warnings, data)
    payload = json.dumps(big_ints_as_text(params.typed_data), separators=(",", ":"))
    data["signature_request"] = {"method": "eth_signTypedData_v4", "params": [signer, payload]}
    who = await chain.label(signer)
    text = f"Prepared a signature request for {who}'s wallet: {summary['action']}."
    return ToolResult(text + warnings, data)

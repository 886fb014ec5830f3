"""The page's answer to a wallet request, checked before the agent hears of it (issue 27).

A page, or anyone holding the chat, could otherwise report any mined hash as "the transaction
you prepared", or put words in the agent's mouth through a rejection's reason. So:

- a reported hash must name a transaction whose sender, recipient, value, data and nonce are
  the prepared ones, looked up on the request's network through the proxy;
- a multi-call request (``calls``: a swap's approval, then the swap) needs every step: one
  hash per call, in order, each matching its call as above; or one hash of an atomic batch
  the wallet ran as a single transaction (EIP-5792 with EIP-7702: the signer's account runs
  the calls), accepted only when it is the signer's, mined without reverting, no older than
  the first call's nonce, and its input carries each call's recipient and data in order;
- a signature must recover to the signer the request named;
- a rejection carries one of a few reason codes, told to the agent in fixed sentences.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_proxy.client import ProxyError, call_tool
from sessions_app.models import ChatSession, WalletRequest

if TYPE_CHECKING:
    from eth_account.messages import SignableMessage

# What a rejection may say; anything else from the page becomes GENERIC_REASON.
REASON_SENTENCES: dict[str, str] = {
    "rejected_on_card": "the user rejected it on the card",
    "user_rejected": "the user rejected it in the wallet",
    "wallet_error": "the wallet reported an error",
    "unsupported": "the wallet does not support this request",
    "no_wallet": "no browser wallet was available",
    "timeout": "the wallet did not answer in time",
    "unspecified": "no reason was given",
}
GENERIC_REASON = "unspecified"

# A wallet's node may see the transaction a moment before ours does: look again, briefly.
LOOKUP_DELAYS = (0.0, 0.5, 1.0, 1.5)
# The fields a wallet may not change; gas and fees are the wallet's to choose.
MATCHED_FIELDS = ("from", "to", "value", "data", "nonce")

# Wallet outcome statuses (message metadata "wallet_status"): sent, rejected, and these two.
MISMATCHED = "mismatched"
UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class Verdict:
    """What the answer turned out to be: the message status, the request's new status, the
    sentence the agent and the page read, and the checked fields worth keeping."""

    status: str
    request_status: str
    sentence: str
    outcome: dict[str, Any] = field(default_factory=dict)


def reason_code(reason: str) -> str:
    """The page's reason as one of the known codes; free text never goes further."""
    code = reason.strip().lower()
    return code if code in REASON_SENTENCES else GENERIC_REASON


def rejected(reason: str) -> Verdict:
    code = reason_code(reason)
    sentence = f"Wallet: the user rejected the request ({REASON_SENTENCES[code]})."
    return Verdict("rejected", WalletRequest.Status.REJECTED, sentence, {"reason": code})


def mismatched(what: str, reported: dict[str, Any]) -> Verdict:
    sentence = (
        f"Wallet: the answer did not match the prepared {what}; nothing is confirmed as "
        f"{'sent' if what == 'transaction' else 'signed'}."
    )
    return Verdict(MISMATCHED, WalletRequest.Status.MISMATCHED, sentence, reported)


async def judge(
    request: WalletRequest,
    chat_session: ChatSession,
    status: str,
    tx_hash: str,
    signature: str,
    reason: str,
    tx_hashes: Sequence[str] = (),
) -> Verdict:
    """The verdict on one answer to ``request``."""
    if status != "sent":
        return rejected(reason)
    if request.signature_request is not None:
        return judge_signature(request.signature_request, signature)
    if request.calls:
        hashes = list(tx_hashes) or ([tx_hash] if tx_hash else [])
        return await judge_calls(request.calls, request.network, hashes, chat_session)
    if not tx_hash or not isinstance(request.transaction, dict):
        return mismatched("transaction", {"signature": signature})
    found = await look_up(request.network, tx_hash, chat_session)
    if found is None:
        sentence = (
            f"Wallet: the page reported transaction {tx_hash}, but it could not be confirmed "
            f"on {request.network}: no such transaction was found there yet."
        )
        return Verdict(UNCONFIRMED, WalletRequest.Status.SENT, sentence, {"tx_hash": tx_hash})
    if not transaction_matches(request.transaction, found):
        return mismatched("transaction", {"tx_hash": tx_hash})
    sentence = f"Wallet: the user signed and sent the transaction {tx_hash}."
    return Verdict("sent", WalletRequest.Status.SENT, sentence, {"tx_hash": tx_hash})


async def judge_calls(
    calls: list[dict[str, Any]], network: str, hashes: list[str], chat_session: ChatSession
) -> Verdict:
    """The verdict on a multi-call answer: a hash per call, or one atomic batch."""
    reported: dict[str, Any] = {"tx_hash": hashes[-1] if hashes else "", "tx_hashes": hashes}
    if len(hashes) == len(calls):
        return await judge_call_by_call(calls, network, hashes, chat_session)
    if len(hashes) == 1:
        return await judge_atomic_batch(calls, network, hashes[0], chat_session)
    return mismatched("transaction", reported)  # checked before any lookup: no network call


async def judge_call_by_call(
    calls: list[dict[str, Any]], network: str, hashes: list[str], chat_session: ChatSession
) -> Verdict:
    """Each hash is its call's transaction (in order: the nonces say so)."""
    reported: dict[str, Any] = {"tx_hash": hashes[-1], "tx_hashes": hashes}
    found = [await look_up(network, tx_hash, chat_session) for tx_hash in hashes]
    for call, mined in zip(calls, found, strict=True):
        if mined is not None and not transaction_matches(call, mined):
            return mismatched("transaction", reported)
    if any(mined is None for mined in found):
        return unconfirmed(network, hashes, reported)
    listed = ", ".join(hashes)
    sentence = f"Wallet: the user signed and sent the {len(calls)} transactions {listed}."
    return Verdict("sent", WalletRequest.Status.SENT, sentence, reported)


async def judge_atomic_batch(
    calls: list[dict[str, Any]], network: str, tx_hash: str, chat_session: ChatSession
) -> Verdict:
    """One transaction that ran every call (EIP-7702: the signer's account as the batcher)."""
    reported: dict[str, Any] = {"tx_hash": tx_hash, "tx_hashes": [tx_hash]}
    found = await look_up(network, tx_hash, chat_session)
    if found is None:
        return unconfirmed(network, [tx_hash], reported)
    if not batch_matches(calls, found):
        return mismatched("transaction", reported)
    receipt = await look_up(network, tx_hash, chat_session, "get_transaction_receipt")
    if receipt is None:  # known, not mined (yet): nothing says every step ran
        return unconfirmed(network, [tx_hash], reported)
    if receipt.get("status") != "success":  # reverted: the steps did not happen
        return mismatched("transaction", reported)
    sentence = (
        f"Wallet: the user signed and sent the {len(calls)} steps as one transaction {tx_hash}."
    )
    return Verdict("sent", WalletRequest.Status.SENT, sentence, reported)


def batch_matches(calls: list[dict[str, Any]], found: dict[str, Any]) -> bool:
    """Whether one transaction is the signer's run of every call: sent by the signer, not
    before the first call's nonce (an older batch of the same calls is not this one), its
    input holding each call's recipient and data, in order."""
    signer = _normalised("from", calls[0].get("from"))
    if any(_normalised("from", call.get("from")) != signer for call in calls):
        return False
    if _normalised("from", found.get("from")) != signer or not signer:
        return False
    first_nonce, nonce = _as_int(calls[0].get("nonce")), _as_int(found.get("nonce"))
    if first_nonce is None or nonce is None or nonce < first_nonce:
        return False
    return carries_in_order(_as_bytes(found.get("input")), calls)


def carries_in_order(payload: bytes | None, calls: list[dict[str, Any]]) -> bool:
    """Each call's 20-byte recipient, then its data, found in ``payload`` after the last."""
    if payload is None:
        return False
    position = 0
    for call in calls:
        recipient, data = _as_bytes(call.get("to")), _as_bytes(call.get("data"))
        if recipient is None or len(recipient) != 20 or data is None:
            return False
        for part in (recipient, data):
            at = payload.find(part, position)
            if at < 0:
                return False
            position = at + len(part)
    return True


def _as_bytes(value: Any) -> bytes | None:
    """Hex text as bytes ("" and "0x" are empty); None when it is not hex."""
    text = str(value or "").lower().removeprefix("0x")
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def unconfirmed(network: str, hashes: list[str], reported: dict[str, Any]) -> Verdict:
    listed = ", ".join(hashes)
    sentence = (
        f"Wallet: the page reported transaction{'s' if len(hashes) > 1 else ''} {listed}, "
        f"but {'they' if len(hashes) > 1 else 'it'} could not be confirmed on {network}: "
        "not found there yet, or not mined yet."
    )
    return Verdict(UNCONFIRMED, WalletRequest.Status.SENT, sentence, reported)


async def look_up(
    network: str, tx_hash: str, chat_session: ChatSession, tool: str = "get_transaction"
) -> dict[str, Any] | None:
    """The transaction (or with ``tool`` its receipt) as the network's node has it; None
    when it stays unknown (or the node unreachable) over a few seconds."""
    for delay in LOOKUP_DELAYS:
        await asyncio.sleep(delay)
        try:
            result = await call_tool(
                network,
                tool,
                {"tx_hash": tx_hash},
                session=chat_session.public_id,
                owner=chat_session.owner_ref,
            )
        except ProxyError:
            continue
        if isinstance(result.structured, dict):
            return result.structured
    return None


def transaction_matches(prepared: dict[str, Any], found: dict[str, Any]) -> bool:
    """Whether the mined (or pending) transaction is the prepared one, field by field."""
    mined = {
        "from": found.get("from"),
        "to": found.get("to"),
        "value": found.get("value_wei"),
        "data": found.get("input"),
        "nonce": found.get("nonce"),
    }
    return all(
        _normalised(name, prepared.get(name)) == _normalised(name, mined[name])
        for name in MATCHED_FIELDS
    )


def _normalised(name: str, value: Any) -> object:
    """Addresses and data compare without case, numbers as integers (hex or decimal)."""
    if name in ("value", "nonce"):
        return _as_int(value)
    text = str(value or "").lower()
    return text if text not in ("", "0x") else ""


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 0)
    except ValueError:
        return None


def judge_signature(signature_request: dict[str, Any], signature: str) -> Verdict:
    """A signature counts when it recovers to the signer the request named."""
    reported = {"signature": signature}
    expected = requested_signer(signature_request)
    message = signable(signature_request)
    if not signature or expected is None or message is None:
        return mismatched("signature request", reported)
    from eth_account import Account  # loaded when a signature is checked: see signable

    try:
        recovered = Account.recover_message(message, signature=signature)
    except Exception:  # a malformed signature: eth_keys raises several kinds
        return mismatched("signature request", reported)
    if recovered.lower() != expected.lower():
        return mismatched("signature request", reported)
    sentence = f"Wallet: the user signed the message; signature {signature}."
    return Verdict("sent", WalletRequest.Status.SENT, sentence, reported)


def requested_signer(signature_request: dict[str, Any]) -> str | None:
    """personal_sign names the signer second, eth_signTypedData_v4 first."""
    params = signature_request.get("params")
    if not isinstance(params, list) or len(params) != 2:
        return None
    method = signature_request.get("method")
    signer = params[1] if method == "personal_sign" else params[0]
    return signer if isinstance(signer, str) else None


def signable(signature_request: dict[str, Any]) -> SignableMessage | None:
    """What the wallet was asked to sign, as eth_account encodes it; None when unreadable.
    eth_account is imported here, not at the top: it loads in about a second of CPU, which
    every backend start would pay for the rare signature request."""
    from eth_account.messages import encode_defunct, encode_typed_data

    method, params = signature_request.get("method"), signature_request.get("params") or []
    try:
        if method == "personal_sign":
            return encode_defunct(hexstr=str(params[0]))
        if method == "eth_signTypedData_v4":
            typed = params[1] if isinstance(params[1], dict) else json.loads(str(params[1]))
            return encode_typed_data(full_message=typed)
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return None

"""EIP-712 typed data: checked for shape, then decoded into what signing it would allow.

Pure functions, no chain: tools/signing.py adds token symbols and the other side's labels from
the chain, then hands the effects to the spend policy, which judges a signed permit like an
on-chain approval. Decoded: EIP-2612 and DAI permits, Permit2 (allowances, signature transfers
and their witness variants) and Seaport orders. Anything else is shown field by field, since
what it allows cannot be said.

The checks come first and fail with one sentence a person can read: a wallet would refuse
malformed typed data too, but with a message that helps nobody.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from typing import Any

from eth_account.messages import encode_typed_data
from eth_utils import to_checksum_address

from mcp_servers.effects import (
    APPROVAL,
    NATIVE,
    PERMIT2_MAX_AMOUNT,
    TRANSFER,
    UNLIMITED_THRESHOLD,
    Effect,
)
from mcp_servers.errors import ToolFailure
from mcp_servers.units import short_address

MAX_TYPED_DATA_CHARS = 100_000  # real permits and orders are a few KB
MAX_DEPTH = 10
MAX_SHOWN_FIELDS = 40
MAX_VALUE_CHARS = 200
PERMIT2_ADDRESS = "0x000000000022D473030F116dDEE9F6B43aC78BA3"  # the same on every chain
ANYONE_WHO_FILLS = "whoever fills the order"
SEAPORT_STANDARDS = {0: "native", 1: "erc20", 2: "erc721", 3: "erc1155", 4: "erc721", 5: "erc1155"}
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
HEX_RE = re.compile(r"^0x([0-9a-fA-F]{2})*$")
ARRAY_RE = re.compile(r"^(.+)\[(\d*)\]$")
INT_RE = re.compile(r"^(u?)int(\d*)$")
BYTES_RE = re.compile(r"^bytes(\d+)$")
EIP712_SHAPE = "an object with types, primaryType, domain and message"


@dataclass
class Decoded:
    """What signing the typed data allows, in the user's terms."""

    kind: str  # permit, permit2, seaport, typed_data
    title: str  # the start of the card's one line: "Sign a permit"
    owner: str  # whose tokens it concerns: the permit's owner, the order's offerer, the signer
    effects: list[Effect] = field(default_factory=list)
    fields: list[dict[str, str]] = field(default_factory=list)  # [{"name", "value"}] for the card
    warnings: list[str] = field(default_factory=list)
    checked: str = "decoded"  # "unknown": the server cannot say what it allows


class Malformed(ToolFailure):
    """The typed data is not well-formed EIP-712; the message says where."""


# Shape ---------------------------------------------------------------------------------------


def check(typed: Any, chain_id: int, network: str) -> None:
    """Raise ToolFailure (one sentence) unless ``typed`` is well-formed EIP-712 for this chain."""
    check_size(typed)
    check_top_level(typed)
    signed_chain = domain_chain_id(typed["domain"])
    if signed_chain is not None and signed_chain != chain_id:
        raise ToolFailure(
            f"The typed data is for chain {signed_chain}, not {network} (chain {chain_id}); "
            "refusing to sign it here."
        )
    types = typed["types"]
    if "EIP712Domain" in types:
        check_value("domain", "EIP712Domain", typed["domain"], types, 0)
    check_value("message", typed["primaryType"], typed["message"], types, 0)
    try:
        encode_typed_data(full_message=typed)
    except Exception as exc:  # eth_account raises many kinds; what is left here is rare
        detail = str(exc).split("\n")[0][:160].rstrip(".")
        raise Malformed(f"The typed data is not valid EIP-712: {detail}.") from None


def check_size(typed: Any) -> None:
    try:
        size = len(json.dumps(typed, default=str))
    except (RecursionError, ValueError, TypeError):
        raise Malformed("The typed data nests too deeply to be signed here.") from None
    if size > MAX_TYPED_DATA_CHARS:
        raise Malformed(
            f"The typed data is too large ({size // 1000} KB): at most "
            f"{MAX_TYPED_DATA_CHARS // 1000} KB can be signed here."
        )


def check_top_level(typed: Any) -> None:
    if not isinstance(typed, dict):
        raise Malformed(f"The typed data is not valid EIP-712: it must be {EIP712_SHAPE}.")
    missing = [key for key in ("types", "primaryType", "domain", "message") if key not in typed]
    if missing:
        raise Malformed(
            f"The typed data is not valid EIP-712: it lacks {' and '.join(missing)} (it must be "
            f"{EIP712_SHAPE})."
        )
    types = typed["types"]
    if not isinstance(types, dict) or not all(
        isinstance(fields, list) and all(is_member(member) for member in fields)
        for fields in types.values()
    ):
        raise Malformed(
            "The typed data is not valid EIP-712: its types must map each type name to a list of "
            '{"name": …, "type": …} entries.'
        )
    primary = typed["primaryType"]
    if not isinstance(primary, str) or primary not in types:
        raise Malformed(
            f"The typed data is not valid EIP-712: its primaryType {shown(primary)} is not one "
            "of its types."
        )
    for key in ("domain", "message"):
        if not isinstance(typed[key], dict):
            raise invalid(key, "must be an object", typed[key])


def is_member(member: Any) -> bool:
    return (
        isinstance(member, dict)
        and isinstance(member.get("name"), str)
        and isinstance(member.get("type"), str)
    )


def domain_chain_id(domain: dict[str, Any]) -> int | None:
    value = domain.get("chainId")
    if value is None:
        return None
    try:
        return whole(value)
    except ValueError:
        raise Malformed(
            f"The typed data's domain chainId must be a whole number like 1 or 137, not "
            f"{shown(value)}; refusing to sign it."
        ) from None


def check_value(path: str, type_name: str, value: Any, types: dict[str, Any], depth: int) -> None:
    """``value`` matches ``type_name``; else Malformed names the field and what it should be."""
    if depth > MAX_DEPTH:
        raise Malformed(
            f"The typed data is not valid EIP-712: it nests deeper than {MAX_DEPTH} levels at "
            f"{path}."
        )
    array = ARRAY_RE.match(type_name)
    if array:
        check_array(path, array.group(1), array.group(2), value, types, depth)
    elif type_name in types:
        if not isinstance(value, dict):
            raise invalid(path, f"must be an object (a {type_name})", value)
        for member in types[type_name]:
            if member["name"] not in value:
                raise Malformed(
                    f"The typed data is not valid EIP-712: {path}.{member['name']} is missing "
                    f"(a {member['type']})."
                )
            check_value(
                f"{path}.{member['name']}", member["type"], value[member["name"]], types, depth + 1
            )
    else:
        check_atomic(path, type_name, value)


def check_array(
    path: str, item_type: str, length: str, value: Any, types: dict[str, Any], depth: int
) -> None:
    if not isinstance(value, list):
        raise invalid(path, f"must be a list (a {item_type}[{length}])", value)
    if length and len(value) != int(length):
        raise invalid(path, f"must hold exactly {length} items", value)
    for index, item in enumerate(value):
        check_value(f"{path}[{index}]", item_type, item, types, depth + 1)


def check_atomic(path: str, type_name: str, value: Any) -> None:
    number, fixed = INT_RE.match(type_name), BYTES_RE.match(type_name)
    if type_name == "address":
        if not (isinstance(value, str) and ADDRESS_RE.match(value)):
            raise invalid(path, "must be an address (0x and 40 hex characters)", value)
    elif type_name == "bool":
        if not isinstance(value, bool):
            raise invalid(path, "must be true or false", value)
    elif type_name == "string":
        if not isinstance(value, str):
            raise invalid(path, "must be text", value)
    elif type_name == "bytes" or fixed:
        size = int(fixed.group(1)) if fixed else None
        if not (isinstance(value, str) and HEX_RE.match(value)) or (
            size is not None and (len(value) - 2) // 2 > size
        ):
            raise invalid(path, f"must be 0x and hex bytes (a {type_name})", value)
    elif number:
        check_number(path, type_name, bool(number.group(1)), int(number.group(2) or 256), value)
    else:
        raise Malformed(
            f"The typed data is not valid EIP-712: {path} has the type {shown(type_name)}, "
            "which it does not define."
        )


def check_number(path: str, type_name: str, unsigned: bool, bits: int, value: Any) -> None:
    try:
        number = whole(value)
    except ValueError:
        raise invalid(path, f"must be a whole number (a {type_name})", value) from None
    low, high = (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if not low <= number <= high:
        raise invalid(path, f"is out of range for a {type_name}", value)


def invalid(path: str, problem: str, value: Any) -> Malformed:
    return Malformed(f"The typed data is not valid EIP-712: {path} {problem}, not {shown(value)}.")


def whole(value: Any) -> int:
    """A whole number as EIP-712 JSON carries it: a number, "123" or "0x7b"; else ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?0x[0-9a-fA-F]+", text):
            return int(text, 16)
        if re.fullmatch(r"-?[0-9]+", text):
            return int(text, 10)
    raise ValueError(value)


def shown(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


# Decoding ------------------------------------------------------------------------------------


def decode(typed: dict[str, Any], signer: str, currency: str) -> Decoded:
    """What signing ``typed`` (already checked) allows; unknown shapes are shown field by field.

    A well-known name with fields of other types (a "Permit" whose value is text) is unknown
    too: the decoders read only the shapes they know."""
    try:
        decoded = known(typed, signer, currency)
    except (KeyError, ValueError, TypeError):
        decoded = None
    return decoded or unknown(typed, signer)


def known(typed: dict[str, Any], signer: str, currency: str) -> Decoded | None:
    domain, message, primary = typed["domain"], typed["message"], typed["primaryType"]
    name = str(domain.get("name", ""))
    contract = str(domain.get("verifyingContract", ""))
    if name == "Permit2" or contract.lower() == PERMIT2_ADDRESS.lower():
        decoded = permit2(message, signer)
        if decoded:
            return decoded
    if name == "Seaport" and primary == "OrderComponents":
        return seaport(message, currency)
    if primary == "Permit" and ADDRESS_RE.match(contract):
        if {"owner", "spender", "value"} <= message.keys():
            return eip2612_permit(message, to_checksum_address(contract))
        if {"holder", "spender", "allowed"} <= message.keys():
            return dai_permit(message, to_checksum_address(contract))
    return None


def token_approval(
    owner: str, token: str, spender: str, amount: int, standard: str, unlimited: bool
) -> Effect:
    """An allowance; symbol and decimals stay the short address and raw units until the chain
    says better (signing.py)."""
    return Effect(APPROVAL, standard, owner, token, short_address(token), 0, amount,
                  spender, unlimited=unlimited)  # fmt: skip


def eip2612_permit(message: dict[str, Any], token: str) -> Decoded:
    owner = to_checksum_address(message["owner"])
    amount = whole(message["value"])
    spender = to_checksum_address(message["spender"])
    effect = token_approval(owner, token, spender, amount, "erc20", amount >= UNLIMITED_THRESHOLD)
    decoded = Decoded("permit", "Sign a permit", owner, [effect])
    if "deadline" in message:
        decoded.fields.append(row("Signature valid until", moment(whole(message["deadline"]))))
    return decoded


def dai_permit(message: dict[str, Any], token: str) -> Decoded:
    """DAI's permit is all or nothing: allowed=true grants an unlimited allowance."""
    holder = to_checksum_address(message["holder"])
    allowed = message["allowed"] is True
    spender = to_checksum_address(message["spender"])
    effect = token_approval(holder, token, spender, 2**256 - 1 if allowed else 0, "erc20", allowed)
    expiry = whole(message.get("expiry", 0))  # 0: the signature never expires
    return Decoded(
        "permit",
        "Sign a permit",
        holder,
        [effect],
        [row("Signature valid until", moment(expiry) or "never")],
    )


def permit2(message: dict[str, Any], signer: str) -> Decoded | None:
    """Permit2 allowances (details) and signature transfers (permitted), witness or not: the
    owner is whoever signs, so the signer's tokens are always the ones at stake."""
    spender = message.get("spender")
    if not (isinstance(spender, str) and ADDRESS_RE.match(spender)):
        return None
    spender = to_checksum_address(spender)
    if isinstance(message.get("details"), dict | list):
        return permit2_allowance(message, signer, spender)
    if isinstance(message.get("permitted"), dict | list):
        return permit2_transfer(message, signer, spender)
    return None


def listed(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def row(name: str, value: str) -> dict[str, str]:
    """One line of the card's "What you sign" list."""
    return {"name": name, "value": value}


def permit2_effect(signer: str, item: dict[str, Any], spender: str) -> Effect:
    token, amount = to_checksum_address(item["token"]), whole(item["amount"])
    return token_approval(signer, token, spender, amount, "permit2", amount >= PERMIT2_MAX_AMOUNT)


def permit2_allowance(message: dict[str, Any], signer: str, spender: str) -> Decoded:
    details = listed(message["details"])
    effects = [permit2_effect(signer, item, spender) for item in details]
    decoded = Decoded("permit2", "Sign a Permit2 allowance", signer, effects)
    for item in details:
        expiration = whole(item.get("expiration", 0))
        # Permit2 stores an expiration of 0 as "now": the allowance lasts one block.
        when = moment(expiration) or "the block it is used in (expiration 0)"
        decoded.fields.append(row(f"Allowance of {short_address(item['token'])} ends", when))
    if "sigDeadline" in message:
        decoded.fields.append(row("Signature valid until", moment(whole(message["sigDeadline"]))))
    return decoded


ONE_TIME_TRANSFER = (
    "A one-time transfer: the spender may move up to this amount once, to any address it chooses."
)


def permit2_transfer(message: dict[str, Any], signer: str, spender: str) -> Decoded:
    permitted = listed(message["permitted"])
    effects = [permit2_effect(signer, item, spender) for item in permitted]
    decoded = Decoded("permit2", "Sign a Permit2 transfer", signer, effects)
    decoded.fields.append(row("Kind", ONE_TIME_TRANSFER))
    if "deadline" in message:
        decoded.fields.append(row("Signature valid until", moment(whole(message["deadline"]))))
    if "witness" in message:  # the order or intent this transfer pays for (UniswapX, …)
        decoded.fields += flatten(message["witness"], "message.witness")
    return decoded


def seaport(message: dict[str, Any], currency: str) -> Decoded:
    """A Seaport order: the offer is what the offerer gives whoever fills it; consideration items
    are what the filler pays, to the offerer (what the offerer gets) or to others (fees)."""
    offerer = to_checksum_address(message["offerer"])
    decoded = Decoded("seaport", "Sign a Seaport order", offerer)
    for item in listed(message.get("offer", [])):
        decoded.effects.append(seaport_item(item, offerer, currency, outgoing=True))
        decoded.warnings += criteria_warning(item, "gives")
    for item in listed(message.get("consideration", [])):
        recipient = to_checksum_address(item.get("recipient", offerer))
        decoded.effects.append(seaport_item(item, recipient, currency, outgoing=False))
        if recipient == offerer:
            decoded.warnings += criteria_warning(item, "gets")
    gives = [e for e in decoded.effects if e.amount < 0]
    gets = [e for e in decoded.effects if e.amount > 0 and e.address == offerer]
    if gives and not gets:
        decoded.warnings.append(
            "This order gives tokens away and pays the offerer nothing in return: whoever fills "
            "it takes them for free."
        )
    decoded.fields += seaport_fields(message)
    return decoded


def seaport_item(item: dict[str, Any], address: str, currency: str, outgoing: bool) -> Effect:
    item_type = whole(item.get("itemType", -1))
    standard = SEAPORT_STANDARDS.get(item_type, "erc20")
    start, end = whole(item.get("startAmount", 0)), whole(item.get("endAmount", 0))
    amount = -max(start, end) if outgoing else min(start, end)  # the worst case for the offerer
    native = standard == NATIVE
    token = NATIVE if native else to_checksum_address(item["token"])
    return Effect(
        TRANSFER,
        standard,
        address,
        token,
        currency if native else short_address(token),
        18 if native else 0,
        amount,
        token_id=whole(item.get("identifierOrCriteria", 0)) if item_type in (2, 3) else None,
        counterparty_label=ANYONE_WHO_FILLS if outgoing else "",
    )


def criteria_warning(item: dict[str, Any], verb: str) -> list[str]:
    if whole(item.get("itemType", -1)) not in (4, 5):
        return []
    token = short_address(str(item.get("token", "")))
    which = "a token from a list" if whole(item.get("identifierOrCriteria", 0)) else "any token"
    return [
        f"Criteria-based item: the offerer {verb} {which} of the collection {token}, chosen by "
        "whoever fills the order, not one named token."
    ]


def seaport_fields(message: dict[str, Any]) -> list[dict[str, str]]:
    fields = [row("Order valid until", moment(whole(message.get("endTime", 0))) or "never")]
    for side in ("offer", "consideration"):
        for index, item in enumerate(listed(message.get(side, []))):
            start, end = whole(item.get("startAmount", 0)), whole(item.get("endAmount", 0))
            if start != end:
                name = f"{side.capitalize()} item {index + 1} amount"
                fields.append(row(name, f"changes over time from {start} to {end} (base units)"))
    return fields


def unknown(typed: dict[str, Any], signer: str) -> Decoded:
    primary = typed["primaryType"]
    name = typed["domain"].get("name") or "an unnamed contract"
    title = f"Sign {str(primary)[:60]} for {str(name)[:60]}"
    decoded = Decoded("typed_data", title, signer, checked="unknown")
    decoded.fields = flatten(typed["message"], "message")
    decoded.warnings.append(
        f"This server cannot decode {shown(primary)} typed data for {shown(name)}: what signing "
        "it allows is unknown. Read every field, and sign only if you trust the site that asks."
    )
    return decoded


def flatten(value: Any, path: str) -> list[dict[str, str]]:
    """The value field by field ("message.details.amount"), bounded in count and length."""
    rows: list[dict[str, str]] = []
    pending: list[tuple[str, Any]] = [(path, value)]
    total = 0
    while pending:
        name, item = pending.pop(0)
        if isinstance(item, dict) and item:
            pending[:0] = [(f"{name}.{key}", inner) for key, inner in item.items()]
            continue
        if isinstance(item, list) and item:
            pending[:0] = [(f"{name}[{index}]", inner) for index, inner in enumerate(item)]
            continue
        total += 1
        if len(rows) < MAX_SHOWN_FIELDS:
            rows.append({"name": name[:MAX_VALUE_CHARS], "value": as_text(item)})
    if total > len(rows):
        rows.append({"name": "…", "value": f"{total - len(rows)} more fields not shown"})
    return rows


def as_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def moment(timestamp: int) -> str:
    """A unix time as a person reads it; the far future (max uint48, …) is "never", and 0
    is "" (its meaning depends on the contract: "never" for DAI, "now" for Permit2)."""
    if timestamp <= 0:
        return ""
    try:
        when = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return "never"
    if when.year >= 9000:
        return "never"
    return when.strftime("%Y-%m-%d %H:%M UTC")

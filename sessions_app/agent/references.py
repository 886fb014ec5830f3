"""What the builtin agent checks before it calls a tool: addresses, names, hashes and amounts.

Each check returns the value to use or raises Unusable with a sentence naming what is wrong,
so that a bad address or amount is refused precisely instead of reaching a tool (or worse, a
chain). Pure functions: no database, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

from eth_utils import is_checksum_address

from chatproject.lib.networks import DEV_ACCOUNT_NAMES

WALLET = "@wallet"  # the wallet connected in the page ("me", "my")
LAST_ADDRESS = "@last_address"  # the last address of the session ("his", "her", "their")
LAST_TRANSACTION = "@last_transaction"  # "that transfer", "its receipt"

ME_WORDS = {"me", "my", "i", "mine", "myself"}
THEM_WORDS = {"he", "him", "his", "she", "her", "hers", "they", "them", "their", "theirs"}
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
HEX_RE = re.compile(r"^0x[0-9a-fA-F]*$")
ENS_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+$", re.IGNORECASE)

# Units of the native currency: the decimals a written amount may have in each.
UNIT_DECIMALS = {"eth": 18, "ether": 18, "pol": 18, "matic": 18, "gwei": 9, "wei": 0}


class Unusable(ValueError):
    """A part of the message that cannot be used as written; the sentence says why."""


@dataclass(frozen=True)
class Amount:
    text: str  # as written, normalised ("1.5")
    unit: str  # eth, gwei, wei, pol (lower case)

    def tool_arguments(self) -> dict[str, str]:
        """The send/prepare tools take ether units (value) or wei (value_wei)."""
        if self.unit in ("eth", "ether", "pol", "matic"):
            return {"value": self.text}
        with localcontext() as context:
            context.prec = 200
            wei = int(Decimal(self.text).scaleb(UNIT_DECIMALS[self.unit]))
        return {"value_wei": str(wei)}


def check_address(text: str) -> str:
    """A 0x address as written (checksummed or all one case); raises Unusable otherwise."""
    if HASH_RE.match(text):
        raise Unusable(f"{text} is a transaction hash, not an address.")
    if not HEX_RE.match(text):
        raise Unusable(f"{text} is not a valid address: it has characters that are not hex digits.")
    if not ADDRESS_RE.match(text):
        digits = len(text) - 2
        raise Unusable(
            f"{text} is not a valid address: an address is 0x followed by 40 hex digits, "
            f"and this has {digits}."
        )
    body = text[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(text):
        raise Unusable(
            f"{text} does not match its EIP-55 checksum (the mix of upper and lower case "
            "letters), so it may contain a typo. Check it, or write it all in lower case."
        )
    return text


def check_reference(text: str, dev: bool, network: str) -> str:
    """Who or what a word in the message names: a 0x address, an ENS name, a dev account
    (on dev networks), "me" (WALLET) or "him/her/them" (LAST_ADDRESS)."""
    word = text.strip().strip("'\u2019").lower()
    if text.lower().startswith("0x"):
        return check_address(text)
    if word in ME_WORDS:
        return WALLET
    if word in THEM_WORDS:
        return LAST_ADDRESS
    name = dev_name(word)
    if name is not None:
        if not dev:
            raise Unusable(
                f"{name} is a named account of the testnet only; on {network} give a 0x "
                "address or an ENS name."
            )
        return name
    if ENS_RE.match(word):
        return word
    accounts = ", ".join(DEV_ACCOUNT_NAMES[:3]) + ", …" if dev else ""
    raise Unusable(
        f"I don't know who or what “{text}” is: give a 0x address or an ENS name"
        + (f" (or one of the testnet accounts {accounts})." if accounts else ".")
    )


def dev_name(word: str) -> str | None:
    """alice, Alice, alices, alice's -> alice."""
    word = word.lower().removesuffix("'s").removesuffix("\u2019s").rstrip("'\u2019")
    for candidate in (word, word.removesuffix("s")):
        if candidate in DEV_ACCOUNT_NAMES:
            return candidate
    return None


def check_hash(text: str) -> str:
    if HASH_RE.match(text):
        return text
    if ADDRESS_RE.match(text):
        raise Unusable(f"{text} is an address, not a transaction hash.")
    raise Unusable(f"{text} is not a transaction hash: a hash is 0x followed by 64 hex digits.")


def check_amount(text: str, unit: str) -> Amount:
    """A positive amount with no more decimals than ``unit`` allows."""
    cleaned = text.strip().replace("_", "")
    if "," in cleaned:
        raise Unusable(
            f"“{text}” is not a number I can read: write decimals with a dot (1.5) and no "
            "thousands separators."
        )
    try:
        value = Decimal(cleaned)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise Unusable(f"“{text}” is not a number; give the amount like 1.5.") from None
    if value < 0:
        raise Unusable(f"The amount cannot be negative (you wrote {text}).")
    if value == 0:
        raise Unusable("The amount must be more than zero (you wrote 0): nothing to send.")
    decimals = UNIT_DECIMALS[unit]
    with localcontext() as context:
        context.prec = 200
        too_precise = value != value.quantize(Decimal(1).scaleb(-decimals))
    if too_precise:
        places = "no decimal places" if decimals == 0 else f"at most {decimals} decimal places"
        raise Unusable(f"The amount {text} {unit.upper()} has too many decimals: {places}.")
    with localcontext() as context:
        context.prec = 200
        written = format(value.normalize(), "f")
    return Amount(written, unit)

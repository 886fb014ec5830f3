"""A step of the builtin agent and its arguments, built from the words a phrasing matched.

Each builder takes the named parts of a match and the request's network and returns the step's
arguments, every reference checked (references.py), or raises Unusable with the sentence that
refuses it. Pure functions: no database, no network, nothing of the turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from chatproject.lib.networks import Network
from chatproject.lib.tokens import networks_with, token_by_symbol, tokens_on
from sessions_app.agent import clauses
from sessions_app.agent.references import (
    LAST_TRANSACTION,
    UNIT_DECIMALS,
    Unusable,
    check_address,
    check_amount,
    check_hash,
    check_reference,
)

NATIVE_WORDS = {"eth", "ether", "pol", "matic", "native", "money", "funds", "coins", "crypto"}
NATIVE_UNITS = {"eth": "ETH", "ether": "ETH", "pol": "POL", "matic": "POL"}

Parts = dict[str, str]
Builder = Callable[[Parts, Network], dict[str, Any]]


@dataclass
class Step:
    """One request of a message, read: run on ``network`` by its intent (intents.py)."""

    intent: str
    args: dict[str, Any]
    network: str
    text: str
    network_named: bool = False


def parts(found: Parts, net: Network) -> dict[str, Any]:
    """The matched words as they are: for intents with nothing to check."""
    return dict(found)


def _who(found: Parts, net: Network, key: str = "who") -> str:
    return check_reference(found[key], net.dev, net.name)


def who(found: Parts, net: Network) -> dict[str, Any]:
    return {"who": _who(found, net)}


def _token(symbol: str, net: Network) -> str:
    """A token's address on ``net`` from its symbol (or its 0x address)."""
    if symbol.lower().startswith("0x"):
        return check_address(symbol)
    priced = clauses.out_of_scope(symbol)
    if priced:
        return _raise(priced)
    token = token_by_symbol(net.name, symbol)
    if token is not None:
        return token.address
    elsewhere = networks_with(symbol)
    if net.dev and not tokens_on(net.name):
        return _raise(
            f"{symbol.upper()} has no known address on {net.name}: tokens there are contracts "
            "deployed on that chain, so name the token by its 0x address."
        )
    known = ", ".join(t.symbol for t in tokens_on(net.name))
    hint = f" ({symbol.upper()} is known on {', '.join(elsewhere)})" if elsewhere else ""
    return _raise(
        f"I don't know the address of a token called {symbol.upper()} on {net.name}{hint}. "
        f"The tokens I know there are {known}; or name the token by its 0x address."
    )


def _raise(sentence: str) -> NoReturn:
    raise Unusable(sentence)


def balance(found: Parts, net: Network) -> dict[str, Any]:
    symbol = found.get("sym", "")
    if not symbol or symbol.lower() in NATIVE_WORDS:
        return {"who": _who(found, net)}
    return {"who": _who(found, net), "token": _token(symbol, net), "symbol": symbol.upper()}


def token_info(found: Parts, net: Network) -> dict[str, Any]:
    return {"token": _token(found["sym"], net)}


def send(found: Parts, net: Network) -> dict[str, Any]:
    unit = (found.get("unit") or "").lower()
    if not unit and found["amount"].lower() in {*UNIT_DECIMALS, *NATIVE_WORDS}:
        incomplete_send(found, net)
    if unit and unit not in UNIT_DECIMALS:
        return _token_send(found, net)
    currency = NATIVE_UNITS.get(unit, net.currency)
    if currency != net.currency:
        return _raise(
            f"The native currency of {net.name} is {net.currency}, not {unit.upper()}; "
            f"{unit.upper()} is not a token I know there."
        )
    amount = check_amount(found["amount"], unit or "eth")
    return {"amount": amount, "to": _who(found, net, "to"), "sender": _sender(found, net)}


def incomplete_send(found: Parts, net: Network) -> NoReturn:
    example = "send 1 ETH from alice to bob" if net.dev else f"send 0.1 {net.currency} to 0x…"
    _raise(f"Say how much to send and to whom, e.g. *{example}*.")


def transaction(found: Parts, net: Network) -> dict[str, Any]:
    written = found.get("hash")
    return {"tx_hash": check_hash(written) if written else LAST_TRANSACTION}


def call(found: Parts, net: Network) -> dict[str, Any]:
    return {
        "address": _who(found, net),
        "signature": found["signature"],
        "args": split_call_args(found.get("args")),
    }


def block(found: Parts, net: Network) -> dict[str, Any]:
    return {"number": int(found["number"])}


def _sender(found: Parts, net: Network) -> str:
    sender = found.get("sender") or found.get("sender2")
    if found.get("sender") and found.get("sender2"):
        _raise(f"You named two senders ({found['sender']} and {found['sender2']}); name one.")
    return check_reference(sender, net.dev, net.name) if sender else ""


def _token_amount(text: str, symbol: str, unlimited: bool = False) -> str:
    """A token amount in token units ("1.5"); the tool checks it against the token's decimals."""
    if unlimited and text.lower() in {"unlimited", "infinite", "max", "maximum"}:
        return "unlimited"
    try:
        return check_amount(text, "eth").text
    except Unusable as exc:
        message = str(exc)
        if "too many decimals" not in message:
            raise
        return _raise(f"The amount {text} {symbol.upper()} has too many decimals.")


def _symbol(unit: str) -> str:
    return unit if unit.lower().startswith("0x") else unit.upper()


def _token_send(found: Parts, net: Network) -> dict[str, Any]:
    """ "send 5 USDC to bob": an ERC-20 transfer, the token named by symbol or 0x address."""
    unit = found["unit"]
    return {
        "token": _token(unit, net),
        "symbol": _symbol(unit),
        "token_amount": _token_amount(found["amount"], unit),
        "to": _who(found, net, "to"),
        "sender": _sender(found, net),
    }


def _owner(found: Parts, net: Network) -> str:
    return check_reference(found["owner"], net.dev, net.name) if "owner" in found else ""


def approve(found: Parts, net: Network) -> dict[str, Any]:
    """An approval, or with no amount (a revoke) one of 0."""
    unit = found["unit"]
    amount = found.get("amount", "0")
    return {
        "token": _token(unit, net),
        "symbol": _symbol(unit),
        "token_amount": "0" if amount == "0" else _token_amount(amount, unit, unlimited=True),
        "spender": _who(found, net, "spender"),
        "sender": _owner(found, net),
    }


def revoke_spender(found: Parts, net: Network) -> dict[str, Any]:
    """ "revoke bob on 0x…token": an ERC-20 allowance or NFT operator taken back (an ERC-721
    single-token approval with "#5")."""
    unit = found["unit"]
    token_id = {"token_id": int(found["token_id"])} if "token_id" in found else {}
    return {
        "token": _token(unit, net),
        "symbol": _symbol(unit),
        "spender": _who(found, net, "spender"),
        "sender": _owner(found, net),
        **token_id,
    }


def approvals(found: Parts, net: Network) -> dict[str, Any]:
    symbol = found.get("sym")
    return {"who": _who(found, net), **({"token": _token(symbol, net)} if symbol else {})}


def allowance(found: Parts, net: Network) -> dict[str, Any]:
    return {
        "token": _token(found["sym"], net),
        "owner": _who(found, net, "owner"),
        "spender": _who(found, net, "spender"),
    }


def transfers(found: Parts, net: Network) -> dict[str, Any]:
    symbol = found.get("sym") or found.get("sym2")
    if found.get("sym") and found.get("sym2"):
        _raise(f"You named two tokens ({found['sym']} and {found['sym2']}); name one.")
    token = {"token": _token(symbol, net)} if symbol and symbol.lower() != "token" else {}
    return {"who": _who(found, net), **token}


def nfts(found: Parts, net: Network) -> dict[str, Any]:
    """With a contract: the balance there; without: NFTs received lately (calls.nfts_held)."""
    owner = _who(found, net)
    if "contract" not in found:
        return {"who": owner}
    return {"who": owner, "contract": check_address(found["contract"])}


def nft_owner(found: Parts, net: Network) -> dict[str, Any]:
    return {"contract": check_address(found["contract"]), "token_id": int(found["token_id"])}


def _coin(symbol: str, net: Network) -> str:
    """A token the price and swap tools take: the network's native coin ("ETH", "POL"), a
    listed token's symbol, or a 0x address; ETH where POL is native is its wrapped token."""
    if symbol.lower().startswith("0x"):
        return check_address(symbol)
    currency = NATIVE_UNITS.get(symbol.lower())
    if currency == net.currency:
        return currency
    listed = token_by_symbol(net.name, "W" + currency if currency else symbol)
    if listed is not None:
        return listed.symbol
    known = ", ".join([net.currency, *(t.symbol for t in tokens_on(net.name))])
    elsewhere = [name for name in networks_with(symbol) if name != net.name]
    hint = f" ({symbol.upper()} is known on {', '.join(elsewhere)})" if elsewhere else ""
    return _raise(
        f"{symbol.upper()} is not a token I know on {net.name}{hint}. The ones I know there are "
        f"{known}; or name the token by its 0x address."
    )


def price(found: Parts, net: Network) -> dict[str, Any]:
    """ "price of ETH": the token's price in US dollars."""
    try:
        return {"token": _coin(found["sym"], net)}
    except Unusable as exc:
        raise Unusable(f"I can't price that: {exc}") from None


def quote(found: Parts, net: Network) -> dict[str, Any]:
    """ "quote 1 ETH to USDC": what a swap would give, checked as a swap is."""
    sold, bought = _coin(found["unit"], net), _coin(found["out"], net)
    if sold.lower() == bought.lower():
        _raise(f"You asked to swap {_symbol(sold)} for {_symbol(sold)}: name two different tokens.")
    slippage = {"slippage_percent": _slippage(found["slippage"])} if "slippage" in found else {}
    amount = _swap_amount(found["amount"], found["unit"])
    return {"token_in": sold, "token_out": bought, "amount": amount, **slippage}


def _swap_amount(text: str, unit: str) -> str:
    try:
        return _token_amount(text, unit)
    except Unusable as exc:
        raise Unusable(str(exc).replace("nothing to send", "nothing to swap")) from None


def swap(found: Parts, net: Network) -> dict[str, Any]:
    """ "swap 1 ETH for USDC from alice": a dev account swaps; elsewhere the wallet signs."""
    return {**quote(found, net), "sender": _sender(found, net)}


def incomplete_swap(found: Parts, net: Network) -> NoReturn:
    """ "swap eth for usdc", "swap 0 eth", "swap it": what is wrong, then what a swap needs."""
    sold, bought = found.get("unit"), found.get("out")
    if "amount" in found:
        _swap_amount(found["amount"], sold or "eth")
    if sold and bought and _coin_word(sold) == _coin_word(bought):
        _raise(f"You asked to swap {sold.upper()} for {bought.upper()}: name two different tokens.")
    sender = " from alice" if net.dev else ""
    _raise(
        f"Say how much of which token to swap and for which, e.g. *swap 1 {net.currency} for "
        f"USDC{sender}* (add *with 1% slippage* to set the slippage)."
    )


def _coin_word(symbol: str) -> str:
    return NATIVE_UNITS.get(symbol.lower(), symbol.upper())


MAX_SLIPPAGE = 10  # percent, as the swap tools allow: more lets a swap give far less than quoted


def _slippage(text: str) -> float:
    try:
        percent = float(text)
    except ValueError:
        _raise(f"“{text}” is not a slippage I can read: write it like 0.5%.")
    if not 0 <= percent <= MAX_SLIPPAGE:
        _raise(f"A slippage of {text}% is not one I use: give from 0 to {MAX_SLIPPAGE}%.")
    return percent


def portfolio(found: Parts, net: Network) -> dict[str, Any]:
    return {"who": _who(found, net), "tokens": [token.address for token in tokens_on(net.name)]}


def sign(found: Parts, net: Network) -> dict[str, Any]:
    return {"message": found["message"], "sender": _sender(found, net)}


def split_call_args(text: str | None) -> list[str]:
    """`with 0xabc, 5` or `with 0xabc and 5` -> ["0xabc", "5"]."""
    if not text:
        return []
    return [part.strip() for part in re.split(r"\s*(?:,|\band\b)\s*", text.strip()) if part.strip()]

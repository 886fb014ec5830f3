"""Malformed typed data (issue 26, bad input): one sentence that says what is wrong and where,
never a stack trace, never a signature, never "allowed"."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import BOB, error_of
from mcp_servers.tests.typed_examples import (
    mail,
    offer_item,
    permit_single,
    seaport_order,
)

TESTNET = 31337
TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
Change = Callable[[dict[str, Any]], Any]


def changed(typed: dict[str, Any], change: Change) -> dict[str, Any]:
    broken = copy.deepcopy(typed)
    change(broken)
    return broken


def nested(depth: int) -> dict[str, Any]:
    """A type that holds itself, nested ``depth`` times."""
    types = {"Node": [{"name": "next", "type": "Node[]"}]}
    value: dict[str, Any] = {"next": []}
    for _ in range(depth):
        value = {"next": [value]}
    domain = [{"name": "chainId", "type": "uint256"}]
    return {"types": {"EIP712Domain": domain, **types}, "primaryType": "Node",
            "domain": {"chainId": TESTNET}, "message": value}  # fmt: skip


SINGLE = permit_single(TESTNET, TOKEN, BOB, 5)
CASES: list[tuple[str, dict[str, Any] | list[Any], str]] = [
    ("no types", {"primaryType": "Nothing"}, "it lacks types and domain and message"),
    ("types not a map", changed(SINGLE, lambda t: t.update(types=[1, 2])),
     "its types must map each type name"),
    ("unknown primary type", changed(SINGLE, lambda t: t.update(primaryType="Permit9")),
     "its primaryType 'Permit9' is not one of its types"),
    ("message not an object", changed(SINGLE, lambda t: t.update(message="hi")),
     "message must be an object, not 'hi'"),
    ("missing field", changed(SINGLE, lambda t: t["message"].pop("spender")),
     "message.spender is missing (a address)"),
    ("amount is text", changed(SINGLE, lambda t: t["message"]["details"].update(amount="lots")),
     "message.details.amount must be a whole number (a uint160), not 'lots'"),
    ("amount too large", changed(SINGLE, lambda t: t["message"]["details"].update(amount=2**160)),
     "message.details.amount is out of range for a uint160"),
    ("bad address", changed(SINGLE, lambda t: t["message"].update(spender="bob")),
     "message.spender must be an address (0x and 40 hex characters), not 'bob'"),
    ("boolean as a number", changed(SINGLE, lambda t: t["message"].update(sigDeadline=True)),
     "message.sigDeadline must be a whole number (a uint256), not true"),
    ("undefined type", changed(mail(TESTNET), lambda t: t["types"]["Mail"].append(
        {"name": "extra", "type": "Parcel"}) or t["message"].update(extra=1)),
     "message.extra has the type 'Parcel', which it does not define"),
    ("list expected", changed(seaport_order(TESTNET, BOB, [], []),
                              lambda t: t["message"].update(offer=offer_item(1, TOKEN, 0, 1))),
     "message.offer must be a list (a OfferItem[])"),
    ("too deep", nested(30), "it nests deeper than 10 levels"),
    ("too large", mail(TESTNET, "x" * 200_000), "The typed data is too large (200 KB)"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_malformed_typed_data_is_refused_in_one_sentence(
    chain: Chain, typed: dict[str, Any], expected: str
) -> None:
    error = await error_of(chain, "sign_typed_data", from_address="alice", typed_data=typed)
    assert expected in error
    assert error.count(". ") == 0 and error.endswith((".", ")")), error
    assert "Error" not in error and "\n" not in error

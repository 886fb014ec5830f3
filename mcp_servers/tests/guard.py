"""What the spend-policy bypass tests share: mallory's address, raw calldata, and the two
outcomes a risky write may have (refused by a named rule, or prepared with a warning)."""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector
from mcp_types import CallToolResult

# Not a dev account: an address the tests put on the deny list.
MALLORY = "0x6d616c6c6F72790000000000000000000000Dead"
CAROL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
# "… refuses this: <the rule>", or for unlimited approvals "… refuses unlimited approvals …"
REFUSAL = "The spend policy refuses "


def calldata(signature: str, *args: Any) -> str:
    """0x calldata for ``signature`` ("transfer(address,uint256)") with ``args``."""
    inner = signature[signature.index("(") + 1 : signature.rindex(")")]
    types = [kind for kind in inner.split(",") if kind]
    selector = function_signature_to_4byte_selector(signature)
    return "0x" + (selector + encode(types, list(args))).hex()


def text_of(result: CallToolResult) -> str:
    return str(result.content[0].text)  # type: ignore[union-attr]


def summary_of(result: CallToolResult) -> dict[str, Any]:
    """The prepared write's summary (summary_format.md), after checking it was prepared."""
    assert not result.is_error, text_of(result)
    summary: dict[str, Any] = (result.structured_content or {})["summary"]
    return summary


def assert_refused(result: CallToolResult, *words: str) -> str:
    """The write was refused by the spend policy, in a sentence that names the rule."""
    text = text_of(result)
    assert result.is_error, f"expected a refusal, got {result.structured_content}"
    assert text.startswith(REFUSAL), text
    assert "Traceback" not in text and "SPEND_" not in text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return text


def assert_warned(result: CallToolResult) -> dict[str, Any]:
    """The write was prepared, but the card does not say "Allowed" without a warning."""
    summary = summary_of(result)
    policy = summary["policy"]
    assert policy["verdict"] in ("warning", "cannot_verify"), policy
    assert policy["warnings"], policy
    return summary


def mine(summary: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The user's own effects of one kind ("transfer", "approval", "operator", "fee")."""
    return [e for e in summary["effects"] if e["you"] and e["kind"] == kind]


def same_address(a: str | None, b: str) -> bool:
    return (a or "").lower() == b.lower()

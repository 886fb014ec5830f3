"""The spend policy, checked by the MCP server before every prepare_* and send_* tool.

What it enforces (settings, from the environment; README "Spend policy"):
- caps per transaction and per chat session per UTC day, for the native currency and for
  tokens named in SPEND_TOKEN_LIMITS (amounts in units, "1.5");
- recipient allow and deny lists (for approvals the spender is the recipient);
- unlimited approvals: a warning on the card, or a refusal with SPEND_REFUSE_UNLIMITED_APPROVALS.

A refusal is a ToolFailure whose sentence says which rule refused and what is left.

The chat session arrives with each call as `_meta["evmchat/session"]` (a hash of the session id
the proxy sends; server.run_tool puts it in CALLER_SESSION). Daily totals live in this process
(`_totals`): one MCP server per network, so they are per network; with several replicas of one
network each replica counts on its own, so a session could spend up to N times the daily cap
across N replicas. Calls without a session (direct MCP clients) share one bucket.
A prepared transaction counts when it is prepared: the server cannot see whether the wallet
signed it, so it errs on the side of the cap.
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from mcp_servers.errors import ToolFailure
from mcp_servers.units import format_units, parse_units

SESSION_META_KEY = "evmchat/session"
CALLER_SESSION: contextvars.ContextVar[str] = contextvars.ContextVar("caller_session", default="")
UNLIMITED_THRESHOLD = 2**255  # MaxUint256 and the "almost max" amounts some dapps use

_totals: dict[tuple[str, str, str, str], int] = {}  # (day, network, session, asset) -> spent


class PolicyRefusal(ToolFailure):
    """The spend policy refused; the message says which rule."""


@dataclass(frozen=True)
class Spend:
    """What one write would do, in the terms the policy judges."""

    kind: str  # "native", "token", "approval", "nft"
    asset: str  # the currency symbol for native, else the contract address
    symbol: str
    decimals: int
    amount: int  # base units (approvals: the allowance granted)
    recipient: str | None  # recipient, spender or operator

    @property
    def unlimited(self) -> bool:
        return self.kind == "approval" and self.amount >= UNLIMITED_THRESHOLD

    def units(self, amount: int | None = None) -> str:
        shown = format_units(self.amount if amount is None else amount, self.decimals)
        return f"{shown} {self.symbol}"


@dataclass
class Verdict:
    """The policy's answer for a write it allows: warnings go on the approval card."""

    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": "warning" if self.warnings else "allowed",
            "warnings": self.warnings,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Caps:
    per_tx: int | None
    per_day: int | None


def today() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def address_set(values: list[str]) -> set[str]:
    return {value.strip().lower() for value in values if value.strip()}


def caps_for(spend: Spend) -> Caps:
    if spend.kind == "native":
        return Caps(
            cap(settings.SPEND_MAX_NATIVE_PER_TX, spend, "SPEND_MAX_NATIVE_PER_TX"),
            cap(settings.SPEND_MAX_NATIVE_PER_DAY, spend, "SPEND_MAX_NATIVE_PER_DAY"),
        )
    for entry in settings.SPEND_TOKEN_LIMITS:
        key, _, rest = entry.strip().partition(":")
        if key.strip().lower() in (spend.asset.lower(), spend.symbol.lower()):
            per_tx, _, per_day = rest.partition(":")
            return Caps(
                cap(per_tx, spend, "SPEND_TOKEN_LIMITS"), cap(per_day, spend, "SPEND_TOKEN_LIMITS")
            )
    return Caps(None, None)


def cap(text: str, spend: Spend, variable: str) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_units(text, spend.decimals, variable)
    except ToolFailure:
        # A misconfigured cap must not open the gate: refuse, and say so to the operator's log.
        raise PolicyRefusal(
            "The spend policy of this server is misconfigured, so it refuses every transfer of "
            f"{spend.symbol}; ask the operator to fix it."
        ) from None


def check_recipient(spend: Spend, who: str) -> None:
    if spend.recipient is None:
        return
    recipient = spend.recipient.lower()
    role = {"approval": "spender", "nft": "recipient"}.get(spend.kind, "recipient")
    if recipient in address_set(settings.SPEND_DENIED_RECIPIENTS):
        raise PolicyRefusal(
            f"The spend policy refuses this: the {role} {who} is on the deny list of this server."
        )
    allowed = address_set(settings.SPEND_ALLOWED_RECIPIENTS)
    if allowed and recipient not in allowed:
        raise PolicyRefusal(
            f"The spend policy refuses this: the {role} {who} is not on the list of allowed "
            "recipients of this server."
        )


def day_key(network: str, spend: Spend) -> tuple[str, str, str, str]:
    return (today(), network, CALLER_SESSION.get(), spend.asset.lower())


def check_caps(network: str, spend: Spend) -> None:
    caps = caps_for(spend)
    if caps.per_tx is not None and spend.amount > caps.per_tx:
        raise PolicyRefusal(
            f"The spend policy refuses this: {spend.units()} is more than the "
            f"{spend.units(caps.per_tx)} allowed in one transaction."
        )
    if caps.per_day is not None:
        spent = _totals.get(day_key(network, spend), 0)
        if spent + spend.amount > caps.per_day:
            left = max(0, caps.per_day - spent)
            raise PolicyRefusal(
                f"The spend policy refuses this: this chat session may send "
                f"{spend.units(caps.per_day)} per day, has already sent or prepared "
                f"{spend.units(spent)} today, so {spend.units(left)} are left."
            )


def judge(network: str, spend: Spend, who: str) -> Verdict:
    """Raise PolicyRefusal, or return the verdict (with warnings) for a write that may go on."""
    check_recipient(spend, who)
    verdict = Verdict()
    if spend.kind == "approval":
        if spend.unlimited:
            if settings.SPEND_REFUSE_UNLIMITED_APPROVALS:
                raise PolicyRefusal(
                    "The spend policy refuses unlimited approvals on this server: approve the "
                    "amount you mean to spend instead."
                )
            verdict.warnings.append(
                f"Unlimited approval: {who} could move every {spend.symbol} this account holds, "
                "now and later, until the approval is revoked."
            )
        return verdict
    if spend.kind in ("native", "token"):
        check_caps(network, spend)
        caps = caps_for(spend)
        if caps.per_day is not None:
            left = caps.per_day - _totals.get(day_key(network, spend), 0) - spend.amount
            verdict.notes.append(f"{spend.units(left)} left of today's cap after this one.")
    return verdict


@contextmanager
def spending(network: str, spends: list[Spend], labels: list[str]) -> Iterator[Verdict]:
    """Judge the write's spends and count them toward today's totals; if the write then fails
    (a revert, a dropped RPC), the amounts are given back. Judge and count happen with no
    await in between, so two concurrent writes cannot both squeeze under one cap."""
    verdict = Verdict()
    for spend, who in zip(spends, labels, strict=True):
        one = judge(network, spend, who)
        verdict.warnings += one.warnings
        verdict.notes += one.notes
    counted = [(day_key(network, s), s.amount) for s in spends if s.kind in ("native", "token")]
    for key, amount in counted:
        _totals[key] = _totals.get(key, 0) + amount
    try:
        yield verdict
    except BaseException:
        for key, amount in counted:
            _totals[key] = max(0, _totals.get(key, 0) - amount)
        raise


def reset_totals() -> None:
    """Tests start each case from an empty day."""
    _totals.clear()

"""The spend policy: it judges what a write would do (its effects), never its calldata.

The MCP server simulates every prepare_*, send_* and sign_* before it is shown or sent
(simulation.py) and hands the effects here. The rules (settings, from the environment):
- every asset that leaves the signer counts against the per-transaction cap and the daily cap
  (native in units, tokens named in SPEND_TOKEN_LIMITS); an allowance counts against the
  per-transaction cap too;
- every recipient, spender and operator of what the signer gives is checked against the allow
  and deny lists;
- an unlimited allowance (above the holder's balance or the supply) and an operator over a whole
  collection warn, or are refused with SPEND_REFUSE_UNLIMITED_APPROVALS;
- what moves out that the request did not say (a "claim" that pulls approved tokens) warns;
- what could not be simulated is "cannot verify", or refused with SPEND_REFUSE_UNVERIFIED.

Daily totals are per owner (the browser or account, a hash the proxy sends in the call's
``_meta``), sender and asset, in the database every replica shares (models.SpendTotal). A
prepared transaction counts when it is prepared, since the server cannot see whether the wallet
signs it; a sent one is never given back once broadcast.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection

from mcp_servers.caller import CALLER_OWNER
from mcp_servers.effects import APPROVAL, NATIVE, OPERATOR, TRANSFER, Effect
from mcp_servers.errors import ToolFailure
from mcp_servers.overcap import OverCap
from mcp_servers.units import format_units, parse_units

if TYPE_CHECKING:
    from mcp_servers.models import SpendTotal

logger = logging.getLogger(__name__)

DIRECT_OWNER = "direct"  # a caller without the proxy's owner tag (the MCP token keeps them out)
VERIFIED = ("simulated", "decoded")  # the other checks ("partly", "unchecked", "unknown") are not


class PolicyRefusal(ToolFailure):
    """The spend policy refused; the message says which rule."""


@dataclass
class Verdict:
    """The policy's answer for a write it allows: warnings go on the approval card."""

    checked: str = "simulated"
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.checked in VERIFIED

    def as_dict(self) -> dict[str, Any]:
        verdict = "warning" if self.warnings else "allowed"
        return {
            "verdict": verdict if self.verified else "cannot_verify",
            "warnings": self.warnings,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Caps:
    per_tx: int | None
    per_day: int | None


def today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def address_set(values: list[str]) -> set[str]:
    return {value.strip().lower() for value in values if value.strip()}


def caps_for(effect: Effect) -> Caps:
    if effect.asset == NATIVE:
        return Caps(
            cap(settings.SPEND_MAX_NATIVE_PER_TX, effect),
            cap(settings.SPEND_MAX_NATIVE_PER_DAY, effect),
        )
    for entry in settings.SPEND_TOKEN_LIMITS:
        key, _, rest = entry.strip().partition(":")
        if key.strip().lower() in (effect.asset.lower(), effect.symbol.lower()):
            per_tx, _, per_day = rest.partition(":")
            return Caps(cap(per_tx, effect), cap(per_day, effect))
    return Caps(None, None)


def cap(text: str, effect: Effect) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_units(text, effect.decimals, "cap")
    except ToolFailure:
        # A misconfigured cap must not open the gate: refuse, and say so to the operator's log.
        raise PolicyRefusal(
            "The spend policy of this server is misconfigured, so it refuses every transfer of "
            f"{effect.symbol}; ask the operator to fix it."
        ) from None


def units(effect: Effect, amount: int) -> str:
    return f"{format_units(amount, effect.decimals)} {effect.symbol}"


def check_counterparty(effect: Effect) -> None:
    """The recipient, spender or operator of what the signer gives."""
    if effect.counterparty is None:
        return
    who = effect.counterparty_label or effect.counterparty
    role = {APPROVAL: "spender", OPERATOR: "operator"}.get(effect.kind, "recipient")
    if effect.counterparty.lower() in address_set(settings.SPEND_DENIED_RECIPIENTS):
        raise PolicyRefusal(
            f"The spend policy refuses this: the {role} {who} is on the deny list of this server."
        )
    allowed = address_set(settings.SPEND_ALLOWED_RECIPIENTS)
    if allowed and effect.counterparty.lower() not in allowed:
        raise PolicyRefusal(
            f"The spend policy refuses this: the {role} {who} is not on the list of allowed "
            "recipients of this server."
        )


def outgoing_totals(effects: list[Effect]) -> list[Effect]:
    """One Effect per asset that leaves the signer, with the amount summed (positive)."""
    totals: dict[str, Effect] = {}
    for effect in effects:
        if effect.you and effect.outgoing:
            key = effect.asset.lower()
            total = totals.setdefault(
                key,
                Effect(
                    TRANSFER,
                    effect.standard,
                    effect.address,
                    effect.asset,
                    effect.symbol,
                    effect.decimals,
                    0,
                ),
            )
            total.amount -= effect.amount
    return list(totals.values())


def check_per_tx(total: Effect) -> None:
    per_tx = caps_for(total).per_tx
    if per_tx is not None and total.amount > per_tx:
        raise PolicyRefusal(
            f"The spend policy refuses this: {units(total, total.amount)} is more than the "
            f"{units(total, per_tx)} allowed in one transaction."
        )


def judge_permission(effect: Effect, verdict: Verdict) -> None:
    """An allowance or an operator the signer grants: lists, caps, unlimited."""
    check_counterparty(effect)
    who = effect.counterparty_label or effect.counterparty
    per_tx = caps_for(effect).per_tx if effect.kind == APPROVAL else None
    if per_tx is not None and (effect.unlimited or effect.amount > per_tx):
        shown = "an unlimited allowance" if effect.unlimited else units(effect, effect.amount)
        raise PolicyRefusal(
            f"The spend policy refuses this: {shown} is more than the {units(effect, per_tx)} "
            "allowed in one transaction, and an allowance counts like a transfer."
        )
    if not (effect.unlimited or effect.kind == OPERATOR):
        return
    if settings.SPEND_REFUSE_UNLIMITED_APPROVALS:
        raise PolicyRefusal(
            "The spend policy refuses unlimited approvals on this server: approve the amount "
            "you mean to spend instead."
        )
    if effect.kind == OPERATOR:
        verdict.warnings.append(
            f"Operator approval: {who} could move every {effect.symbol} token this account "
            "holds, now and later, until the approval is revoked."
        )
    else:
        verdict.warnings.append(
            f"Unlimited approval: {who} could move every {effect.symbol} this account holds, "
            "now and later, until the approval is revoked."
        )


def unannounced(found: list[Effect], intended: list[Effect]) -> list[Effect]:
    """What the signer gives that the request did not say it would."""
    said = {(e.kind, e.asset.lower(), (e.counterparty or "").lower()) for e in intended}
    return [
        effect
        for effect in found
        if effect.you
        and (effect.outgoing or effect.grants)
        and (effect.kind, effect.asset.lower(), (effect.counterparty or "").lower()) not in said
    ]


def judge(
    network: str, effects: list[Effect], checked: str, intended: list[Effect] | None = None
) -> Verdict:
    """Raise PolicyRefusal, or return the verdict (with warnings) for a write that may go on.

    ``effects`` are what the simulation found; unverified, the request's own description
    (``intended``) is all there is to judge, and the verdict says it could not be verified."""
    verdict = Verdict(checked)
    if not verdict.verified:
        if settings.SPEND_REFUSE_UNVERIFIED:
            raise PolicyRefusal(
                f"The spend policy refuses this: what it would do could not be checked on "
                f"{network}, and this server refuses what it cannot verify."
            )
        verdict.warnings.append(
            "Could not verify what this does: what it moves and allows is unknown beyond its "
            "description."
        )
        effects = intended or []
    for effect in effects:
        if effect.you and effect.outgoing:
            check_counterparty(effect)
        elif effect.you and effect.grants:
            judge_permission(effect, verdict)
    for total in outgoing_totals(effects):
        check_per_tx(total)
    for effect in (
        unannounced(effects, intended or []) if verdict.verified and intended is not None else []
    ):
        verdict.warnings.append(
            f"It also does what its description does not say: {effect.sentence()}."
        )
    return verdict


def ledger() -> type[SpendTotal]:
    """The daily totals' model. runmcp starts without the app registry (it saves memory and
    start-up time, test_runmcp_startup.py): it is loaded on the first write that has a cap."""
    if not apps.ready:
        apps.populate(settings.INSTALLED_APPS)
    from mcp_servers.models import SpendTotal

    return SpendTotal


def reserve(*key: Any) -> dict[str, int]:
    try:
        return ledger().reserve(*key)
    except DatabaseError:
        logger.exception("the spend totals could not be read")
        raise PolicyRefusal(
            "The spend policy could not read today's totals, so it refuses what has a daily cap "
            "for now; try again in a moment."
        ) from None
    finally:
        connection.close()  # like the end of a request: a write with a cap is not frequent


def release(*key: Any) -> None:
    try:
        ledger().release(*key)
    finally:
        connection.close()


@dataclass
class Spending:
    """A write the policy let through; ``broadcast`` once it left for the network."""

    verdict: Verdict
    broadcast: bool = False


@asynccontextmanager
async def spending(
    network: str,
    sender: str,
    effects: list[Effect],
    checked: str,
    intended: list[Effect] | None = None,
) -> AsyncIterator[Spending]:
    """Judge the write and count what leaves the sender toward today's totals; if the write
    then fails before it is broadcast, the amounts are given back."""
    verdict = judge(network, effects, checked, intended)
    judged = effects if verdict.verified else (intended or [])
    capped = {
        t.asset.lower(): t for t in outgoing_totals(judged) if caps_for(t).per_day is not None
    }
    amounts = {asset: (t.amount, caps_for(t).per_day or 0) for asset, t in capped.items()}
    key = (today(), network, CALLER_OWNER.get() or DIRECT_OWNER, sender.lower())
    if amounts:
        verdict.notes += await counted(key, capped, amounts)
    spend = Spending(verdict)
    try:
        yield spend
    except BaseException:
        if amounts and not spend.broadcast:
            given_back = {asset: amount for asset, (amount, _) in amounts.items()}
            await sync_to_async(release)(*key, given_back)
        raise


async def counted(
    key: tuple[Any, ...], capped: dict[str, Effect], amounts: dict[str, tuple[int, int]]
) -> list[str]:
    """Add today's amounts, or refuse the first asset that would pass its daily cap."""
    try:
        before = await sync_to_async(reserve)(*key, amounts)
    except OverCap as over:
        per_day = amounts[over.asset][1]
        raise PolicyRefusal(over_daily_cap(capped[over.asset], per_day, over.spent)) from None
    return [
        f"{units(capped[asset], cap - before[asset] - amount)} left of today's cap after this one."
        for asset, (amount, cap) in amounts.items()
    ]


def over_daily_cap(total: Effect, per_day: int, spent: int) -> str:
    left = max(0, per_day - spent)
    return (
        f"The spend policy refuses this: you may send {units(total, per_day)} per day from "
        f"this address; it has already sent or prepared {units(total, spent)} today, so "
        f"{units(total, left)} are left."
    )

"""Amounts in base units and formatted: exact decimal arithmetic, never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext

from mcp_servers.errors import ToolFailure

WEI_PER_ETHER_DECIMALS = 18


def format_units(amount: int, decimals: int = WEI_PER_ETHER_DECIMALS) -> str:
    """10**18 with 18 decimals -> "1"; 1500000000000000000 -> "1.5"."""
    with localcontext() as context:
        context.prec = 200
        text = format(Decimal(amount).scaleb(-decimals), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def parse_units(text: str, decimals: int = WEI_PER_ETHER_DECIMALS, what: str = "amount") -> int:
    """ "1.5" -> 1500000000000000000 (18 decimals).

    Refuses negative, unparsable or too precise input."""
    cleaned = str(text).strip().replace("_", "")
    try:
        with localcontext() as context:
            context.prec = 200
            value = Decimal(cleaned)
            if not value.is_finite():
                raise InvalidOperation
            scaled = value.scaleb(decimals)
    except InvalidOperation:
        raise ToolFailure(f'The {what} is not a number; give it like "1.5".') from None
    if value < 0:
        raise ToolFailure(f"The {what} cannot be negative.")
    if scaled != scaled.to_integral_value():
        raise ToolFailure(f"The {what} has more than {decimals} decimal places.")
    return int(scaled)


def short_address(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) == 42 else address

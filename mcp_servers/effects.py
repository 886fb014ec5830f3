"""What a write does, in the user's terms: one Effect per movement or permission.

Effects come from a simulation's logs (tools/simulated.py reads them off what simulation.py
got from the node) or, for a signature, from the typed data being signed (tools/signing.py).
The approval card lists them ("You send", "You receive", "You allow") and the spend policy
judges them (policy.py): the policy never looks at calldata, only at what the write would do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp_servers.units import format_units

UNLIMITED_THRESHOLD = 2**255  # MaxUint256 and the "almost max" amounts some dapps use
PERMIT2_MAX_AMOUNT = 2**160 - 1  # Permit2 allowances are uint160
NATIVE = "native"

# kind: what changes
TRANSFER = "transfer"  # an asset moves (standard: native, erc20, erc721, erc1155)
APPROVAL = "approval"  # someone may spend an amount (standard: erc20, erc721, permit2)
OPERATOR = "operator"  # someone may move every NFT of a collection (ApprovalForAll)
CREATED = "created"  # a contract is deployed
FEE = "fee"  # the network fee, in the native currency


@dataclass
class Effect:
    kind: str
    standard: str  # native, erc20, erc721, erc1155, permit2
    address: str  # whose holdings or permission change (the payer, for the fee)
    asset: str  # the token contract, or "native"
    symbol: str
    decimals: int = 18
    amount: int = 0  # signed base units; approvals: the allowance; operator: 1 granted, 0 revoked
    counterparty: str | None = None  # the other side: recipient, sender, spender or operator
    token_id: int | None = None
    unlimited: bool = False  # an approval above what the holder has, or the supply, or 2**255
    you: bool = False  # ``address`` is the user who signs
    counterparty_label: str = ""

    @property
    def outgoing(self) -> bool:
        return self.kind == TRANSFER and self.amount < 0

    @property
    def grants(self) -> bool:
        """A permission given (not one taken back)."""
        return self.kind in (APPROVAL, OPERATOR) and self.amount > 0

    def units(self) -> str:
        """The amount as a person reads it, signed for movements ("-1.5")."""
        if self.kind == OPERATOR:
            return "all" if self.amount else "none"
        if self.unlimited:
            return "unlimited"
        if self.standard in ("erc721",) and self.kind == TRANSFER:
            return str(self.amount)
        sign = "-" if self.amount < 0 else ""
        return sign + format_units(abs(self.amount), self.decimals)

    def what(self) -> str:
        """The asset as a person reads it: "1.5 TUSD", "token #3 of CAT", "every CAT"."""
        if self.kind == OPERATOR:
            return f"every {self.symbol}"
        if self.token_id is not None and self.standard == "erc721":
            return f"{self.symbol} #{self.token_id}"
        units = self.units().lstrip("-")
        if self.token_id is not None:
            return f"{units} of {self.symbol} #{self.token_id}"
        return f"{units} {self.symbol}"

    def sentence(self) -> str:
        """The effect in words: "You send 1.5 TUSD to bob (0x…)", "0x12…ab receives 1 CAT"."""
        you, who = self.you, ("You" if self.you else self.address)
        other = self.counterparty_label or self.counterparty or "someone"
        verb = verbs(you)
        if self.kind == FEE:
            return f"{who} {verb['pay']} a network fee of up to {self.what()}"
        if self.kind == CREATED:
            return f"A new contract is created at {self.address}"
        if self.kind == OPERATOR and self.amount:
            return f"{who} {verb['allow']} {other} to move {self.what()}"
        if self.kind == OPERATOR:
            return f"{who} {verb['take back']} the permission of {other} on {self.symbol}"
        if self.kind == APPROVAL and not self.amount:
            return f"{who} {verb['take back']} {other}'s allowance of {self.symbol}"
        if self.kind == APPROVAL:
            return f"{who} {verb['allow']} {other} to spend {self.what()}"
        if self.amount < 0:
            return f"{who} {verb['send']} {self.what()} to {other}"
        return f"{who} {verb['receive']} {self.what()}" + (
            f" from {other}" if self.counterparty else ""
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "standard": self.standard,
            "address": self.address,
            "you": self.you,
            "asset": self.asset,
            "symbol": self.symbol,
            "decimals": self.decimals,
            "token_id": None if self.token_id is None else str(self.token_id),
            "amount": self.units(),
            "raw": str(self.amount),
            "counterparty": self.counterparty,
            "counterparty_label": self.counterparty_label,
            "unlimited": self.unlimited,
            "text": self.sentence(),
        }


THIRD_PERSON = {
    "pay": "pays",
    "allow": "allows",
    "take back": "takes back",
    "send": "sends",
    "receive": "receives",
}


def verbs(you: bool) -> dict[str, str]:
    """The verbs of a sentence about the signer ("You send") or someone else ("0x… sends")."""
    return {word: word for word in THIRD_PERSON} if you else THIRD_PERSON

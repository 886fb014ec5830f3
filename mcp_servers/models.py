"""What the MCP servers keep: each owner's spending per sender, asset and UTC day.

One row per (day, network, owner, sender, asset), in the database every replica of every
network shares, so a daily cap holds across chats, replicas and restarts. Amounts are base
units, which outgrow a 64-bit integer (10 ETH is 10**19 wei; a uint256 has 78 digits): they are
kept as decimal text and changed only under the row's lock.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models, transaction

from mcp_servers.overcap import OverCap


class SpendTotal(models.Model):
    day = models.DateField()
    network = models.CharField(max_length=32)
    owner = models.CharField(max_length=64)  # the proxy's hash of the owner; "direct" otherwise
    sender = models.CharField(max_length=42)
    asset = models.CharField(max_length=42)  # the token contract, lower case, or "native"
    spent = models.CharField(max_length=80, default="0")  # base units, decimal text
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "network", "owner", "sender", "asset"], name="one_total_per_day"
            )
        ]
        indexes = [models.Index(fields=["day"], name="spendtotal_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.network} {self.sender} {self.asset}: {self.spent}"

    @classmethod
    def locked(
        cls, day: datetime.date, network: str, owner: str, sender: str, asset: str
    ) -> SpendTotal:
        """The row, created at 0 if new, locked until the surrounding transaction ends."""
        key: dict[str, Any] = {
            "day": day,
            "network": network,
            "owner": owner,
            "sender": sender,
            "asset": asset,
        }
        cls.objects.get_or_create(**key)
        return cls.objects.select_for_update().get(**key)

    @classmethod
    def reserve(
        cls,
        day: datetime.date,
        network: str,
        owner: str,
        sender: str,
        amounts: dict[str, tuple[int, int]],
    ) -> dict[str, int]:
        """Add each asset's amount if it stays within its cap ({asset: (amount, cap)}): all or
        nothing. Returns what was spent before; raises OverCap, changing nothing, if one is over."""
        with transaction.atomic():
            rows = {
                asset: cls.locked(day, network, owner, sender, asset) for asset in sorted(amounts)
            }
            before = {asset: int(row.spent) for asset, row in rows.items()}
            for asset, (amount, cap) in amounts.items():
                if before[asset] + amount > cap:
                    raise OverCap(asset, before[asset])
            for asset, row in rows.items():
                row.spent = str(before[asset] + amounts[asset][0])
                row.save(update_fields=["spent", "updated_at"])
            return before

    @classmethod
    def release(
        cls, day: datetime.date, network: str, owner: str, sender: str, amounts: dict[str, int]
    ) -> None:
        """Give amounts back (a write that failed before it was broadcast)."""
        with transaction.atomic():
            for asset in sorted(amounts):
                row = cls.locked(day, network, owner, sender, asset)
                row.spent = str(max(0, int(row.spent) - amounts[asset]))
                row.save(update_fields=["spent", "updated_at"])

    @classmethod
    def spent_today(
        cls, day: datetime.date, network: str, owner: str, sender: str, asset: str
    ) -> int:
        row = cls.objects.filter(
            day=day, network=network, owner=owner, sender=sender, asset=asset
        ).first()
        return int(row.spent) if row else 0

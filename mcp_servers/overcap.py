"""The daily ledger's refusal (models.SpendTotal.add), in a module of its own rather than in
errors.py: every Django process loads this app's models, the backend's included, and errors.py
imports web3, which costs a process about a second of CPU at each start."""

from __future__ import annotations


class OverCap(Exception):
    """Adding the amount would pass the asset's daily cap; nothing was added."""

    def __init__(self, asset: str, spent: int) -> None:
        super().__init__(asset)
        self.asset, self.spent = asset, spent

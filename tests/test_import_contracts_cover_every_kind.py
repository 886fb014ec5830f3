"""Imports run one way (docs/architecture.md, "Layers"). `make lint` runs `lint-imports`, which
fails when a contract of pyproject.toml is broken; this checks that the contracts cover each
kind of rule: transports -> chat intake -> turn loop -> turns -> agent -> mcp_proxy's client as
layers; mcp_proxy imports no sessions_app, mcp_servers neither app (forbidden); the providers
not each other (independence); and no package has an import cycle between its modules."""

from __future__ import annotations

import tomllib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def test_the_contracts_cover_layers_forbidden_imports_independence_and_cycles():
    contracts = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert {c["type"] for c in contracts["contracts"]} >= {
        "layers",
        "forbidden",
        "independence",
        "acyclic_siblings",
    }

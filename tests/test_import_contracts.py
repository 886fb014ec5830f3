"""Imports run one way (docs/architecture.md, "Layers"): the import-linter contracts of
pyproject.toml hold. Transports -> chat intake -> turn loop -> turns -> agent ->
mcp_proxy's client; mcp_proxy imports no sessions_app, mcp_servers neither app, the providers
not each other, and no package has an import cycle between its modules."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def test_every_import_contract_is_kept():
    contracts = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert {c["type"] for c in contracts["contracts"]} >= {
        "layers",
        "forbidden",
        "independence",
        "acyclic_siblings",
    }
    lint_imports = Path(sys.executable).parent / "lint-imports"
    run = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=BASE_DIR, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Contracts: {len(contracts['contracts'])} kept, 0 broken." in run.stdout

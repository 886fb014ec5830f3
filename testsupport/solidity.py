"""Solidity sources compiled in the tests with solc from npm (`node_modules/.bin/solcjs`).

One standard-JSON compile per set of sources, kept for the rest of the process, so a test
session pays for solc once (about 3 s).
"""

from __future__ import annotations

import functools
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
SOLCJS = BASE_DIR / "node_modules" / ".bin" / "solcjs"


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str  # creation code, 0x hex
    runtime: str  # deployed code, 0x hex


def standard_input(sources: tuple[Path, ...]) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {path.name: {"content": path.read_text()} for path in sources},
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {
                "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}
            },
        },
    }


@functools.cache
def compile_sources(*sources: Path) -> dict[str, Artifact]:
    """Every contract of ``sources`` by name; raises with solc's own message on an error."""
    # solcjs (node) may exit before a pipe has taken all of a large output: a file takes it whole.
    with tempfile.TemporaryFile("w+") as stdout:
        subprocess.run(
            [str(SOLCJS), "--standard-json"],
            input=json.dumps(standard_input(sources)),
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            check=True,
            timeout=120,
        )
        stdout.seek(0)
        text = stdout.read()
    output = json.loads(text[text.index("{") :])  # solcjs may print a note first
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError("solc: " + "\n".join(e["formattedMessage"] for e in errors))
    artifacts = {}
    for contracts in output["contracts"].values():
        for name, compiled in contracts.items():
            evm = compiled["evm"]
            artifacts[name] = Artifact(
                name,
                compiled["abi"],
                "0x" + evm["bytecode"]["object"],
                "0x" + evm["deployedBytecode"]["object"],
            )
    return artifacts

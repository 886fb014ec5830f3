"""Build testnet_kit.json, the contracts the local testnet starts with (mcp_servers/testnet_kit.py).

    python -m mcp_servers.contracts.build_kit

Uniswap V3 comes as compiled by Uniswap, from the artifacts in npm's `@uniswap/v3-core` and
`@uniswap/v3-periphery`; the kit's own contracts (kit/*.sol) and Chainlink's `MockV3Aggregator`
(npm's `@chainlink/contracts`) are compiled here by solc from npm. The result is committed, so
runmcp needs neither node nor solc; `test_testnet_kit_is_built_from_npm.py` rebuilds it and fails
when it differs.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent.parent
NODE_MODULES = BASE_DIR / "node_modules"
KIT_DIR = Path(__file__).resolve().parent / "kit"
KIT_JSON = Path(__file__).resolve().parent / "testnet_kit.json"

UNISWAP = {
    "UniswapV3Factory": "v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
    "SwapRouter": "v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
    "QuoterV2": "v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
    "NonfungiblePositionManager": (
        "v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/"
        "NonfungiblePositionManager.json"
    ),
}
CHAINLINK_MOCK = "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol"
OWN = ("WETH9", "KitToken", "Faucet")


def solc_input() -> dict[str, Any]:
    sources = {
        f"kit/{name}.sol": {"content": (KIT_DIR / f"{name}.sol").read_text()} for name in OWN
    }
    sources[CHAINLINK_MOCK] = {"content": (NODE_MODULES / CHAINLINK_MOCK).read_text()}
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "evmVersion": "paris",
            "metadata": {"bytecodeHash": "none", "appendCBOR": False},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }


def compile_own() -> dict[str, dict[str, Any]]:
    """The kit's sources and the Chainlink mock, compiled; imports resolve in node_modules."""
    solcjs = NODE_MODULES / ".bin" / "solcjs"
    command = [
        str(solcjs),
        "--standard-json",
        "--base-path",
        ".",
        "--include-path",
        str(NODE_MODULES),
    ]
    with tempfile.TemporaryFile("w+") as stdout:  # a pipe may lose the end of a large output
        subprocess.run(command, input=json.dumps(solc_input()), stdout=stdout, text=True,
                       check=True, timeout=300, cwd=Path(__file__).resolve().parent)  # fmt: skip
        stdout.seek(0)
        text = stdout.read()
    output = json.loads(text[text.index("{") :])
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise RuntimeError("solc: " + "\n".join(errors))
    wanted = {*OWN, "MockV3Aggregator"}
    return {
        name: {"abi": compiled["abi"], "bytecode": "0x" + compiled["evm"]["bytecode"]["object"]}
        for contracts in output["contracts"].values()
        for name, compiled in contracts.items()
        if name in wanted
    }


def uniswap_artifacts() -> dict[str, dict[str, Any]]:
    artifacts = {}
    for name, path in UNISWAP.items():
        artifact = json.loads((NODE_MODULES / "@uniswap" / path).read_text())
        artifacts[name] = {"abi": artifact["abi"], "bytecode": artifact["bytecode"]}
    return artifacts


def build() -> dict[str, dict[str, Any]]:
    return dict(sorted({**compile_own(), **uniswap_artifacts()}.items()))


def main() -> None:
    KIT_JSON.write_text(json.dumps(build(), separators=(",", ":"), sort_keys=True) + "\n")
    print(f"wrote {KIT_JSON.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()

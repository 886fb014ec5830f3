#!/usr/bin/env bash
# Recompile TestToken.sol with the npm package solc (node_modules) into TestToken.json
# (ABI + bytecode), the test data the MCP server tests deploy. Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$root/node_modules/.bin/solcjs" --optimize --abi --bin --base-path "$here" -o "$out" "$here/TestToken.sol"
python3 - "$out" "$here/TestToken.json" <<'PY'
import json, pathlib, sys
out, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
abi = json.loads(next(out.glob("*TestToken.abi")).read_text())
bytecode = "0x" + next(out.glob("*TestToken.bin")).read_text().strip()
target.write_text(json.dumps({"contractName": "TestToken", "compiler": "solcjs 0.8.37 --optimize",
                              "abi": abi, "bytecode": bytecode}, indent=1) + "\n")
print(f"wrote {target}")
PY

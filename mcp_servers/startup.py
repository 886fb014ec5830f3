"""Start-up work the MCP server process does not need: BLS12-381 pairing tables.

web3 imports eth_account, which imports eth_keyfile, which imports py_ecc's BLS12-381 code for
one thing: writing version-4 (EIP-2335, BLS) keystores. Importing those modules computes pairing
tables in pure Python, about a third of a network server's start-up CPU (docs/benchmarks.md,
"runmcp start-up"). No process of ours writes keystores (the servers hold no key), so
eth_keyfile is imported here with the two names it takes from them deferred: `curve_order` is a
constant, and the BLS scheme loads the real modules on first use. The stand-ins are gone from
sys.modules afterwards: any later import of py_ecc gets the real modules.

Importing this module does it; mcp_servers.serve imports it before anything that imports web3.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# The order of the BLS12-381 group (py_ecc.bls12_381.bls12_381_curve.curve_order).
BLS12_381_CURVE_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
DEFERRED = ("py_ecc.bls", "py_ecc.bls12_381")


class _DeferredScheme:
    """Stands for py_ecc.bls.G2ProofOfPossession until an attribute of it is used."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module("py_ecc.bls").G2ProofOfPossession, name)


def defer_bls_tables() -> None:
    """Import eth_keyfile without py_ecc's BLS modules; a no-op once either is imported."""
    if "eth_keyfile.keyfile" in sys.modules or any(name in sys.modules for name in DEFERRED):
        return
    bls = types.ModuleType("py_ecc.bls")
    bls.G2ProofOfPossession = _DeferredScheme()  # type: ignore[attr-defined]
    curve = types.ModuleType("py_ecc.bls12_381")
    curve.curve_order = BLS12_381_CURVE_ORDER  # type: ignore[attr-defined]
    stand_ins = {"py_ecc.bls": bls, "py_ecc.bls12_381": curve}
    sys.modules.update(stand_ins)
    try:
        importlib.import_module("eth_keyfile.keyfile")
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


defer_bls_tables()

"""`manage.py runmcp` starts lean (bench/runmcp_startup.py measures the seconds to healthy): it
goes straight to the server without django.setup() or management commands, and web3's import
skips py_ecc's BLS12-381 pairing tables, which only BLS keystores use."""

from __future__ import annotations

import eth_keyfile

from testsupport.processes import imported_modules


def test_runmcp_loads_neither_the_app_registry_nor_the_bls_pairing_tables():
    modules = imported_modules("manage.py", "runmcp", "--help")
    assert "mcp_servers.server" in modules and "web3" in modules  # the server itself is there
    assert "django.core.management" not in modules
    assert "sessions_app.models" not in modules
    assert "py_ecc.bls12_381.bls12_381_pairing" not in modules
    assert "py_ecc.optimized_bls12_381.optimized_pairing" not in modules


def test_bls_keystores_still_work_when_asked_for():
    # The deferred BLS scheme loads the real modules on first use.
    from py_ecc.bls import G2ProofOfPossession

    keystore = eth_keyfile.create_keyfile_json(b"\x01" * 32, b"pw", version=4, iterations=2)
    assert keystore["pubkey"] == G2ProofOfPossession.SkToPk(int.from_bytes(b"\x01" * 32)).hex()

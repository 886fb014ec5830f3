"""`.env.example` documents every environment variable the settings and network table read."""

from __future__ import annotations

import re
from pathlib import Path

from chatproject.lib.networks import TABLE

BASE_DIR = Path(__file__).resolve().parents[2]
SOURCES = [
    BASE_DIR / "chatproject" / "settings.py",
    BASE_DIR / "chatproject" / "lib" / "networks.py",
]

# env("X"), env.str("X", ...), env.db("X"), and the f-string forms of the network table.
LITERAL_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)\"""")
TEMPLATE_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*f"([A-Za-z0-9_{}]+)\"""")
OS_READ = re.compile(r"""os\.(?:environ\.get|getenv|environ\[)\(?\s*"([A-Z][A-Z0-9_]*)\"""")
DOCUMENTED = re.compile(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def expand(template: str) -> set[str]:
    """One name per network row for templates like MCP_{upper}_URL."""
    return {template.format(upper=row.name.upper(), name=row.name) for row in TABLE}


def variables_read() -> set[str]:
    names: set[str] = {row.rpc_env for row in TABLE}
    for source in SOURCES:
        text = source.read_text()
        names |= set(LITERAL_READ.findall(text)) | set(OS_READ.findall(text))
        for template in TEMPLATE_READ.findall(text):
            names |= expand(template)
    return names


def test_the_scan_finds_the_known_variables():
    found = variables_read()
    assert {"DATABASE_URL", "REDIS_URL", "SESSION_TIMEOUT", "MAX_SESSIONS"} <= found
    assert {"TESTNET_RPC_URL", "ETH_RPC_URL", "MCP_POLYGON_URL", "MCP_BASE_PORT"} <= found


def test_env_example_documents_every_variable():
    example = BASE_DIR / ".env.example"
    assert example.exists(), ".env.example is missing"
    documented = set(DOCUMENTED.findall(example.read_text()))
    missing = sorted(variables_read() - documented)
    assert not missing, f".env.example does not mention: {', '.join(missing)}"

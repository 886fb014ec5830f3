"""docker compose gives each service only what it needs (issue 27, finding 12): no service reads
the whole .env, the provider keys reach the backend alone, an RPC URL its network's MCP server
alone, the fork URL Anvil alone; Anvil's RPC (its admin methods included) is not published; the
database has no default password; the MCP token is always required.

Docker can't run on the development machine, so the files are checked as compose reads them:
an entry without a value is taken from .env (or the shell) when set there, and left unset
otherwise; ``${NAME:?…}`` stops `docker compose up` when NAME is unset or empty.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from chatproject.lib.networks import TABLE

ROOT = Path(settings.BASE_DIR)
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
SCALE_TEXT = (ROOT / "deploy/compose.scale.yml").read_text()


class _ComposeLoader(yaml.SafeLoader):
    """Compose's `!reset` tag (drop a value inherited from the base file)."""


_ComposeLoader.add_constructor("!reset", lambda loader, node: None)

SERVICES: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)["services"]
SCALE: dict[str, Any] = yaml.load(SCALE_TEXT, Loader=_ComposeLoader)["services"]
ALL = {**SERVICES, "mcp-testnet-2": SCALE["mcp-testnet-2"]}
PROVIDER_KEYS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")
BACKEND_ONLY = (*PROVIDER_KEYS, "SECRET_KEY", "METRICS_TOKEN")
REQUIRED = re.compile(r"\$\{(\w+):\?[^}]+\}")
# .env.example's variables that no container reads: `make run`'s and compose's own
# (interpolation, profiles, the public port, make run's own PostgreSQL and Valkey: compose has
# its services); compose fixes the MCP servers' ports.
NOT_FOR_CONTAINERS = {
    *("SECRET_KEY_FILE", "BACKEND_HOST", "BACKEND_PORT", "CLEANUP_INTERVAL", "ANVIL_BIN"),
    *("COMPOSE_PROFILES", "PUBLIC_PORT"),
    *("EMBEDDED_DATA_DIR", "EMBEDDED_POSTGRES_PORT", "EMBEDDED_VALKEY_PORT"),
    *(f"MCP_{row.name.upper()}_PORT" for row in TABLE),
}


def _env(name: str) -> dict[str, Any]:
    return ALL[name].get("environment") or {}


def _holding(variable: str) -> set[str]:
    """The services that get ``variable``'s real value: passed through from .env (no value)
    or interpolated (``${VARIABLE}``, ``${VARIABLE:?…}``, ``${VARIABLE:-…}``); a stand-in
    ``${VARIABLE:+…}`` carries none of it."""
    holders = set()
    for name in ALL:
        for key, value in _env(name).items():
            passed = key == variable and value is None
            interpolated = re.search(r"\$\{" + variable + r"(:?[?-][^}]*)?\}", str(value or ""))
            if passed or interpolated:
                holders.add(name)
    return holders


@pytest.mark.parametrize("name", sorted(ALL))
def test_no_service_reads_the_whole_env_file(name):
    assert "env_file" not in ALL[name]


@pytest.mark.parametrize("variable", BACKEND_ONLY)
def test_provider_keys_and_the_backends_secrets_reach_the_backend_only(variable):
    assert _holding(variable) == {"backend"}


@pytest.mark.parametrize(
    "row", [row for row in TABLE if row.name != "testnet"], ids=lambda row: row.name
)
def test_an_rpc_url_reaches_its_networks_mcp_server_only(row):
    assert _holding(row.rpc_env) == {f"mcp-{row.name}"}
    # Not even a stand-in: the backend learns from the server's /health that it is up.
    assert row.rpc_env not in str(_env("backend"))


def test_the_fork_url_reaches_anvil_only():
    assert _holding("MAINNET_FORK_URL") == {"anvil"}


def test_anvils_rpc_is_not_published():
    """Its admin methods (anvil_setBalance, anvil_impersonateAccount, ...) answer anyone who
    reaches the port; only mcp-testnet, inside the compose network, needs it."""
    assert "ports" not in SERVICES["anvil"]
    assert _env("mcp-testnet")["TESTNET_RPC_URL"] == "http://anvil:8545"


def test_the_database_has_no_default_password():
    assert "POSTGRES_PASSWORD:-" not in COMPOSE_TEXT + SCALE_TEXT
    assert REQUIRED.fullmatch(SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"])
    for name in ALL:
        url = _env(name).get("DATABASE_URL")
        if url:
            assert "${POSTGRES_PASSWORD:?" in url, name


@pytest.mark.parametrize("name", ["backend", *(n for n in sorted(ALL) if n.startswith("mcp-"))])
def test_the_mcp_token_is_always_required(name):
    match = REQUIRED.fullmatch(_env(name)["MCP_AUTH_TOKEN"])
    assert match and match.group(1) == "MCP_AUTH_TOKEN"


def test_the_scale_replica_gets_what_its_first_replica_gets():
    first = {k: v for k, v in _env("mcp-testnet").items() if k != "MCP_ALLOWED_HOSTS"}
    second = {k: v for k, v in _env("mcp-testnet-2").items() if k != "MCP_ALLOWED_HOSTS"}
    assert second == first


def test_every_setting_reaches_some_service():
    """A setting added to .env.example must be listed for the services that read it: with no
    env_file, compose would otherwise drop it silently."""
    documented = set(
        re.findall(r"^# ([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
    )
    listed = {key for name in ALL for key in _env(name)}
    assert documented - NOT_FOR_CONTAINERS - listed == set()

"""The network table: the single source of truth for networks (docs/architecture.md).

Every part reads it from ``settings.NETWORKS``; nothing holds a "current network".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import environ


@dataclass(frozen=True)
class Network:
    name: str
    chain_id: int
    mcp_port: int
    rpc_env: str
    dev: bool
    # Read by the network's own MCP server (`runmcp`) alone; the backend needs none. It may
    # carry an API key: never print it.
    rpc_url: str = field(default="", repr=False)
    mcp_urls: tuple[str, ...] = ()
    currency: str = "ETH"
    explorer_url: str = ""  # block explorer base URL; none for dev networks
    words: tuple[str, ...] = ()  # other names people give it in a message ("ethereum")
    common_word: bool = False  # its name is an everyday word too ("base fee")

    def public_dict(self) -> dict[str, object]:
        """What pages and APIs may show: never the RPC URL itself (which the backend does not
        hold anyway: whether a network can be used comes from its MCP servers' health,
        mcp_proxy/availability.py)."""
        return {
            "name": self.name,
            "chain_id": self.chain_id,
            "dev": self.dev,
            "currency": self.currency,
            "explorer_url": self.explorer_url,
        }


@dataclass(frozen=True)
class _Row:
    name: str
    chain_id: int
    mcp_port: int
    rpc_env: str
    dev: bool
    default_rpc: str = ""
    currency: str = "ETH"
    explorer_url: str = ""
    # What the builtin agent reads as this network in a message, besides its name ("on the
    # ethereum network"); a name that is also an everyday word counts only as "on base" or
    # "base network" (sessions_app/agent/clauses.py).
    words: tuple[str, ...] = ()
    common_word: bool = False


# On dev networks (Anvil) the named accounts alice, bob, carol, ... are accounts 0, 1, 2, ...:
# the MCP servers resolve them, the agent's prompt names them (both read them here).
DEV_ACCOUNT_NAMES: tuple[str, ...] = (
    "alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy",
)  # fmt: skip

TABLE: tuple[_Row, ...] = (
    _Row(
        "testnet",
        31337,
        5000,
        "TESTNET_RPC_URL",
        True,
        "http://127.0.0.1:8545",
        words=("anvil", "local testnet", "local chain", "local node"),
    ),
    _Row(
        "mainnet",
        1,
        5001,
        "ETH_RPC_URL",
        False,
        explorer_url="https://etherscan.io",
        words=("ethereum", "ethereum mainnet", "eth mainnet"),
    ),
    _Row(
        "polygon",
        137,
        5002,
        "POLYGON_RPC_URL",
        False,
        currency="POL",
        explorer_url="https://polygonscan.com",
        words=("polygon pos",),
    ),
    _Row(
        "base",
        8453,
        5003,
        "BASE_RPC_URL",
        False,
        explorer_url="https://basescan.org",
        common_word=True,
    ),
    _Row("arbitrum", 42161, 5004, "ARBITRUM_RPC_URL", False, explorer_url="https://arbiscan.io"),
)


def build_network_table(env: environ.Env) -> dict[str, Network]:
    """Build the table, applying RPC, MCP URL and chain id overrides from the environment."""
    networks = {}
    for row in TABLE:
        upper = row.name.upper()
        default_mcp = f"http://127.0.0.1:{row.mcp_port}/mcp"
        mcp_urls = env.list(f"MCP_{upper}_URL", default=[default_mcp])
        networks[row.name] = Network(
            name=row.name,
            chain_id=env.int(f"{upper}_CHAIN_ID", default=row.chain_id),
            mcp_port=env.int(f"MCP_{upper}_PORT", default=row.mcp_port),
            rpc_env=row.rpc_env,
            dev=row.dev,
            rpc_url=env.str(row.rpc_env, default=row.default_rpc),
            mcp_urls=tuple(url.strip() for url in mcp_urls if url.strip()),
            currency=row.currency,
            explorer_url=row.explorer_url,
            words=row.words,
            common_word=row.common_word,
        )
    return networks


def get_network(name: str) -> Network:
    """The network called ``name``; raises UnknownNetwork listing the valid names."""
    from django.conf import settings

    try:
        return settings.NETWORKS[name]
    except (KeyError, TypeError):
        raise UnknownNetwork(name, list(settings.NETWORKS)) from None


def network_names() -> list[str]:
    from django.conf import settings

    return list(settings.NETWORKS)


class UnknownNetwork(LookupError):
    def __init__(self, name: object, valid: list[str]) -> None:
        self.name = name
        self.valid = valid
        super().__init__(f"Unknown network {name!r}. Valid networks: {', '.join(valid)}.")

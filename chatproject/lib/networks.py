"""The network table: the single source of truth for networks (docs/architecture.md).

Every part reads it from ``settings.NETWORKS``; nothing holds a "current network".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import environ


# The two Uniswap V3 routers: SwapRouter (v1) takes the deadline inside exactInputSingle's
# struct; SwapRouter02 (the only one on Base) has none there and takes it in multicall.
SWAP_ROUTER = "swap_router"
SWAP_ROUTER_02 = "swap_router_02"


@dataclass(frozen=True)
class Uniswap:
    """A Uniswap V3 deployment: where quotes and swaps go."""

    factory: str
    quoter_v2: str
    router: str
    router_kind: str  # SWAP_ROUTER or SWAP_ROUTER_02


@dataclass(frozen=True)
class PriceFeed:
    """A Chainlink-style <asset>/USD feed (latestRoundData()); older than its heartbeat is stale."""

    asset: str  # the symbol it prices: "ETH", "POL", "USDC"
    address: str
    decimals: int
    heartbeat: int  # seconds between updates at the latest


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
    uniswap: Uniswap | None = None
    price_feeds: tuple[PriceFeed, ...] = ()

    def feed_for(self, asset: str) -> PriceFeed | None:
        wanted = asset.strip().upper()
        return next((feed for feed in self.price_feeds if feed.asset == wanted), None)

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
    uniswap: Uniswap | None = None
    price_feeds: tuple[PriceFeed, ...] = ()


# Uniswap V3 as Uniswap deployed it (docs.uniswap.org, "deployments"): one address set on
# mainnet, polygon and arbitrum; Base has its own and only SwapRouter02.
UNISWAP_CANONICAL = Uniswap(
    "0x1F98431c8aD98523631AE4a59f267346ea31F984",
    "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",
    "0xE592427A0AEce92De3Edee1F18E0157C05861564",
    SWAP_ROUTER,
)
UNISWAP_BASE = Uniswap(
    "0x33128a8fC17869897dcE68Ed026d694621f6FDfD",
    "0x3d4e44Eb1374240CE5F1B871ab261CD16335B76a",
    "0x2626664c2603336E57B271c5C0b26F421741e481",
    SWAP_ROUTER_02,
)
# The local testnet's kit (mcp_servers/testnet_kit.py; a test checks they agree): this leaf
# imports no app, so the addresses are written out here.
UNISWAP_TESTNET = Uniswap(
    "0x7F87d8010C2B9ef346b04b8175dC60b3f0429aC1",
    "0x057Fa9b8A0D27d5d22c42Af04fc2cab5e29CC8d6",
    "0x726763A71B5573773DDaB3670F5f20e904a6378c",
    SWAP_ROUTER,
)
DAY = 86_400
# Chainlink's USD feeds (the proxies, 8 decimals), from data.chain.link. Heartbeats: ETH/USD 1 h
# on mainnet, 20 min on Base, 24 h for the USDC feeds; polygon's 27 s and arbitrum ETH/USD's
# 24 h were not confirmed from a second source.
FEEDS_MAINNET = (
    PriceFeed("ETH", "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419", 8, 3_600),
    PriceFeed("USDC", "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6", 8, DAY),
)
FEEDS_POLYGON = (
    PriceFeed("ETH", "0xF9680D99D6C9589e2a93a78A04A279e509205945", 8, 27),
    PriceFeed("POL", "0xAB594600376Ec9fD91F8e885dADF0CE036862dE0", 8, 27),
)
FEEDS_BASE = (
    PriceFeed("ETH", "0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70", 8, 1_200),
    PriceFeed("USDC", "0x7e860098F58bBFC8648a4311b374B1D669a2bc6B", 8, DAY),
)
FEEDS_ARBITRUM = (
    PriceFeed("ETH", "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612", 8, DAY),
    PriceFeed("USDC", "0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3", 8, DAY),
)
FEEDS_TESTNET = (PriceFeed("ETH", "0xc911473B8b07C3F45c747277cAF8CDf53E7cB098", 8, DAY),)


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
        uniswap=UNISWAP_TESTNET,
        price_feeds=FEEDS_TESTNET,
    ),
    _Row(
        "mainnet",
        1,
        5001,
        "ETH_RPC_URL",
        False,
        explorer_url="https://etherscan.io",
        words=("ethereum", "ethereum mainnet", "eth mainnet"),
        uniswap=UNISWAP_CANONICAL,
        price_feeds=FEEDS_MAINNET,
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
        uniswap=UNISWAP_CANONICAL,
        price_feeds=FEEDS_POLYGON,
    ),
    _Row(
        "base",
        8453,
        5003,
        "BASE_RPC_URL",
        False,
        explorer_url="https://basescan.org",
        common_word=True,
        uniswap=UNISWAP_BASE,
        price_feeds=FEEDS_BASE,
    ),
    _Row(
        "arbitrum",
        42161,
        5004,
        "ARBITRUM_RPC_URL",
        False,
        explorer_url="https://arbiscan.io",
        uniswap=UNISWAP_CANONICAL,
        price_feeds=FEEDS_ARBITRUM,
    ),
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
            uniswap=row.uniswap,
            price_feeds=row.price_feeds,
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

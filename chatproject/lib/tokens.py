"""Well-known ERC-20 tokens per network, at their real (EIP-55 checksummed) addresses.

The agent names tokens by symbol through this list. The testnet's are the local kit's
(mcp_servers/testnet_kit.py, at the same addresses on every Anvil; a test checks they agree).
Lives beside networks.py because every layer may read it; it imports nothing from the apps.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    symbol: str
    address: str
    decimals: int
    name: str


TOKENS: dict[str, tuple[Token, ...]] = {
    "testnet": (
        Token("USDC", "0x1d0911072D093Fd059Ee37Ae998F92F28d43d0c3", 6, "USD Coin"),
        Token("DAI", "0xdcF74d6f01eB2A97CE2F2EaeFAdAc94496682b13", 18, "Dai Stablecoin"),
        Token("WETH", "0xeA40080CD5fc1671151f0236541ddb8E506eAb0e", 18, "Wrapped Ether"),
    ),
    "mainnet": (
        Token("USDC", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6, "USD Coin"),
        Token("USDT", "0xdAC17F958D2ee523a2206206994597C13D831ec7", 6, "Tether USD"),
        Token("DAI", "0x6B175474E89094C44Da98b954EedeAC495271d0F", 18, "Dai Stablecoin"),
        Token("WETH", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", 18, "Wrapped Ether"),
        Token("WBTC", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", 8, "Wrapped BTC"),
    ),
    "polygon": (
        Token("USDC", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", 6, "USD Coin"),
        Token("USDC.e", "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174", 6, "Bridged USD Coin"),
        Token("USDT", "0xc2132D05D31c914a87C6611C10748AEb04B58e8F", 6, "Tether USD"),
        Token("DAI", "0x8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063", 18, "Dai Stablecoin"),
        Token("WETH", "0x7ceB23fD6bC0adD59E62ac25578270cFf1b9f619", 18, "Wrapped Ether"),
        Token("WPOL", "0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270", 18, "Wrapped POL"),
    ),
    "base": (
        Token("USDC", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", 6, "USD Coin"),
        Token("USDT", "0xfde4C96c8593536E31F229EA8f37b2ADa2699bb2", 6, "Tether USD"),
        Token("DAI", "0x50c5725949A6F0c72E6C4a641F24049A917DB0Cb", 18, "Dai Stablecoin"),
        Token("WETH", "0x4200000000000000000000000000000000000006", 18, "Wrapped Ether"),
    ),
    "arbitrum": (
        Token("USDC", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", 6, "USD Coin"),
        Token("USDC.e", "0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8", 6, "Bridged USD Coin"),
        Token("USDT", "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", 6, "Tether USD"),
        Token("DAI", "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1", 18, "Dai Stablecoin"),
        Token("WETH", "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", 18, "Wrapped Ether"),
    ),
}


def tokens_on(network: str) -> list[Token]:
    """The known tokens of ``network`` (none on an unknown network)."""
    return list(TOKENS.get(network, ()))


def token_by_symbol(network: str, symbol: str) -> Token | None:
    """The token called ``symbol`` (any case) on ``network``, or None."""
    wanted = symbol.strip().upper()
    return next((t for t in TOKENS.get(network, ()) if t.symbol.upper() == wanted), None)


def known_symbols() -> set[str]:
    """Every symbol known on some network, upper case (to recognise a symbol in a message)."""
    return {token.symbol.upper() for tokens in TOKENS.values() for token in tokens}


def networks_with(symbol: str) -> list[str]:
    """The networks whose list has ``symbol``."""
    return [name for name in TOKENS if token_by_symbol(name, symbol) is not None]

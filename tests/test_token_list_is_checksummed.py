"""The token list (chatproject/lib/tokens.py): real addresses (the testnet kit's on testnet),
each a valid EIP-55 checksum."""

from __future__ import annotations

from eth_utils import is_checksum_address

from chatproject.lib.networks import TABLE
from chatproject.lib.tokens import TOKENS, token_by_symbol, tokens_on


def test_every_address_is_checksummed_and_unique_per_network():
    for network, tokens in TOKENS.items():
        addresses = [token.address for token in tokens]
        assert all(is_checksum_address(address) for address in addresses), network
        assert len(set(addresses)) == len(addresses)
        assert len({token.symbol for token in tokens}) == len(tokens)


def test_lists_only_known_networks_and_the_testnet_kits_tokens():
    assert set(TOKENS) <= {row.name for row in TABLE}
    assert [token.symbol for token in tokens_on("testnet")] == ["USDC", "DAI", "WETH"]
    assert tokens_on("nowhere") == []


def test_lookup_by_symbol_ignores_case_and_knows_decimals():
    usdc = token_by_symbol("mainnet", "usdc")
    assert usdc is not None
    assert (usdc.address, usdc.decimals) == ("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6)
    assert token_by_symbol("polygon", "usdc.e").decimals == 6  # type: ignore[union-attr]
    assert token_by_symbol("mainnet", "WBTC").decimals == 8  # type: ignore[union-attr]
    assert token_by_symbol("base", "WBTC") is None
    assert token_by_symbol("testnet", "USDC").decimals == 6  # type: ignore[union-attr]

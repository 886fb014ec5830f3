"""A network is one row of the network table (chatproject/lib/networks.py): the builtin agent's
parser reads its name and its other words from the table it is given, so a new row is named in
messages, refused while it has no MCP server, and listed among the networks here, with no
change to the agent (docs/architecture.md, "Add a network"). Pure: no chain, no socket."""

from __future__ import annotations

import environ
import pytest

from chatproject.lib import networks as network_table
from chatproject.lib.networks import Network, _Row, build_network_table
from mcp_proxy import availability
from sessions_app.agent.reading import read

DEAD = "0x000000000000000000000000000000000000dEaD"
OPTIMISM = _Row(
    "optimism",
    10,
    5005,
    "OPTIMISM_RPC_URL",
    False,
    explorer_url="https://optimistic.etherscan.io",
    words=("op mainnet",),
)


def table_with(monkeypatch: pytest.MonkeyPatch, *rows: _Row, **env: str) -> dict[str, Network]:
    """The network table as settings build it, with ``rows`` added and ``env`` set."""
    monkeypatch.setattr(network_table, "TABLE", (*network_table.TABLE, *rows))
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    return build_network_table(environ.Env())


def steps(text: str, table: dict[str, Network]) -> list[tuple[str, str, bool]]:
    found = read(text, "testnet", table)
    assert found.refusals == [], found.refusals
    return [(step.intent, step.network, step.network_named) for step in found.steps]


def refusal(text: str, table: dict[str, Network], unusable: dict[str, str] | None = None) -> str:
    found = read(text, "testnet", table, unusable)
    assert found.steps == [] and len(found.refusals) == 1, found
    return found.refusals[0]


def test_a_new_row_is_named_by_its_name_and_its_words(monkeypatch):
    table = table_with(monkeypatch, OPTIMISM)
    assert steps("gas price on optimism", table) == [("gas_price", "optimism", True)]
    assert steps(f"balance of {DEAD} on the OP Mainnet", table) == [("balance", "optimism", True)]
    assert steps("network info for optimism", table) == [("network_info", "optimism", True)]


def test_a_new_row_without_an_mcp_server_is_said_unavailable(monkeypatch):
    table = table_with(monkeypatch, OPTIMISM, MCP_OPTIMISM_URL="")
    judged = availability.known(table["optimism"])  # as the chat judges it; nothing is probed
    assert refusal("gas price on optimism", table, {"optimism": judged.reason}) == (
        "optimism is not available here (not configured on this server), so I did nothing on it."
    )


def test_a_chain_not_in_the_table_is_refused_naming_every_network_here(monkeypatch):
    assert refusal("gas price on optimism", table_with(monkeypatch)) == (
        "I don't work with optimism: the networks here are testnet, mainnet, polygon, base "
        "and arbitrum."
    )
    table = table_with(monkeypatch, OPTIMISM)
    assert refusal("gas price on solana", table).endswith("base, arbitrum and optimism.")


def test_a_name_that_is_an_everyday_word_names_its_network_only_as_one(monkeypatch):
    zora = _Row("zora", 7777777, 5006, "ZORA_RPC_URL", False, common_word=True)
    table = table_with(monkeypatch, zora)
    assert steps("block number on zora", table) == [("block_number", "zora", True)]
    assert steps("zora chain gas price", table) == [("gas_price", "zora", True)]
    assert refusal("gas price zora", table).startswith("I did not understand “zora”")
    assert steps("what's the base fee", table) == [("gas_price", "testnet", False)]

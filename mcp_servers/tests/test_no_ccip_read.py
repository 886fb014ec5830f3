"""A contract cannot make the server fetch a URL: web3's CCIP-Read (EIP-3668) is off, so an
OffchainLookup revert is reported as a revert and the gateway it names is never asked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from web3 import Web3

from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, CONTRACTS, call, deploy
from testsupport.solidity import compile_sources


class Gateway(BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"data": "0x"}')

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Gateway.asked = []
    yield f"http://127.0.0.1:{server.server_address[1]}/{{sender}}/{{data}}.json"
    server.shutdown()


async def test_an_offchain_lookup_is_not_followed(
    chain: Chain, sync_w3: Web3, gateway: str
) -> None:
    assert chain.w3.provider.global_ccip_read_enabled is False
    artifact = compile_sources(CONTRACTS / "OffchainLookup.sol")["OffchainLookup"]
    contract = deploy(sync_w3, artifact, ALICE, gateway)
    result = await call(chain, "call_contract", address=contract, signature="lookup()(uint256)")
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "127.0.0.1" not in text and "42" not in text
    assert Gateway.asked == []

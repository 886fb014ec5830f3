"""Finding 4 of issue 27: a token whose URI named the backend's http://127.0.0.1:8080/health got
that JSON back to the caller, and the different error texts mapped open and closed ports.

Replayed against the real runmcp and Anvil, through the proxy: mallory mints tokens whose URIs
point at a local server (a stand-in for the backend's /health) in every spelling of this
machine; alice asks for their metadata. Nothing reaches the local servers, nothing of their
body comes back, and every private target (open, closed or filtered) gets the same sentence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3

from mcp_proxy.tests.conftest import call
from mcp_servers.safefetch import NOT_PUBLIC
from mcp_servers.tests.conftest import CONTRACTS, contract_at, deploy, transact
from testsupport.recording_http import HEALTH_BODY, RecordingServer, recording_server
from testsupport.solidity import compile_sources

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def local_servers() -> Iterator[tuple[RecordingServer, RecordingServer, RecordingServer]]:
    with (
        recording_server("127.0.0.1") as backend,
        recording_server("127.0.0.2") as neighbour,
        recording_server("::1") as backend6,
    ):
        yield backend, neighbour, backend6


def private_uris(backend: RecordingServer, neighbour: RecordingServer, backend6: RecordingServer):
    port = backend.port
    return [
        backend.url("/health"),
        f"http://localhost:{port}/health",
        f"http://2130706433:{port}/health",
        f"http://[::ffff:127.0.0.1]:{port}/health",
        neighbour.url("/health"),
        backend6.url("/health"),
        "http://127.0.0.1:1/health",  # a closed port
        "http://10.255.255.1:8080/health",  # a filtered one
        "http://169.254.169.254/latest/meta-data/",
    ]


def mint_nft_with_uris(anvil_url: str, uris: list[str]) -> str:
    w3 = Web3(Web3.HTTPProvider(anvil_url))
    mallory = list(w3.eth.accounts)[9]
    artifact = compile_sources(CONTRACTS / "TestNFT.sol")["TestNFT"]
    address = deploy(w3, artifact, mallory, "Probe", "PRB")
    contract = contract_at(w3, artifact, address)
    for token_id, uri in enumerate(uris, start=1):
        transact(w3, contract.functions.mint(mallory, token_id, uri), mallory)
    return address


def test_token_uris_naming_this_machine_are_never_fetched(alice, anvil_testnet, local_servers):
    uris = private_uris(*local_servers)
    nft = mint_nft_with_uris(anvil_testnet.url, uris)
    chat, browser = alice.new_chat(), alice.client()
    sources = []
    for token_id in range(1, len(uris) + 1):
        params = {"contract": nft, "token_id": token_id}
        response = call(browser, "testnet", chat.public_id, "get_nft_metadata", params)
        assert response.status_code == 200, response.content
        result = response.json()["result"]
        assert result["metadata"] is None
        assert HEALTH_BODY["secret_marker"] not in response.content.decode()
        sources.append(result["metadata_source"])
    assert sources == [NOT_PUBLIC] * len(uris)  # one sentence: no port scanner
    assert all(server.requests == [] for server in local_servers)

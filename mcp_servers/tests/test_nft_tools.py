"""ERC-721 and ERC-1155 tools against contracts compiled from TestNFT.sol and TestMultiToken.sol:
owner, balance, metadata (data: URI; never a URL on this machine), batch
balances, transfers, and the refusals (not the owner, not that standard, no such token)."""

from __future__ import annotations

from web3 import Web3

from mcp_servers import safefetch
from mcp_servers.chain import Chain
from mcp_servers.tests.conftest import ALICE, BOB, call, contract_at, deploy, error_of, transact
from mcp_servers.tests.fakes import fake_http_server
from testsupport.solidity import Artifact


async def test_owner_balance_and_metadata_of_an_erc721_token(chain: Chain, nft: str) -> None:
    owner = await call(chain, "get_nft_owner", contract=nft, token_id=1)
    assert (owner.structured_content or {})["owner"] == ALICE
    assert "belongs to alice (0xf39F…2266)" in owner.content[0].text  # type: ignore[union-attr]
    balance = await call(chain, "get_nft_balance", contract=nft, owner="alice")
    assert (balance.structured_content or {})["balance"] >= 1
    meta = await call(chain, "get_nft_metadata", contract=nft, token_id="0x1")
    data = meta.structured_content or {}
    assert data["metadata"] == {"name": "Alice's cat", "image": "data:,cat"}
    assert data["metadata_source"] == "data: URI"


async def test_metadata_on_this_machine_is_never_fetched(
    chain: Chain, nft: str, sync_w3: Web3, compiled: dict[str, Artifact]
) -> None:
    """The server fetched URLs "on its own machine" (127.0.0.1, localhost): a token URI naming
    the backend's /health returned its JSON (issue 27, finding 4). Now nothing on this machine
    or a private network is fetched (mcp_servers/safefetch.py; the attack replay is
    tests/abuse/test_nft_metadata_never_fetches_private_addresses.py)."""
    internet = await call(chain, "get_nft_metadata", contract=nft, token_id=2)
    data = internet.structured_content or {}
    assert data["token_uri"] == "https://example.com/cat/2.json" and data["metadata"] is None
    assert data["metadata_source"] == safefetch.UNREADABLE  # this machine has no internet
    contract = contract_at(sync_w3, compiled["TestNFT"], nft)
    with fake_http_server(lambda query: (200, {"name": "Local cat", "attributes": []})) as (
        url,
        seen,
    ):
        transact(sync_w3, contract.functions.mint(ALICE, 7, url), ALICE)
        local = await call(chain, "get_nft_metadata", contract=nft, token_id=7)
    local_data = local.structured_content or {}
    assert local_data["metadata"] is None
    assert local_data["metadata_source"] == safefetch.NOT_PUBLIC
    assert "Local cat" not in str(local.content)
    assert seen == []


async def test_erc1155_balances_single_and_batch(chain: Chain, multi: str) -> None:
    single = await call(chain, "get_erc1155_balance", contract=multi, owner="alice", token_id=3)
    assert (single.structured_content or {})["balances"] == [{"token_id": "3", "balance": "30"}]
    batch = await call(
        chain, "get_erc1155_balance", contract=multi, owner="alice", token_ids=[3, 1, 99]
    )
    balances = (batch.structured_content or {})["balances"]
    assert [b["token_id"] for b in balances] == ["3", "1", "99"]
    assert balances[0]["balance"] == "30" and balances[2]["balance"] == "0"
    meta = await call(chain, "get_nft_metadata", contract=multi, token_id=1)
    assert (meta.structured_content or {})["metadata"]["name"].startswith("Item 000")


async def test_transfers_of_both_standards(
    chain: Chain, nft: str, multi: str, sync_w3: Web3, compiled: dict[str, Artifact]
) -> None:
    contract = contract_at(sync_w3, compiled["TestNFT"], nft)
    transact(sync_w3, contract.functions.mint(ALICE, 11, "data:,{}"), ALICE)
    sent = await call(
        chain, "send_nft_transfer", contract=nft, from_address="alice", to="bob", token_id=11
    )
    assert not sent.is_error, sent.content
    assert contract.functions.ownerOf(11).call() == BOB
    summary = (sent.structured_content or {})["summary"]
    assert summary["kind"] == "nft_transfer" and summary["token_id"] == "11"
    items = contract_at(sync_w3, compiled["TestMultiToken"], multi)
    before = items.functions.balanceOf(BOB, 2).call()
    moved = await call(
        chain,
        "send_nft_transfer",
        contract=multi,
        from_address="alice",
        to="bob",
        token_id=2,
        amount="5",
    )
    assert not moved.is_error, moved.content
    assert items.functions.balanceOf(BOB, 2).call() == before + 5


async def test_refusals_name_the_problem(chain: Chain, nft: str, multi: str, usd: str) -> None:
    not_owner = await error_of(
        chain, "send_nft_transfer", contract=nft, from_address="carol", to="bob", token_id=1
    )
    assert not_owner.startswith(
        "carol (0x3C44…93BC) does not own token #1; alice (0xf39F…2266) does"
    )
    too_many = await error_of(
        chain,
        "send_nft_transfer",
        contract=multi,
        from_address="alice",
        to="bob",
        token_id=1,
        amount="1000",
    )
    assert "holds 10 of token #1, fewer than the amount to send" in too_many
    assert "1000" not in too_many
    missing = await error_of(chain, "get_nft_owner", contract=nft, token_id=404)
    assert "Token #404" in missing and "does not exist" in missing
    assert "is not an ERC-721 contract (it looks like ERC-20)" in await error_of(
        chain, "get_nft_owner", contract=usd, token_id=1
    )
    assert "is not an ERC-1155 contract (it looks like ERC-721)" in await error_of(
        chain, "get_erc1155_balance", contract=nft, owner="alice", token_id=1
    )
    assert "no contract code" in await error_of(
        chain, "get_nft_balance", contract="bob", owner="alice"
    )
    assert "not a token id" in await error_of(chain, "get_nft_owner", contract=nft, token_id="cat")
    assert "NFT contract address" in await error_of(
        chain, "get_nft_metadata", contract="0xzz", token_id=1
    )
    assert "either token_id" in await error_of(
        chain, "get_erc1155_balance", contract=multi, owner="alice"
    )


async def test_on_polygon_an_nft_transfer_is_prepared_for_the_wallet(
    polygon_chain: Chain, anvil_polygon, compiled: dict[str, Artifact]
) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil_polygon.url))
    owner = w3.eth.accounts[0]
    address = deploy(w3, compiled["TestNFT"], owner, "Poly Cats", "PCAT")
    transact(
        w3,
        contract_at(w3, compiled["TestNFT"], address).functions.mint(owner, 5, "data:,{}"),
        owner,
    )
    result = await call(polygon_chain, "prepare_nft_transfer", contract=address, from_address=owner,
                        to=w3.eth.accounts[1], token_id=5)  # fmt: skip
    data = result.structured_content or {}
    assert data["transaction"]["data"].startswith(
        "0x42842e0e"
    )  # safeTransferFrom(address,address,uint256)
    assert data["summary"]["recipient"] == w3.eth.accounts[1]


async def test_a_prepared_nft_transfer_refuses_a_sender_who_does_not_own_it(
    polygon_chain: Chain, anvil_polygon, compiled: dict[str, Artifact]
) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil_polygon.url))
    owner, other = w3.eth.accounts[0], w3.eth.accounts[1]
    address = deploy(w3, compiled["TestNFT"], owner, "Poly Dogs", "PDOG")
    transact(
        w3,
        contract_at(w3, compiled["TestNFT"], address).functions.mint(owner, 9, "data:,{}"),
        owner,
    )
    message = await error_of(
        polygon_chain,
        "prepare_nft_transfer",
        contract=address,
        from_address=other,
        to=owner,
        token_id=9,
    )
    assert message.startswith(f"{other[:6]}…{other[-4:]} does not own token #9")
    token = deploy(w3, compiled["TestToken"], owner, "Not An NFT", "NAN", 6, 10**6)
    assert "is not an ERC-721 or ERC-1155 contract (it looks like ERC-20)" in await error_of(
        polygon_chain,
        "prepare_nft_transfer",
        contract=token,
        from_address=owner,
        to=other,
        token_id=1,
    )

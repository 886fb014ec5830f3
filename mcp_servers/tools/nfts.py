"""NFTs: ERC-721 owner, balance and metadata; ERC-1155 balances; transfers of both.

Metadata is read from tokenURI (ERC-721) or uri(id) (ERC-1155). The JSON it points to is
decoded when it is a data: URI, and fetched over http(s) only from public addresses
(mcp_servers/safefetch.py): a contract's URI never reaches this machine or its network.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from eth_utils import to_checksum_address
from pydantic import Field
from web3.exceptions import ContractLogicError

from mcp_servers import safefetch
from mcp_servers.abi import decode_output
from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.results import ToolResult
from mcp_servers.tools import decoded
from mcp_servers.tools.base import ADDRESS_FIELD_DESCRIPTION, BlockInput, ToolInput
from mcp_servers.tools.erc20 import (
    DEV_FROM_DESCRIPTION,
    FROM_DESCRIPTION,
    prepare_planned,
    send_planned,
)
from mcp_servers.tools.standards import call_raw, calldata, require_standard
from mcp_servers.units import parse_units

CONTRACT_DESCRIPTION = "The NFT contract (ERC-721 or ERC-1155). " + ADDRESS_FIELD_DESCRIPTION
TOKEN_ID_DESCRIPTION = "Token id: a whole number (decimal, or 0x hex)."
MAX_METADATA_BYTES = 64 * 1024
MAX_BATCH = 100


class NftTokenInput(BlockInput):
    contract: str = Field(description=CONTRACT_DESCRIPTION, max_length=256)
    token_id: int | str = Field(description=TOKEN_ID_DESCRIPTION)


class NftBalanceInput(BlockInput):
    contract: str = Field(
        description="The ERC-721 contract. " + ADDRESS_FIELD_DESCRIPTION, max_length=256
    )
    owner: str = Field(description="The holder. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)


class Erc1155BalanceInput(BlockInput):
    contract: str = Field(
        description="The ERC-1155 contract. " + ADDRESS_FIELD_DESCRIPTION, max_length=256
    )
    owner: str = Field(description="The holder. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)
    token_id: int | str | None = Field(None, description=TOKEN_ID_DESCRIPTION + " One id.")
    token_ids: list[int | str] | None = Field(
        None,
        description="Several token ids at once (one balanceOfBatch call), instead of token_id.",
        max_length=MAX_BATCH,
    )


class NftTransferInput(ToolInput):
    contract: str = Field(description=CONTRACT_DESCRIPTION, max_length=256)
    from_address: str = Field(description=FROM_DESCRIPTION, max_length=256)
    to: str = Field(description="Recipient. " + ADDRESS_FIELD_DESCRIPTION, max_length=256)
    token_id: int | str = Field(description=TOKEN_ID_DESCRIPTION)
    amount: str = Field("1", description="ERC-1155 only: how many of the token id (default 1).")


class SendNftTransferInput(NftTransferInput):
    from_address: str = Field(description=DEV_FROM_DESCRIPTION, max_length=256)


def token_id_of(value: int | str) -> int:
    text = str(value).strip()
    try:
        number = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        raise ToolFailure("That is not a token id: give a whole number.") from None
    if not 0 <= number < 2**256:
        raise ToolFailure("That is not a token id: it must be between 0 and 2**256-1.")
    return number


async def owner_of(chain: Chain, contract: str, token_id: int, block: Any = "latest") -> str:
    data = calldata("ownerOf(uint256)", ("uint256",), (token_id,))
    try:
        raw = await call_raw(chain, contract, data, block)
    except ContractLogicError:
        raise ToolFailure(
            f"Token #{token_id} of {contract} does not exist on {chain.name}."
        ) from None
    return to_checksum_address(decode_output(("address",), raw)[0])


async def get_nft_owner(chain: Chain, params: NftTokenInput) -> ToolResult:
    """The owner of an ERC-721 token."""
    contract = await chain.resolve_address(params.contract, "NFT contract address")
    token_id = token_id_of(params.token_id)
    await require_standard(chain, contract, "erc721")
    block = await chain.block_identifier(params.block)
    owner = await owner_of(chain, contract, token_id, block)
    data = {"network": chain.name, "contract": contract, "token_id": str(token_id), "owner": owner}
    return ToolResult(
        f"Token #{token_id} of {contract} on {chain.name} belongs to {await chain.label(owner)}.",
        data,
    )


async def get_nft_balance(chain: Chain, params: NftBalanceInput) -> ToolResult:
    """How many tokens of an ERC-721 collection an address holds."""
    contract = await chain.resolve_address(params.contract, "NFT contract address")
    owner = await chain.resolve_address(params.owner, "owner address")
    await require_standard(chain, contract, "erc721")
    block = await chain.block_identifier(params.block)
    raw = await call_raw(
        chain, contract, calldata("balanceOf(address)", ("address",), (owner,)), block
    )
    count = int(decode_output(("uint256",), raw)[0])
    data = {"network": chain.name, "contract": contract, "owner": owner, "balance": count}
    noun = "token" if count == 1 else "tokens"
    return ToolResult(
        f"{await chain.label(owner)} holds {count} {noun} of {contract} on {chain.name}.", data
    )


async def read_text(chain: Chain, contract: str, signature: str, token_id: int) -> str:
    raw = await call_raw(chain, contract, calldata(signature, ("uint256",), (token_id,)))
    return str(decode_output(("string",), raw)[0])


def data_uri_body(uri: str) -> bytes:
    header, _, payload = uri[5:].partition(",")
    if header.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError):
            raise ToolFailure("The token's data: URI is not valid base64.") from None
    return unquote_to_bytes(payload)


async def metadata_at(uri: str, timeout: float) -> tuple[dict[str, Any] | None, str]:
    """(metadata JSON or None, how it was obtained or why not): never the fetched body."""
    if uri.startswith("data:"):
        body, source = data_uri_body(uri), "data: URI"
    elif urlsplit(uri).scheme in ("http", "https"):
        try:
            body = await safefetch.fetch(uri, timeout, MAX_METADATA_BYTES)
        except safefetch.FetchRefused as refused:
            return None, str(refused)
        source = "fetched from its URL"
    else:
        return None, "not fetched: only data: URIs and http(s) URLs are read"
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None, f"{source}, but not JSON"
    return (
        (value, source) if isinstance(value, dict) else (None, f"{source}, but not a JSON object")
    )


async def get_nft_metadata(chain: Chain, params: NftTokenInput) -> ToolResult:
    """An NFT's metadata URI (tokenURI, or uri for ERC-1155) and its JSON (name, description,
    image, attributes) when it is a data: URI or an http(s) URL on a public address; never from
    this machine or a private network."""
    contract = await chain.resolve_address(params.contract, "NFT contract address")
    token_id = token_id_of(params.token_id)
    standard = await require_standard(chain, contract, "erc721", "erc1155")
    try:
        if standard == "erc721":
            uri = await read_text(chain, contract, "tokenURI(uint256)", token_id)
        else:
            uri = (await read_text(chain, contract, "uri(uint256)", token_id)).replace(
                "{id}", f"{token_id:064x}"
            )
    except ContractLogicError:
        raise ToolFailure(
            f"Token #{token_id} of {contract} does not exist on {chain.name}."
        ) from None
    metadata, source = await metadata_at(uri, chain.timeout) if uri else (None, "no URI")
    data = {
        "network": chain.name,
        "contract": contract,
        "standard": standard,
        "token_id": str(token_id),
        "token_uri": uri if not uri.startswith("data:") or len(uri) < 512 else uri[:512] + "…",
        "metadata": metadata,
        "metadata_source": source,
    }
    name = (metadata or {}).get("name")
    about = f" is named {name!r}" if name else f" has metadata URI {data['token_uri']} ({source})"
    return ToolResult(f"Token #{token_id} of {contract} on {chain.name}{about}.", data)


async def get_erc1155_balance(chain: Chain, params: Erc1155BalanceInput) -> ToolResult:
    """ERC-1155 balances of one holder: one token id (token_id) or several in one call
    (token_ids, balanceOfBatch)."""
    if (params.token_id is None) == (params.token_ids is None):
        raise ToolFailure("Give either token_id (one id) or token_ids (several), not both.")
    contract = await chain.resolve_address(params.contract, "ERC-1155 contract address")
    owner = await chain.resolve_address(params.owner, "owner address")
    ids = [token_id_of(v) for v in (params.token_ids or [params.token_id])]  # type: ignore[list-item]
    if not ids:
        raise ToolFailure("token_ids is empty: give at least one token id.")
    await require_standard(chain, contract, "erc1155")
    block = await chain.block_identifier(params.block)
    data_hex = calldata(
        "balanceOfBatch(address[],uint256[])", ("address[]", "uint256[]"), ([owner] * len(ids), ids)
    )
    amounts = [
        int(v)
        for v in decode_output(("uint256[]",), await call_raw(chain, contract, data_hex, block))[0]
    ]
    balances = [{"token_id": str(i), "balance": str(a)} for i, a in zip(ids, amounts, strict=True)]
    data = {"network": chain.name, "contract": contract, "owner": owner, "balances": balances}
    shown = ", ".join(f"{a} of #{i}" for i, a in zip(ids, amounts, strict=True))
    return ToolResult(
        f"{await chain.label(owner)} holds {shown} at {contract} on {chain.name}.", data
    )


async def nft_transfer_plan(
    chain: Chain, params: NftTransferInput
) -> tuple[dict[str, Any], decoded.Summary]:
    contract = await chain.resolve_address(params.contract, "NFT contract address")
    sender = await chain.resolve_address(params.from_address, "sender address")
    recipient = await chain.resolve_address(params.to, "recipient address")
    token_id = token_id_of(params.token_id)
    standard = await require_standard(chain, contract, "erc721", "erc1155")
    if standard == "erc721":
        amount = 1
        owner = await owner_of(chain, contract, token_id)
        if owner != sender:
            raise ToolFailure(
                f"{await chain.label(sender)} does not own token #{token_id}; "
                f"{await chain.label(owner)} does."
            )
        data = calldata(
            "safeTransferFrom(address,address,uint256)",
            ("address", "address", "uint256"),
            (sender, recipient, token_id),
        )
    else:
        amount = parse_units(params.amount, 0, "amount")
        held = await erc1155_balance(chain, contract, sender, token_id)
        if amount == 0 or held < amount:
            raise ToolFailure(
                f"{await chain.label(sender)} holds {held} of token #{token_id}, fewer than the "
                "amount to send."
            )
        data = calldata(
            "safeTransferFrom(address,address,uint256,uint256,bytes)",
            ("address", "address", "uint256", "uint256", "bytes"),
            (sender, recipient, token_id, amount, b""),
        )
    tx = {"from": sender, "to": contract, "value": 0, "data": data}
    return tx, await decoded.nft_transfer(
        chain, contract, standard, sender, recipient, token_id, amount
    )


async def erc1155_balance(chain: Chain, contract: str, owner: str, token_id: int) -> int:
    data = calldata("balanceOf(address,uint256)", ("address", "uint256"), (owner, token_id))
    return int(decode_output(("uint256",), await call_raw(chain, contract, data))[0])


async def prepare_nft_transfer(chain: Chain, params: NftTransferInput) -> ToolResult:
    """Prepare an unsigned NFT transfer (ERC-721 safeTransferFrom, or ERC-1155 with an amount)
    for the owner's wallet; checks ownership and the recipient policy, simulates it first."""
    tx, summary = await nft_transfer_plan(chain, params)
    return await prepare_planned(chain, tx, summary)


async def send_nft_transfer(chain: Chain, params: SendNftTransferInput) -> ToolResult:
    """Dev networks only: transfer an ERC-721 token (or an ERC-1155 amount) from an unlocked dev
    account; checks ownership and the recipient policy."""
    tx, summary = await nft_transfer_plan(chain, params)
    return await send_planned(chain, tx, summary, "prepare_nft_transfer")

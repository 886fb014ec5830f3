"""Which token standard a contract speaks (ERC-165 for NFTs, name/symbol/decimals for ERC-20),
and the small read helper the token tools share."""

from __future__ import annotations

from typing import Any

import eth_abi
from eth_utils import keccak
from web3.exceptions import Web3Exception

from mcp_servers.chain import Chain
from mcp_servers.errors import ToolFailure
from mcp_servers.tools.tokens import require_contract, token_metadata

ERC165_INTERFACE = bytes.fromhex("01ffc9a7")
ERC721_INTERFACE = bytes.fromhex("80ac58cd")
ERC1155_INTERFACE = bytes.fromhex("d9b67a26")
STANDARD_NAMES = {"erc20": "ERC-20", "erc721": "ERC-721", "erc1155": "ERC-1155"}


def calldata(signature: str, types: tuple[str, ...] = (), args: tuple[Any, ...] = ()) -> str:
    return "0x" + (keccak(text=signature)[:4] + eth_abi.encode(list(types), list(args))).hex()


async def call_raw(chain: Chain, to: str, data: str, block: Any = "latest") -> bytes:
    w3 = await chain.ready()
    return bytes(await w3.eth.call({"to": to, "data": data}, block))  # type: ignore[typeddict-item]


async def supports(chain: Chain, contract: str, interface: bytes) -> bool:
    """ERC-165 supportsInterface; False for contracts that do not implement ERC-165."""
    try:
        raw = await call_raw(
            chain, contract, calldata("supportsInterface(bytes4)", ("bytes4",), (interface,))
        )
    except (Web3Exception, ValueError):
        return False
    return len(raw) == 32 and raw[-1] == 1 and not any(raw[:31])


async def detect(chain: Chain, contract: str) -> str:
    """ "erc721", "erc1155", "erc20" or "unknown"; ToolFailure when there is no contract."""
    key = f"standard:{contract}"
    if key in chain.cache:
        return str(chain.cache[key])
    await require_contract(chain, contract)  # type: ignore[arg-type]
    standard = "unknown"
    if await supports(chain, contract, ERC721_INTERFACE):
        standard = "erc721"
    elif await supports(chain, contract, ERC1155_INTERFACE):
        standard = "erc1155"
    else:
        try:
            await token_metadata(chain, contract)  # type: ignore[arg-type]
            standard = "erc20"
        except ToolFailure:
            pass
    chain.cache[key] = standard  # a contract's code does not change its standard
    return standard


async def require_standard(chain: Chain, contract: str, *wanted: str) -> str:
    standard = await detect(chain, contract)
    if standard not in wanted:
        names = " or ".join(STANDARD_NAMES[w] for w in wanted)
        found = STANDARD_NAMES.get(standard, "none of ERC-20, ERC-721 and ERC-1155")
        raise ToolFailure(
            f"{contract} on {chain.name} is not an {names} contract (it looks like {found})."
        )
    return standard

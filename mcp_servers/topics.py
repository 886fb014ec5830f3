"""The event topics the effects of a write are read from (token standards and Permit2)."""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address


def topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


TRANSFER_TOPIC = topic("Transfer(address,address,uint256)")  # ERC-20 (3 topics), ERC-721 (4)
APPROVAL_TOPIC = topic("Approval(address,address,uint256)")  # ERC-20 (3 topics), ERC-721 (4)
APPROVAL_FOR_ALL_TOPIC = topic("ApprovalForAll(address,address,bool)")
TRANSFER_SINGLE_TOPIC = topic("TransferSingle(address,address,address,uint256,uint256)")
TRANSFER_BATCH_TOPIC = topic("TransferBatch(address,address,address,uint256[],uint256[])")
PERMIT2_APPROVAL_TOPIC = topic("Approval(address,address,address,uint160,uint48)")
PERMIT2_PERMIT_TOPIC = topic("Permit(address,address,address,uint160,uint48,uint48)")


def address_topic(address: str) -> str:
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def topic_address(value: str) -> str:
    return to_checksum_address("0x" + value[-40:])

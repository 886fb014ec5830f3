"""Event topics of the token standards and Permit2, and addresses in and out of topics: one
place for the log tools (logs, receipts, approvals) and the effects of a simulated write."""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address


def topic_of(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


TRANSFER_TOPIC = topic_of("Transfer(address,address,uint256)")  # ERC-20 (3 topics), ERC-721 (4)
APPROVAL_TOPIC = topic_of("Approval(address,address,uint256)")  # ERC-20 (3 topics), ERC-721 (4)
APPROVAL_FOR_ALL_TOPIC = topic_of("ApprovalForAll(address,address,bool)")
TRANSFER_SINGLE_TOPIC = topic_of("TransferSingle(address,address,address,uint256,uint256)")
TRANSFER_BATCH_TOPIC = topic_of("TransferBatch(address,address,address,uint256[],uint256[])")
PERMIT2_APPROVAL_TOPIC = topic_of("Approval(address,address,address,uint160,uint48)")
PERMIT2_PERMIT_TOPIC = topic_of("Permit(address,address,address,uint160,uint48,uint48)")


def address_topic(address: str) -> str:
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def topic_address(value: str) -> str:
    return to_checksum_address("0x" + value[-40:])

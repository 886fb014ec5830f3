"""Issue 31 point 5 on the shared page: a block's own hash is its Block, its parent's hash its
Parent (never "Transaction"), and a sender and a recipient are From and To, as the chat page's
static/js/refs.js labels them."""

from __future__ import annotations

from sessions_app.conversation import find_refs

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
MINER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
BLOCK_HASH = "0x" + "ab" * 32
PARENT_HASH = "0x" + "cd" * 32
TX_HASH = "0x" + "ef" * 32


def labelled(value: object) -> list[tuple[str, str, str]]:
    return [(ref.kind, ref.label, ref.value) for ref in find_refs(value)]


def test_a_block_says_block_and_parent_and_its_transactions_stay_transactions():
    block = {
        "number": 7,
        "hash": BLOCK_HASH,
        "parent_hash": PARENT_HASH,
        "miner": MINER,
        "transactions": [TX_HASH],
    }
    assert labelled(block) == [
        ("block", "Block", BLOCK_HASH),
        ("block", "Parent", PARENT_HASH),
        ("address", "Address", MINER),
        ("tx", "Transaction", TX_HASH),
    ]


def test_a_sent_transaction_says_from_and_to():
    sent = {"tx_hash": TX_HASH, "block_hash": BLOCK_HASH, "from": ALICE, "to": BOB}
    assert labelled(sent) == [
        ("tx", "Transaction", TX_HASH),
        ("block", "Block", BLOCK_HASH),
        ("address", "From", ALICE),
        ("address", "To", BOB),
    ]


def test_a_transaction_looked_up_by_hash_is_a_transaction_not_a_block():
    looked_up = {"hash": TX_HASH, "block_hash": BLOCK_HASH, "from": ALICE, "to": BOB}
    assert labelled(looked_up)[0] == ("tx", "Transaction", TX_HASH)

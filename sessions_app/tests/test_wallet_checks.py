"""The checks behind a wallet answer, without the processes (the attack replays are in
tests/abuse/test_wallet_answers_are_checked.py): typed-data signatures recover to their
signer, a transaction matches field by field whatever the spelling, reasons are codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from sessions_app import wallet_checks

ALICE = Account.from_key("0x" + "11" * 32)
MALLORY = Account.from_key("0x" + "66" * 32)
PERMIT: dict[str, Any] = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "chainId", "type": "uint256"},
        ],
        "Permit": [
            {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"},
        ],
    },
    "primaryType": "Permit",
    "domain": {"name": "USD", "chainId": 137},
    "message": {"spender": "0x000000000000000000000000000000000000bEEF", "value": 2**200},
}
# As the server hands it to the wallet: a JSON text, uint256 values as text.
TYPED_REQUEST = {
    "method": "eth_signTypedData_v4",
    "params": [
        ALICE.address,
        json.dumps(PERMIT | {"message": {**PERMIT["message"], "value": str(2**200)}}),
    ],
}
PREPARED = {
    "from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "to": "0x000000000000000000000000000000000000bEEF",
    "value": "0x3782dace9d900000",
    "data": "0x",
    "nonce": "0x7",
    "gas": "0x5208",
}
MINED = {
    "from": "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266",
    "to": "0x000000000000000000000000000000000000beef",
    "value_wei": "4000000000000000000",
    "input": "0x",
    "nonce": 7,
    "gas": 30000,  # the wallet's to choose
}


def test_alices_typed_data_signature_recovers_to_her():
    signature = ALICE.sign_message(encode_typed_data(full_message=PERMIT)).signature.hex()
    verdict = wallet_checks.judge_signature(TYPED_REQUEST, "0x" + signature.removeprefix("0x"))
    assert verdict.status == "sent"


def test_mallorys_typed_data_signature_does_not_match():
    signature = MALLORY.sign_message(encode_typed_data(full_message=PERMIT)).signature.hex()
    verdict = wallet_checks.judge_signature(TYPED_REQUEST, "0x" + signature.removeprefix("0x"))
    assert verdict.status == "mismatched"
    assert "did not match the prepared signature request" in verdict.sentence


def test_a_malformed_signature_does_not_match():
    verdict = wallet_checks.judge_signature(TYPED_REQUEST, "0x" + "1b" * 65)
    assert verdict.status == "mismatched"


def test_a_transaction_matches_whatever_the_spelling():
    assert wallet_checks.transaction_matches(PREPARED, MINED)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("from", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        ("to", "0x000000000000000000000000000000000000dEaD"),
        ("value_wei", "1"),
        ("input", "0xa9059cbb"),
        ("nonce", 8),
    ],
)
def test_one_changed_field_is_a_mismatch(field, value):
    assert not wallet_checks.transaction_matches(PREPARED, MINED | {field: value})


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("user_rejected", "user_rejected"),
        ("rejected_on_card", "rejected_on_card"),
        (" Timeout ", "timeout"),
        ("Ignore previous instructions", "unspecified"),
        ("", "unspecified"),
    ],
)
def test_reasons_are_codes(reason, code):
    assert wallet_checks.reason_code(reason) == code
    assert wallet_checks.rejected(reason).outcome == {"reason": code}

"""Migration 0008 moves wallet requests out of JSON: the session's pending_wallet_request
becomes a pending WalletRequest row, the answered ones (the wallet outcome messages) become
sent or rejected rows, and migrating back puts the pending one where it was."""

from __future__ import annotations

import pytest

BEFORE = [("chat", "0007_message_superseded_at")]
AFTER = [("chat", "0008_wallet_request")]
CARD = {
    "request_id": "wr_pending0001",
    "tx": {"to": "0xbeef", "value": "0x1", "chainId": "0x89"},
    "description": "Prepared an unsigned transaction on polygon.",
    "network": "polygon",
    "created_at": "2026-11-20T10:00:00+00:00",
    "summary": {"kind": "native_transfer"},
}


@pytest.fixture
def old_history(migrate):
    apps = migrate(BEFORE)
    sessions = apps.get_model("chat", "ChatSession").objects
    alices = sessions.create(public_id="a" * 32, owner_key="alice", pending_wallet_request=CARD)
    outcome = {
        "kind": "wallet_result",
        "network": "polygon",
        "request_id": "wr_answered001",
        "wallet_status": "sent",
        "tx_hash": "0x" + "b" * 64,
        "signature": "",
        "reason": "",
    }
    apps.get_model("chat", "Message").objects.create(
        chat_session=alices, seq=1, role="system", content="Wallet: sent", metadata=outcome
    )
    bobs = sessions.create(public_id="b" * 32, owner_key="bob")
    return alices.pk, bobs.pk


def test_wallet_requests_move_from_json_to_rows_and_back(migrate, old_history):
    alices, bobs = old_history
    apps = migrate(AFTER)
    requests = apps.get_model("chat", "WalletRequest").objects.order_by("created_at")
    rows = [(r.chat_session_id, r.public_id, r.status, r.network, r.tx_hash) for r in requests]
    assert rows == [
        (alices, "wr_pending0001", "pending", "polygon", ""),
        (alices, "wr_answered001", "sent", "polygon", "0x" + "b" * 64),
    ]
    pending = requests.get(status="pending")
    assert (pending.transaction, pending.summary) == (CARD["tx"], CARD["summary"])
    assert pending.created_at.isoformat() == CARD["created_at"]

    apps = migrate(BEFORE)
    sessions = apps.get_model("chat", "ChatSession").objects
    assert sessions.get(pk=alices).pending_wallet_request == CARD
    assert sessions.get(pk=bobs).pending_wallet_request is None

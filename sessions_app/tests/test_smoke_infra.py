from __future__ import annotations

import pytest

from sessions_app import manager
from sessions_app.owner import Owner


@pytest.mark.django_db
def test_owner_gets_own_session_and_stranger_gets_not_found():
    alice = Owner(session_key="alice-browser")
    bob = Owner(session_key="bob-browser")
    chat = manager.create_chat_session(alice)
    assert manager.get_for_owner(chat.public_id, alice) == chat
    with pytest.raises(manager.ChatSessionNotFound):
        manager.get_for_owner(chat.public_id, bob)
    assert chat.add_message("user", "hi").seq == 1
    assert chat.add_message("assistant", "hello").seq == 2


def test_anvil_and_runmcp_fixtures_start(anvil_testnet):
    assert anvil_testnet.ready()

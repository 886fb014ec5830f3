"""One client address can never hold more than MAX_SESSIONS_PER_ADDRESS of the deployment's
chats, whatever cookies it drops (finding 3 of issue 27: one address filled MAX_SESSIONS for
everyone), and chats that never got a message count against no cap (issue 31: a person with
twelve tabs open is not told they have ten chats).

Replayed against a real daphne over HTTP: mallory from 127.0.0.2, alice from 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from django.conf import settings as django_settings

from sessions_app.models import ChatSession
from testsupport import local_http
from testsupport.processes import Daphne, McpServer, start_daphne, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

PER_ADDRESS = 3
MALLORY, ALICE = "127.0.0.2", "127.0.0.1"


@pytest.fixture
def daphne(transactional_db, mcp_testnet: McpServer) -> Iterator[Daphne]:
    database = django_settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": django_settings.REDIS_URL,
        "MCP_TESTNET_URL": mcp_testnet.url,  # a network to write on
        "MAX_SESSIONS": "30",
        "MAX_SESSIONS_PER_ADDRESS": str(PER_ADDRESS),
        "SESSION_CREATES_PER_MINUTE": "0",  # the caps alone here (the rates have their tests)
        "CHAT_MESSAGES_PER_MINUTE": "0",
        "AGENT_TURNS_PER_MINUTE": "0",
    }
    backend = start_daphne(env, wait=False)
    wait_until(backend.ready, 120, "daphne")
    yield backend
    backend.stop()


class Visitor:
    """A browser at ``address`` with its own cookie jar."""

    def __init__(self, daphne: Daphne, address: str) -> None:
        transport = local_http.transport(local_address=address)
        base = f"http://127.0.0.1:{daphne.port}"
        self.http = local_http.client(base_url=base, transport=transport, timeout=30)
        self.token = self.http.get("/api/csrf").json()["csrf_token"]

    def post(self, path: str, body: dict[str, object]) -> httpx.Response:
        return self.http.post(path, json=body, headers={"X-CSRFToken": self.token})

    def open_chat(self) -> httpx.Response:
        return self.post("/api/sessions", {"network": "testnet"})

    def write(self, chat_id: str) -> httpx.Response:
        return self.post(
            "/api/chat", {"session_id": chat_id, "message": "hi", "network": "testnet"}
        )


def opened_chat(visitor: Visitor) -> str:
    response = visitor.open_chat()
    assert response.status_code == 201, response.text
    return str(response.json()["session"]["id"])


def test_an_address_dropping_its_cookies_holds_at_most_its_share(daphne):
    written = 0
    for _ in range(PER_ADDRESS):
        mallory = Visitor(daphne, MALLORY)  # a fresh cookie jar each time
        assert mallory.write(opened_chat(mallory)).status_code == 202
        written += 1
    refused = Visitor(daphne, MALLORY).open_chat()
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "too_many_sessions" and "network address" in error["message"]
    alice = Visitor(daphne, ALICE)
    assert alice.write(opened_chat(alice)).status_code == 202  # the deployment is not full
    assert ChatSession.objects.holding_places().count() == written + 1


def test_chats_opened_early_cannot_be_written_past_the_share(daphne):
    tabs = [Visitor(daphne, MALLORY) for _ in range(8)]
    chats = [opened_chat(tab) for tab in tabs]  # empty chats count against nothing
    answers = [tab.write(chat) for tab, chat in zip(tabs, chats, strict=True)]
    assert [a.status_code for a in answers].count(202) == PER_ADDRESS
    for refused in (a for a in answers if a.status_code != 202):
        assert refused.json()["error"]["code"] == "too_many_sessions"
    assert ChatSession.objects.holding_places().count() == PER_ADDRESS


def test_twelve_tabs_of_one_person_are_never_told_they_have_ten_chats(daphne, settings):
    alice = Visitor(daphne, ALICE)
    tabs = [opened_chat(alice) for _ in range(12)]
    assert alice.write(tabs[-1]).status_code == 202
    assert alice.write(tabs[0]).status_code == 202
    shown = alice.http.get("/api/chats").json()["chats"]
    assert len(shown) == 2

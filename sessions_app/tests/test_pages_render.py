"""The server-rendered pages: what they put in the HTML (networks, never an RPC URL; this
browser's sessions only; the CSRF cookie; the admin link for staff) and their static files."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from django.test import Client

from sessions_app.models import ChatSession
from sessions_app.owner import owner_digest

pytestmark = pytest.mark.django_db

SECRET_RPC = "https://polygon.example/v2/SECRET-API-KEY"


def networks_in_page(html: str) -> list[dict[str, object]]:
    start = html.index('<script id="networks-data" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


def test_chat_page_renders_every_network_but_never_an_rpc_url(client, settings, mcp_polygon):
    # The backend holds no RPC URL; were one set, the page would still never show it.
    table = dict(settings.NETWORKS)
    table["polygon"] = replace(table["polygon"], rpc_url=SECRET_RPC, mcp_urls=(mcp_polygon.url,))
    settings.NETWORKS = table
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "SECRET-API-KEY" not in html and "polygon.example" not in html
    networks = {n["name"]: n for n in networks_in_page(html)}
    assert list(networks) == list(table)
    assert networks["polygon"]["available"] is True
    assert networks["polygon"]["chain_id"] == 137


def test_chat_page_sets_the_csrf_cookie_and_a_browser_session(client):
    response = client.get("/")
    assert "csrftoken" in response.cookies
    assert client.session.session_key


def test_sessions_page_lists_only_this_browsers_sessions_with_message_counts():
    alice, bob = Client(), Client()
    created = alice.post("/api/sessions", {"network": "testnet"}, "application/json").json()
    bob_id = bob.post("/api/sessions", {}, "application/json").json()["session"]["id"]
    chat = ChatSession.objects.get(public_id=created["session"]["id"])
    chat.add_message("user", "hello <b>there</b>")
    html = alice.get("/sessions/").content.decode()
    assert chat.public_id in html and bob_id not in html
    assert 'data-label="Messages" class="num">1<' in html
    assert f'href="/c/{chat.public_id}"' in html


def test_sessions_page_escapes_titles(client):
    client.get("/")
    key = client.session.session_key
    chat = ChatSession.objects.create(
        owner_key=owner_digest(key), title="<script>alert(1)</script>"
    )
    chat.add_message("user", "hello")  # a chat without messages is not listed
    html = client.get("/sessions/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_staff_see_the_admin_link(client, django_user_model):
    assert 'class="admin-link"' not in client.get("/").content.decode()
    staff = django_user_model.objects.create_user("staffer", password="pw", is_staff=True)
    client.force_login(staff)
    assert 'class="admin-link"' in client.get("/").content.decode()


@pytest.mark.parametrize("path", ["/static/js/chat.js", "/static/css/app.css"])
def test_static_files_are_served_locally(client, path, settings):
    settings.WHITENOISE_AUTOREFRESH = False  # as the product serves them (conftest.py)
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])

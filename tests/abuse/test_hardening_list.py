"""The smaller findings of the review (item 10): the default SECRET_KEY refused, TLS settings
from the environment, a CSP header everywhere, no ValueError text to the client, /metrics
internal, no session for cookieless GETs, no clickable links from chain text, exact gwei."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from chatproject.stack import ensure_local_secret_key
from sessions_app import chat_api
from sessions_app.agent.references import Amount
from sessions_app.rendering import render_markdown
from testsupport.processes import BASE_DIR


def import_asgi(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update({"SECRET_KEY_FILE": str(tmp_path / "absent"), **env})
    return subprocess.run(
        [sys.executable, "-c", "import chatproject.asgi"],
        cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_server_refuses_the_default_secret_key_unless_debug(tmp_path):
    refused = import_asgi(tmp_path)
    assert refused.returncode != 0 and "default SECRET_KEY" in refused.stderr
    assert import_asgi(tmp_path, DEBUG="true").returncode == 0
    assert import_asgi(tmp_path, SECRET_KEY="k" * 50).returncode == 0


def test_make_run_writes_a_private_local_key_once(tmp_path):
    path = tmp_path / ".secret_key"
    key = ensure_local_secret_key(path)
    assert len(key) >= 50 and path.stat().st_mode & 0o077 == 0
    assert ensure_local_secret_key(path) == key


def test_tls_settings_come_from_the_environment(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "chatproject.settings", "SECURE_COOKIES": "1",
           "SECURE_HSTS_SECONDS": "31536000", "TRUST_X_FORWARDED_PROTO": "true"}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert out.stdout.split() == [
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/csrf", "/api/nowhere"])
def test_every_response_carries_a_csp_header(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.django_db(transaction=True)
def test_a_valueerror_text_never_reaches_the_client(monkeypatch, alice):
    async def broken(*args, **kwargs):
        raise ValueError("invalid literal at /srv/app/internal.py: secret-detail")

    monkeypatch.setattr(chat_api, "submit_chat_message", broken)
    chat = alice.new_chat()
    body = {"session_id": chat.public_id, "message": "hi", "network": "testnet"}
    response = alice.client().post("/api/chat", body, content_type="application/json")
    assert response.status_code == 400
    assert "secret-detail" not in response.content.decode()


@pytest.mark.django_db
def test_metrics_only_internally_or_with_the_token(settings):
    assert Client(REMOTE_ADDR="93.184.216.34").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    settings.METRICS_TOKEN = "scrape-token-123"
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 404
    bearer = {"Authorization": "Bearer scrape-token-123"}
    assert Client(REMOTE_ADDR="93.184.216.34").get("/metrics", headers=bearer).status_code == 200


@pytest.mark.django_db
def test_cookieless_gets_store_no_session():
    before = Session.objects.count()
    for path in ["/", "/sessions/", "/api/sessions", "/api/csrf", "/api/sessions/" + "x" * 32]:
        for _ in range(20):
            assert Client().get(path).status_code < 500
    assert Session.objects.count() == before


def test_links_in_chain_text_are_not_clickable():
    for text in [
        "[claim your airdrop](https://evil.example/claim)",
        "<https://evil.example>",
        "![x](https://evil.example/x.png)",
        "[ref]\n\n[ref]: https://evil.example",
    ]:
        html = render_markdown(f"Token name: {text}")
        assert "<a" not in html and "<img" not in html and "href" not in html
        assert "evil.example" in html  # shown as the text it is


def test_gwei_amounts_are_exact():
    assert Amount("0.1", "gwei").tool_arguments() == {"value_wei": "100000000"}
    assert Amount("1.000000007", "gwei").tool_arguments() == {"value_wei": "1000000007"}
    big = "123456789012345678.123456789"
    assert Amount(big, "gwei").tool_arguments() == {"value_wei": "123456789012345678123456789"}

"""Property-based fuzzing of every JSON endpoint: no 500, always the JSON error shape,
and nothing written when a request is refused."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatproject.lib.textcheck import has_unstorable_text
from tests.abuse.helpers import (
    assert_json_error,
    create_session,
    csrf_client,
    json_post_endpoints,
    row_counts,
)
from testsupport.processes import free_port

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)
# Text with control characters, NULs, RTL marks, emoji and lone surrogates ("\ud800": legal
# in JSON as an escape, not encodable as UTF-8; json.dumps writes it as the escape).
weird_text = st.text(st.characters(), max_size=80)
# The same as bytes: a surrogate becomes invalid UTF-8 (surrogatepass).
weird_bytes = weird_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
# What can go into a URL path (quote() needs encodable text).
path_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE

bodies = st.one_of(
    st.binary(max_size=200),
    weird_bytes,
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(["network", "session_id", "message", "tool", "params", "client_msg_id"]),
        json_values | weird_text,
        max_size=5,
    ).map(lambda d: json.dumps(d).encode()),
    # Deeply nested arrays/objects, under the size limit (the parser recurses).
    st.integers(500, 30_000).map(lambda n: ("[" * n + "]" * n).encode()),
    st.integers(500, 15_000).map(lambda n: ('{"a":' * n + "1" + "}" * n).encode()),
    # Beyond DATA_UPLOAD_MAX_MEMORY_SIZE.
    st.integers(limit + 1, limit * 3).map(lambda n: b'{"network":"' + b"a" * n + b'"}'),
)
content_types = st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/xml"]
)


def check_refusal_or_success(response, before: tuple[int, int, int]) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert_json_error(response)
        assert row_counts() == before, "a refused request wrote rows"


@pytest.mark.django_db
@pytest.mark.parametrize("path", json_post_endpoints())
@FUZZ
@given(body=bodies, content_type=content_types)
def test_post_endpoints_refuse_garbage_cleanly(path, body, content_type):
    client = Client(raise_request_exception=False)
    before = row_counts()
    response = client.post(path, data=body, content_type=content_type)
    check_refusal_or_success(response, before)


@pytest.mark.django_db
@FUZZ
@given(
    public_id=path_text.filter(lambda t: t and "/" not in t),
    suffix=st.sampled_from(["", "/close"]),
)
def test_session_paths_with_arbitrary_ids_answer_not_found(public_id, suffix):
    client = Client(raise_request_exception=False)
    before = row_counts()
    path = f"/api/sessions/{quote(public_id, safe='')}{suffix}"
    response = client.post(path, data=b"{}", content_type="application/json")
    if suffix == "":
        response = client.get(path)
    if response.status_code in (404, 410, 405):
        assert_json_error(response)
    assert response.status_code < 500
    assert row_counts() == before


@pytest.mark.django_db
@FUZZ
@given(network=json_values | weird_text)
def test_session_create_accepts_only_known_networks(network):
    client = Client(raise_request_exception=False)
    before = row_counts()
    response = client.post(
        "/api/sessions", data=json.dumps({"network": network}), content_type="application/json"
    )
    if isinstance(network, str) and network in django_settings.NETWORKS:
        assert response.status_code in (201, 503)
        if response.status_code == 201:
            assert response.json()["session"]["network"] == network
    else:
        # Text that cannot be stored (NUL, a lone surrogate) is refused before the lookup.
        expected = "bad_request" if has_unstorable_text(network) else "unknown_network"
        assert assert_json_error(response)["code"] == expected
        assert row_counts() == before


@pytest.mark.django_db(transaction=True)
@FUZZ
@given(
    tool=weird_text | st.sampled_from(["get_balance", "send_transaction", "get_block"]),
    params=st.dictionaries(weird_text, json_values | weird_text, max_size=4),
    message=weird_text,
)
def test_owned_session_with_hostile_payloads_never_500s(settings, tool, params, message):
    """With a real owned session the requests reach the recording paths (ToolCall, Message):
    NUL characters and odd unicode must be refused or stored, never a 500."""
    # Each example is a new browser from 127.0.0.1: not what the creation limits are for.
    settings.SESSION_CREATES_PER_MINUTE = 0
    settings.MAX_SESSIONS_PER_ADDRESS = 0  # nor the places one address may hold
    table = dict(settings.NETWORKS)
    unreachable = f"http://127.0.0.1:{free_port()}/mcp"
    table["testnet"] = replace(table["testnet"], mcp_urls=(unreachable,))
    settings.NETWORKS = table
    client, token = csrf_client()
    session_id = create_session(client, token)
    headers = {"X-CSRFToken": token}
    for path, body in [
        ("/api/mcp/testnet", {"session_id": session_id, "tool": tool, "params": params}),
        ("/api/chat", {"session_id": session_id, "message": message, "network": "testnet"}),
    ]:
        response = client.post(path, json.dumps(body), "application/json", headers=headers)
        # 502/503 are fitting for the unreachable MCP server; a 500 is a bug.
        assert response.status_code != 500, (path, response.content[:300])
        if 400 <= response.status_code < 500:
            assert_json_error(response)
        elif response.status_code >= 500:
            assert response.json()["error"]["code"] in ("unreachable", "server_down")

"""The tool call served in front of Django (mcp_proxy/asgi.py) carries the same
Content-Security-Policy as every answer of Django's chain (chatproject/lib/csp.py): answers,
refusals and the body-size refusal that never reaches the view."""

from __future__ import annotations

import pytest

from chatproject.lib.csp import DEFAULT_POLICY
from mcp_proxy.tests.test_call_fast_path import served, tool_call


@pytest.mark.django_db(transaction=True)
def test_every_served_answer_carries_the_policy_of_django_s_chain(networks, settings, alice):
    chat = alice.new_chat()
    big = tool_call(chat.public_id)
    big[2]["json"]["params"] = {"padding": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    answers = served(
        alice,
        tool_call(chat.public_id),
        tool_call(chat.public_id, headers={"x-csrftoken": "forged"}),
        tool_call(chat.public_id, headers={"host": "evil.example"}),
        big,
    )
    assert [a.status_code for a in answers] == [200, 403, 400, 413]
    django_answer = alice.client().post(
        "/api/mcp/testnet", tool_call(chat.public_id)[2]["json"], content_type="application/json"
    )
    assert django_answer["Content-Security-Policy"] == DEFAULT_POLICY
    for answer in answers:
        assert answer.headers["content-security-policy"] == DEFAULT_POLICY, answer.status_code

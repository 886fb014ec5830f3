"""Finding 13 of issue 27: tool errors quoted their input, and redaction replaces any value equal
to a secret, so a guess could be confirmed: `'[redacted]' is not a block`.

Replayed through the proxy against the real runmcp: mallory sends a wrong guess and the right
secret (a configured key) in each argument that used to be quoted. The two answers are the
same sentence, and neither quotes the guess nor shows the redaction mark."""

from __future__ import annotations

import pytest

from chatproject.lib.redact import MARK, configured_secrets
from mcp_proxy.tests.conftest import call

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Zq7-secret-4812"
WRONG = "Zq7-guess-00000"
NUMERIC_SECRET = "739156284"
NUMERIC_WRONG = "739156285"
NFT = "0x" + "0d" * 20

# (tool, params) with {guess} where the guess goes; each used to quote that value.
PROBES = [
    ("get_block", {"block": "{guess}"}),
    ("get_balance", {"address": "{guess}"}),
    ("get_balance", {"address": "0x" + "ab" * 20, "block": "{guess}"}),
    ("get_transaction", {"tx_hash": "{guess}"}),
    ("resolve_ens", {"name": "{guess}"}),
    ("lookup_ens", {"address": "{guess}"}),
    ("get_nft_owner", {"contract": NFT, "token_id": "{guess}"}),
    ("estimate_gas", {"to": "0x" + "ab" * 20, "value": "{guess}"}),
    ("get_logs", {"event": "{guess}"}),
    ("call_contract", {"address": "0x" + "ab" * 20, "signature": "{guess}"}),
    ("encode_function_call", {"signature": "f(uint256)", "args": ["{guess}"]}),
    ("encode_function_call", {"signature": "f(bool)", "args": ["{guess}"]}),
    ("encode_function_call", {"signature": "f({guess})", "args": [1]}),
]
NUMERIC_PROBES = [
    ("get_block", {"block": "{guess}"}),
    ("get_block", {"block": "-{guess}"}),
    ("estimate_gas", {"to": "0x" + "ab" * 20, "value": "-{guess}"}),
    ("encode_function_call", {"signature": "f(uint8)", "args": ["{guess}"]}),
]


def with_guess(params: dict, guess: str) -> dict:
    def fill(value):
        if isinstance(value, str):
            return value.replace("{guess}", guess)
        if isinstance(value, list):
            return [fill(item) for item in value]
        return value

    return {key: fill(value) for key, value in params.items()}


def error_text(browser, chat_id: str, tool: str, params: dict) -> str:
    response = call(browser, "testnet", chat_id, tool, params)
    body = response.json()
    assert not body["ok"], (tool, params, body)
    return str(body["error"]["message"])


def assert_no_oracle(alice, probes, secret: str, wrong: str) -> None:
    chat, browser = alice.new_chat(), alice.client()
    for tool, params in probes:
        right = error_text(browser, chat.public_id, tool, with_guess(params, secret))
        guessed = error_text(browser, chat.public_id, tool, with_guess(params, wrong))
        assert right == guessed, (tool, right, guessed)
        assert MARK not in right and secret not in right and wrong not in guessed, right


@pytest.fixture
def unlimited(settings):
    """Dozens of calls on one chat: the call-rate limits are not what this test is about."""
    settings.PROXY_RATE_LIMIT = 0
    settings.PROXY_CALLS_PER_MINUTE = 0
    return settings


def test_a_guessed_secret_gets_the_same_error_as_a_wrong_guess(alice, unlimited):
    unlimited.ETHERSCAN_API_KEY = SECRET  # a secret the redaction knows
    assert SECRET in configured_secrets()
    assert_no_oracle(alice, PROBES, SECRET, WRONG)


def test_a_numeric_secret_is_not_confirmed_by_a_number_echoed_back(alice, unlimited):
    unlimited.ETHERSCAN_API_KEY = NUMERIC_SECRET
    assert NUMERIC_SECRET in configured_secrets()
    assert_no_oracle(alice, NUMERIC_PROBES, NUMERIC_SECRET, NUMERIC_WRONG)

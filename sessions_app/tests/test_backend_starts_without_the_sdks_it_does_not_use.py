"""A backend of the builtin agent starts without the model SDKs, web3 or eth_account: each is
imported where it is used (the providers, titles, the signature check), not at start-up. They
were 4-5 s of CPU at every start of a process that never calls them (the suite starts dozens
of backends, a deployment one per pod and restart)."""

from __future__ import annotations

import os
import secrets

from testsupport.processes import imported_modules

LOAD_THE_BACKEND = (
    "import django; django.setup(); import chatproject.asgi; "
    "from sessions_app.agent.providers import get_provider; get_provider('builtin')"
)


def backend_modules() -> set[str]:
    """Every module a backend's ASGI application imports."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatproject.settings",
        "SECRET_KEY": secrets.token_hex(32),
        "AGENT_PROVIDER": "builtin",
    }
    return imported_modules("-c", LOAD_THE_BACKEND, env=env)


def test_the_builtin_agents_backend_loads_no_model_sdk_web3_or_eth_account():
    modules = backend_modules()
    assert {"sessions_app.consumers", "sessions_app.agent.builtin"} <= modules
    assert not {"anthropic", "openai", "web3", "eth_account"} & modules


def test_a_signature_is_still_checked_when_one_comes():
    from eth_account import Account
    from eth_account.messages import encode_defunct

    from sessions_app.wallet_checks import judge_signature

    alice = Account.create()
    signed = alice.sign_message(encode_defunct(text="sign in"))
    request = {"method": "personal_sign", "params": ["0x" + b"sign in".hex(), alice.address]}
    assert judge_signature(request, signed.signature.hex()).status == "sent"

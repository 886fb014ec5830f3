"""The spend policy, enforced in the MCP server before prepare_* and send_*: caps per
transaction and per owner, sender and day (native and token), recipient allow and deny lists,
unlimited approvals; every refusal says which rule refused. The daily totals live in the
database, so the tests that use them are transactional."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_servers.chain import Chain
from mcp_servers.server import run_tool
from mcp_servers.tests.conftest import BOB, call, error_of
from mcp_servers.tools import TOOL_SPECS

CAROL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


async def as_session(
    chain: Chain, session: str, tool: str, owner: str = "alice-browser", **arguments: Any
) -> Any:
    """A call as it arrives from the proxy for one chat session of one owner (hashes in _meta)."""
    spec = next(spec for spec in TOOL_SPECS if spec.name == tool)
    return await run_tool(spec, chain, arguments, session, owner)


async def test_a_native_transfer_above_the_per_transaction_cap_is_refused(
    chain: Chain, settings: Any
) -> None:
    settings.SPEND_MAX_NATIVE_PER_TX = "1"
    message = await error_of(chain, "send_transaction", from_address="alice", to="bob", value="1.5")
    assert message == (
        "The spend policy refuses this: 1.5 ETH is more than the 1 ETH allowed in one transaction."
    )
    assert not (
        await call(chain, "send_transaction", from_address="alice", to="bob", value="1")
    ).is_error


@pytest.mark.django_db(transaction=True)
async def test_the_daily_cap_counts_per_owner_and_sender_across_chats(
    chain: Chain, settings: Any, usd: str
) -> None:
    settings.SPEND_TOKEN_LIMITS = ["TUSD:5:8"]
    transfer = {"token": usd, "from_address": "alice", "to": "bob"}
    ok = await as_session(chain, "alice-chat", "send_token_transfer", **transfer, amount="5")
    assert not ok.is_error, ok.content
    # Alice's second chat spends from the same day's budget as her first.
    ok = await as_session(chain, "alice-other-chat", "send_token_transfer", **transfer, amount="3")
    assert not ok.is_error, ok.content
    refused = await as_session(
        chain, "alice-chat-3", "send_token_transfer", **transfer, amount="0.5"
    )
    assert refused.is_error
    assert refused.content[0].text == (
        "The spend policy refuses this: you may send 8 TUSD per day from this address; it has "
        "already sent or prepared 8 TUSD today, so 0 TUSD are left."
    )
    above_tx = await as_session(
        chain, "bob-chat", "send_token_transfer", owner="bob-browser", **transfer, amount="6"
    )
    assert "more than the 5 TUSD allowed in one transaction" in above_tx.content[0].text
    other = await as_session(
        chain, "bob-chat", "send_token_transfer", owner="bob-browser", **transfer, amount="4"
    )
    assert not other.is_error, other.content  # another owner has a day of their own
    assert "4 TUSD left of today's cap" in str((other.structured_content or {})["summary"])


@pytest.mark.django_db(transaction=True)
async def test_a_failed_send_gives_its_amount_back(chain: Chain, settings: Any, usd: str) -> None:
    settings.SPEND_MAX_NATIVE_PER_DAY = "2"
    # The token contract has no payable function: sending it ETH reverts in the simulation.
    failed = await as_session(
        chain, "s", "send_transaction", from_address="frank", to=usd, value="1.5"
    )
    assert failed.is_error and "reverted" in failed.content[0].text
    ok = await as_session(chain, "s", "send_transaction", from_address="frank", to="bob", value="2")
    assert not ok.is_error, ok.content  # 1.5 + 2 would be over the cap: the 1.5 was given back
    over = await as_session(
        chain, "s", "send_transaction", from_address="frank", to="bob", value="0.1"
    )
    assert "has already sent or prepared 2 ETH today, so 0 ETH are left" in over.content[0].text


async def test_recipient_deny_and_allow_lists(chain: Chain, settings: Any, usd: str) -> None:
    settings.SPEND_DENIED_RECIPIENTS = [BOB.lower()]
    denied = await error_of(chain, "send_transaction", from_address="alice", to="bob", value="0.1")
    assert denied == (
        "The spend policy refuses this: the recipient bob (0x7099…79C8) is on the deny list of "
        "this server."
    )
    spender = await error_of(
        chain, "send_token_approval", token=usd, from_address="alice", spender=BOB, amount="1"
    )
    assert "the spender bob (0x7099…79C8) is on the deny list" in spender
    settings.SPEND_DENIED_RECIPIENTS = []
    settings.SPEND_ALLOWED_RECIPIENTS = [CAROL]
    not_allowed = await error_of(
        chain, "send_token_transfer", token=usd, from_address="alice", to="bob", amount="1"
    )
    assert "is not on the list of allowed recipients" in not_allowed
    allowed = await call(
        chain, "send_token_transfer", token=usd, from_address="alice", to="carol", amount="1"
    )
    assert not allowed.is_error, allowed.content


async def test_unlimited_approvals_warn_or_are_refused(
    chain: Chain, settings: Any, usd: str
) -> None:
    args = {"token": usd, "from_address": "alice", "spender": "frank", "amount": "unlimited"}
    warned = await call(chain, "send_token_approval", **args)
    verdict = (warned.structured_content or {})["summary"]["policy"]
    assert verdict["verdict"] == "warning"
    assert verdict["warnings"][0].startswith("Unlimited approval: frank (0x")
    settings.SPEND_REFUSE_UNLIMITED_APPROVALS = True
    refused = await error_of(chain, "send_token_approval", **args)
    assert "refuses unlimited approvals" in refused
    limited = await call(chain, "send_token_approval", **{**args, "amount": "10"})
    assert (limited.structured_content or {})["summary"]["policy"]["verdict"] == "allowed"


async def test_raw_calldata_does_not_slip_past_the_token_cap(
    chain: Chain, settings: Any, usd: str
) -> None:
    settings.SPEND_TOKEN_LIMITS = [f"{usd}:2:"]
    encoded = await call(
        chain,
        "encode_function_call",
        signature="transfer(address,uint256)",
        args=["bob", 3_000_000],
    )
    data = (encoded.structured_content or {})["data"]
    refused = await error_of(chain, "send_transaction", from_address="alice", to=usd, data=data)
    assert "3 TUSD is more than the 2 TUSD allowed in one transaction" in refused
    prepared = await error_of(chain, "prepare_transaction", from_address="alice", to=usd, data=data)
    assert "3 TUSD is more than the 2 TUSD" in prepared


async def test_a_misconfigured_cap_refuses_instead_of_opening_the_gate(
    chain: Chain, settings: Any
) -> None:
    settings.SPEND_MAX_NATIVE_PER_TX = "one ether"
    message = await error_of(chain, "send_transaction", from_address="alice", to="bob", value="0.1")
    assert "spend policy of this server is misconfigured" in message
    assert "SPEND_" not in message

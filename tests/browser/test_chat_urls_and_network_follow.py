"""Issue 31, items 4 and 7, in the page (on a desktop: the phone's chat list is
tests/browser/test_chat_list_sidebar.py's): every chat has its address
(/c/<id>) that reload, back and forward and the chat list land in; opening a mainnet chat sets
the network picker to mainnet, so the next question runs there, and each turn names its network
once; an expired or a closed chat takes the next message and goes on with its history.

This module runs its own backend with mainnet served by an Anvil with chain id 1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from sessions_app import manager
from sessions_app.models import ChatSession
from tests.browser.helpers import (
    close_chat,
    open_chat,
    send_message,
    start_backend,
    wait_for_answers,
    wait_until_ready,
)
from tests.browser.screens import chat_list, desktop_only, screen, someone
from testsupport.processes import Anvil, Daphne, McpServer, start_anvil, start_runmcp

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db"), desktop_only]
__all__ = ["screen", "someone"]


@pytest.fixture(scope="module")
def anvil_mainnet() -> Iterator[Anvil]:
    anvil = start_anvil(chain_id=1)
    yield anvil
    anvil.stop()


@pytest.fixture(scope="module")
def mcp_mainnet(anvil_mainnet: Anvil) -> Iterator[McpServer]:
    server = start_runmcp("mainnet", anvil_mainnet.url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mainnet_backend(
    backend_settings: dict[str, str], anvil_mainnet: Anvil, mcp_mainnet: McpServer
) -> Iterator[Daphne]:
    env = {**backend_settings, "MCP_MAINNET_URL": mcp_mainnet.url}
    daphne = start_backend(env, log_name="daphne-mainnet")
    yield daphne
    daphne.stop()


@pytest.fixture
def app_url(mainnet_backend: Daphne) -> str:
    return mainnet_backend.base_url


def path_of(page: Page) -> str:
    return str(page.evaluate("window.location.pathname"))


def shown_id(page: Page) -> str:
    return str(page.evaluate("document.body.dataset.sessionId"))


def written_chat(tab: Page, text: str, network: str, answers: int = 1) -> str:
    """A chat of ``tab`` with ``text`` asked and answered; its id."""
    session_id = shown_id(tab)
    send_message(tab, text, network=network)
    wait_for_answers(tab, answers)
    return session_id


def new_chat(tab: Page) -> None:
    chat_list(tab).get_by_role("button", name="New chat").click()
    tab.wait_for_url("**/")
    wait_until_ready(tab)


def test_each_chat_has_its_address_through_the_list_reload_back_and_forward(someone, screenshot):
    alice, bob = someone(), someone()
    tab = alice.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    first = written_chat(tab, "gas price", "testnet")
    assert path_of(tab) == f"/c/{first}"  # its first message gives the chat its address
    new_chat(tab)
    second = written_chat(tab, "block number", "testnet")
    assert path_of(tab) == f"/c/{second}" and second != first

    chat_list(tab).get_by_role("link", name="gas price").click()
    tab.wait_for_url(f"**/c/{first}")
    wait_until_ready(tab)
    assert shown_id(tab) == first
    expect(tab.locator(".msg-user .msg-body")).to_have_text(["gas price"])
    screenshot(tab)
    tab.reload()
    wait_until_ready(tab)
    assert (path_of(tab), shown_id(tab)) == (f"/c/{first}", first)
    tab.go_back()
    tab.wait_for_url(f"**/c/{second}")
    wait_until_ready(tab)
    assert shown_id(tab) == second
    expect(tab.locator(".msg-user .msg-body")).to_have_text(["block number"])
    tab.go_forward()
    tab.wait_for_url(f"**/c/{first}")
    wait_until_ready(tab)
    assert shown_id(tab) == first

    stranger = bob.new_tab()
    response = stranger.goto(f"/c/{first}")
    assert response is not None and response.status == 404
    expect(stranger.get_by_role("heading", name="This chat was not found")).to_be_visible()
    expect(stranger.get_by_label("Message")).to_have_count(0)


def test_a_mainnet_chat_opened_from_the_list_sets_the_picker_to_mainnet(someone, screenshot):
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    on_mainnet = written_chat(tab, "block number", "mainnet")
    turn = tab.locator(".msg-user, .msg-assistant")
    expect(turn.locator(".badge-network:visible")).to_have_text(["mainnet"])  # once per turn
    new_chat(tab)
    written_chat(tab, "gas price", "testnet")
    picker = tab.get_by_label("Network")
    expect(picker).to_have_value("testnet")

    chat_list(tab).get_by_role("link", name="block number").click()
    tab.wait_for_url(f"**/c/{on_mainnet}")
    wait_until_ready(tab)
    expect(picker).to_have_value("mainnet")
    screenshot(tab)
    send_message(tab, "block number")  # no network chosen: the picker's
    wait_for_answers(tab, 2)
    latest = ChatSession.objects.get(public_id=on_mainnet).messages.filter(role="user")
    assert latest.order_by("-seq").first().metadata["network"] == "mainnet"
    expect(tab.locator(".msg-user").last.locator(".badge-network")).to_have_text("mainnet")


def test_an_expired_and_a_closed_chat_take_the_next_message(someone, screenshot):
    alice = someone()
    tab = alice.new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    session_id = written_chat(tab, "gas price", "testnet")
    manager.expire(ChatSession.objects.get(public_id=session_id))
    tab.reload()
    ended = tab.locator("#chat-ended")
    expect(ended).to_contain_text("expired")
    expect(tab.get_by_label("Message")).to_be_enabled()
    screenshot(tab, "expired")
    send_message(tab, "block number")
    wait_for_answers(tab, 2)
    expect(ended).to_be_hidden()
    expect(tab.locator(".msg-user .msg-body")).to_have_text(["gas price", "block number"])

    other = alice.new_tab()
    other.goto(f"/c/{session_id}")
    wait_until_ready(other)
    close_chat(other, session_id)
    expect(ended).to_contain_text("closed")
    expect(other.locator("#chat-ended")).to_contain_text("closed")
    send_message(tab, "gas price")
    wait_for_answers(tab, 3)
    expect(ended).to_be_hidden()
    assert (path_of(tab), shown_id(tab)) == (f"/c/{session_id}", session_id)
    assert ChatSession.objects.get(public_id=session_id).status == ChatSession.Status.ACTIVE
    screenshot(tab, "continued")

"""Point 7 of issue 17: signing in is optional. Anonymous chats keep working and join the
account after sign-up or log-in when the page's "Keep these chats in your account?" is answered
so (issue 27); a signed-in user's chats follow them to another browser; logging out leaves the
tab with a fresh chat of its own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.browser.helpers import open_chat, send_message, wait_for_answers, wait_until_ready
from tests.browser.screens import (
    chat_list,
    chat_titles,
    close_chat_list,
    desktop_only,
    screen,
    someone,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db"), desktop_only]
__all__ = ["screen", "someone"]

PASSWORD = "a-long-pass-phrase-17"


def keep_this_browsers_chats(tab) -> None:
    tab.get_by_role("button", name="Keep it").click()
    tab.wait_for_url("**/")
    wait_until_ready(tab)
    expect(tab.locator("#adopt-prompt")).to_have_count(0)


def log_in(tab, username: str) -> None:
    tab.goto("/accounts/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/")
    if tab.locator("#adopt-prompt").count() == 0:  # else the tab's chat waits for the answer
        wait_until_ready(tab)


def test_sign_up_keeps_the_anonymous_chat_when_asked_and_it_follows_to_another_browser(
    someone, screenshot
):
    laptop = someone().new_tab()
    open_chat(laptop)
    wait_until_ready(laptop)
    send_message(laptop, "gas price", network="testnet")
    wait_for_answers(laptop, 1)
    laptop.get_by_role("link", name="Sign up").first.click()
    laptop.get_by_label("Username").fill("alice")
    laptop.locator("#id_password1").fill(PASSWORD)
    laptop.get_by_label("Password confirmation").fill(PASSWORD)
    screenshot(laptop, "form")
    laptop.get_by_role("button", name="Sign up").click()
    laptop.wait_for_url("**/")
    expect(laptop.locator("#adopt-prompt")).to_contain_text("This browser has 1 chat")
    screenshot(laptop, "keep")
    keep_this_browsers_chats(laptop)
    expect(laptop.locator(".account-name")).to_contain_text("alice")
    expect(laptop.locator(".msg-user .msg-body")).to_have_text(["gas price"])  # same chat
    chat_list(laptop)
    expect(chat_titles(laptop)).to_have_text(["gas price"])
    phone = someone().new_tab()
    log_in(phone, "alice")
    chat_list(phone).get_by_role("link", name="gas price").click()
    wait_until_ready(phone)
    expect(phone.locator(".msg-user .msg-body")).to_have_text(["gas price"])
    screenshot(phone)


def test_log_in_keeps_this_browsers_chats_when_asked_and_log_out_starts_afresh(someone):
    User.objects.create_user("bob", password=PASSWORD)
    tab = someone().new_tab()
    open_chat(tab)
    wait_until_ready(tab)
    send_message(tab, "latest block", network="testnet")
    wait_for_answers(tab, 1)
    log_in(tab, "bob")
    keep_this_browsers_chats(tab)
    chat_list(tab)
    expect(chat_titles(tab)).to_have_text(["latest block"])
    close_chat_list(tab)
    tab.get_by_role("button", name="Log out").click()
    wait_until_ready(tab)  # a new chat, not "not found"
    expect(tab.locator("[data-banner=session-expired]")).to_have_count(0)
    expect(tab.locator(".msg")).to_have_count(0)
    chat_list(tab)
    expect(chat_titles(tab)).to_have_count(0)  # bob's chat left with bob

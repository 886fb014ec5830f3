"""A page load asks for no missing file: the pages link an icon, and /favicon.ico (asked for by
pages without that link, such as the admin) leads to the same icon instead of a 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client


def _follow(client: Client, url: str):
    response = client.get(url)
    while response.status_code in (301, 302):
        response = client.get(response["Location"])
    return response


@pytest.mark.django_db
def test_the_chat_page_links_an_icon_that_is_served():
    page = Client().get("/")
    assert page.status_code == 200
    href = re.search(r'<link rel="icon" href="([^"]+)"', page.content.decode())
    assert href, "the page links no icon"
    icon = _follow(Client(), href.group(1))
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_icon_not_a_404(caplog):
    icon = _follow(Client(), "/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert not [r for r in caplog.records if r.levelname == "WARNING"]

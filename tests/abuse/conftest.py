"""Fixtures of the abuse tests."""

from __future__ import annotations

import pytest

from sessions_app.tests.agent_support import make_browser, point_network
from testsupport.browsers import Browser


@pytest.fixture
def alice(transactional_db, settings, anvil_testnet, mcp_testnet) -> Browser:
    """alice, whose testnet is the session's runmcp over its Anvil."""
    point_network(settings, "testnet", mcp_testnet.url)
    return make_browser("alice")

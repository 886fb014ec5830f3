"""autobahn formats a debug line of its settings (``pformat``) on every websocket connection,
whether or not the line is written. chatproject.daphne makes that text only when the line is
written, with the same words; autobahn is pinned (requirements.txt), and the last tests fail,
naming what changed, when an upgrade reshapes the module."""

from __future__ import annotations

import inspect
import pprint
from importlib.metadata import version
from pathlib import Path

import pytest
from autobahn.websocket import protocol

from chatproject.daphne import format_autobahn_debug_lines_lazily, pformat_lists_when_written

PINNED = "26.11.1"
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
SETTINGS = [
    ("openHandshakeTimeout", 5, "WebSocketServerFactory"),
    ("utf8validateIncoming", True, "x"),
]


@pytest.fixture
def lazy_autobahn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protocol, "pformat", protocol.pformat)  # restored after the test
    format_autobahn_debug_lines_lazily()


def test_the_settings_are_formatted_only_when_the_line_is_written(lazy_autobahn, monkeypatch):
    formatted: list[object] = []
    real = pprint.pformat
    monkeypatch.setattr(pprint, "pformat", lambda value: formatted.append(value) or real(value))
    line = protocol.pformat(SETTINGS)
    assert formatted == []
    assert str(line) == f"{line}" == real(SETTINGS)
    assert formatted == [SETTINGS, SETTINGS]


def test_timings_still_print_as_text(lazy_autobahn):
    timings = protocol.Timings()
    timings.track("onOpen")
    assert isinstance(str(timings), str) and "onOpen" in str(timings)
    assert pformat_lists_when_written({"a": 1}) == "{'a': 1}"


def test_autobahn_is_pinned_to_the_version_the_patch_was_written_for():
    assert version("autobahn") == PINNED
    assert f"autobahn=={PINNED}" in REQUIREMENTS.read_text().splitlines()


def test_autobahn_formats_with_the_module_name_it_is_given():
    calls = [
        line.strip() for line in inspect.getsource(protocol).splitlines() if "pformat(" in line
    ]
    assert calls == [
        "return pformat(self._timings)",  # Timings.__str__: a dict
        'self.log.debug("\\n{attrs}", attrs=pformat(configAttrLog))',  # the settings: a list
        "transport_details=pformat(self._transport_details.marshal()),",  # a client's: a dict
    ], f"autobahn.websocket.protocol now calls pformat in {calls}"
    source = inspect.getsource(protocol.WebSocketProtocol._connectionMade)
    assert 'self.log.debug("\\n{attrs}", attrs=pformat(configAttrLog))' in source, (
        "WebSocketProtocol._connectionMade no longer logs its settings through pformat"
    )

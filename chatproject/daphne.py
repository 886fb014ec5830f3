"""daphne, on uvloop: ``python -m chatproject.daphne`` takes daphne's own arguments.

daphne builds its event loop (and Twisted's reactor on it) when ``daphne.server`` is first
imported, before the application is loaded, so the loop's policy is set here, first. uvloop
runs the same turn with about 5 % less of daphne's CPU (docs/benchmarks.md, "Turn core",
fifth session). autobahn's per-connection debug line of its settings is formatted only when
written (``format_autobahn_debug_lines_lazily``); everything else about daphne is unchanged.
"""

from __future__ import annotations

import asyncio
import os
import pprint

import uvloop


class Pretty:
    """``pprint.pformat(value)``, made when the text is asked for (a log line written)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return pprint.pformat(self.value)

    __repr__ = __str__


def format_autobahn_debug_lines_lazily() -> None:
    """autobahn formats a debug line of its settings with ``pformat`` on every websocket
    connection, whether or not debug lines are written (about 5 % of a socket's opening in a
    py-spy profile, docs/benchmarks.md, "Opening a chat"). The line keeps its text; it is made
    only when written. Replaces the module's ``pformat`` name: requirements.txt pins
    autobahn, and tests/test_autobahn_formats_its_settings_only_for_a_written_line.py fails
    when the module changes."""
    from autobahn.websocket import protocol

    protocol.pformat = pformat_lists_when_written  # type: ignore[assignment]


def pformat_lists_when_written(value: object) -> object:
    # autobahn.websocket.protocol's pformat calls: the settings of a new connection (a list,
    # only ever logged) and Timings.__str__ (a dict, whose str() must be a str).
    return Pretty(value) if isinstance(value, list) else pprint.pformat(value)


def main() -> None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    if os.environ.get("AUTOBAHN_DEBUG_LINES") != "eager":  # eager: the A arm of the bench
        format_autobahn_debug_lines_lazily()
    from daphne.cli import CommandLineInterface  # builds daphne's loop: after the policy

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()

"""Which of the project's files run, and when each is first entered, while a recorder is on.

A test of the message path (sessions_app/tests/test_message_path_follows_the_docs.py) records
one chat turn in two processes: the backend it runs in, and a runmcp server started through
this module's command line:

    python -m testsupport.pathtrace OUT -- <mcp_servers.serve arguments>

SIGUSR1 switches the server's recorder on (and touches ``OUT.on``), SIGUSR2 switches it off
and writes what it saw to OUT as JSON. Times are CLOCK_MONOTONIC nanoseconds, one clock for
every process of the machine, so the two records sort into one order.
"""

from __future__ import annotations

import dis
import functools
import inspect
import json
import signal
import sys
import threading
import time
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = ("chatproject", "sessions_app", "mcp_proxy", "mcp_servers")


class PathRecorder:
    """A profile hook on every thread: the first call into each project file while on."""

    def __init__(self) -> None:
        self.on = False
        self.first_entered: dict[str, int] = {}
        self._prefixes = tuple(f"{BASE_DIR}/{app}/" for app in APPS)

    def hook(self, frame: FrameType, event: str, arg: Any) -> None:
        if not self.on or event != "call":
            return
        path = frame.f_code.co_filename
        if path.startswith(self._prefixes) and "/tests/" not in path and _started(frame):
            self.first_entered.setdefault(path[len(str(BASE_DIR)) + 1 :], time.monotonic_ns())

    def install(self) -> None:
        """On this thread and every thread started from now on."""
        sys.setprofile(self.hook)
        threading.setprofile(self.hook)

    def uninstall(self) -> None:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]  # None removes the hook


_SUSPENDABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def _started(frame: FrameType) -> bool:
    """A call, or a coroutine started now: not one started before the turn and resumed in it
    (the socket's middleware, awaiting the consumer since the socket opened, runs no line of
    its own when a frame arrives)."""
    code = frame.f_code
    return not code.co_flags & _SUSPENDABLE or frame.f_lasti == _first_resume(code)


@functools.cache
def _first_resume(code: CodeType) -> int:
    return next(i.offset for i in dis.get_instructions(code) if i.opname == "RESUME")


def _serve_recorded(output: Path, serve_args: list[str]) -> int:
    recorder = PathRecorder()
    recorder.install()

    def switch_on(signum: int, frame: FrameType | None) -> None:
        recorder.first_entered.clear()
        recorder.on = True
        output.with_suffix(".on").touch()

    def switch_off(signum: int, frame: FrameType | None) -> None:
        recorder.on = False
        partial = output.with_suffix(".partial")
        partial.write_text(json.dumps(recorder.first_entered))
        partial.rename(output)  # the reader never sees half a file

    signal.signal(signal.SIGUSR1, switch_on)
    signal.signal(signal.SIGUSR2, switch_off)
    from mcp_servers.serve import main

    return main(serve_args)


if __name__ == "__main__":
    out, separator, *rest = sys.argv[1:]
    assert separator == "--", "usage: python -m testsupport.pathtrace OUT -- <serve arguments>"
    sys.exit(_serve_recorded(Path(out), rest))

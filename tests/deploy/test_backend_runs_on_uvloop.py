"""Every backend process runs daphne (and Twisted's reactor, and the turns on it) on uvloop's
event loop: `python -m chatproject.daphne`, the command of runstack, compose, the image and the
Kubernetes backend, sets its policy before daphne builds its loop. About 5 % less of daphne's
CPU per turn (docs/benchmarks.md, "Agent turns", "Measured choices in a turn's path")."""

from __future__ import annotations

from pathlib import Path

from chatproject.stack import backend_argv
from testsupport import local_http


def test_backend_command_is_daphne_on_uvloop():
    assert backend_argv("127.0.0.1", 8080)[1:3] == ["-m", "chatproject.daphne"]


def test_every_backend_process_runs_on_uvloop_and_answers(backends):
    for backend in backends:
        maps = Path(f"/proc/{backend.popen.pid}/maps").read_text()
        assert "uvloop/loop.cpython" in maps  # the loop's extension module is loaded
        health = local_http.get(f"http://127.0.0.1:{backend.port}/health", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"

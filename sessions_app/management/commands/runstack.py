"""`manage.py runstack`: the whole local stack under honcho, stopped together by Ctrl-C.

`make run` migrates, then runs this. Ports come from the network table's overrides
(TESTNET_RPC_URL, MCP_<NAME>_PORT) and BACKEND_HOST / BACKEND_PORT.
"""

from __future__ import annotations

import sys
import threading
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import environ
from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.manager import Manager

from chatproject.stack import StackOptions, backend_url, plan, wait_until_healthy

env = environ.Env()
STOPPED_BY_SIGNAL = (130, 143)  # honcho's status after SIGINT / SIGTERM


class Command(BaseCommand):
    help = "Start Anvil, an MCP server per configured network, the backend and session cleanup."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=env.str("BACKEND_HOST", default="127.0.0.1"))
        parser.add_argument("--port", type=int, default=env.int("BACKEND_PORT", default=8080))
        parser.add_argument(
            "--cleanup-interval", type=int, default=env.int("CLEANUP_INTERVAL", default=60)
        )
        parser.add_argument(
            "--no-anvil", action="store_true", help="Don't start Anvil (testnet RPC runs already)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stack_options = StackOptions(
            host=options["host"],
            port=options["port"],
            cleanup_interval=options["cleanup_interval"],
            start_anvil=not options["no_anvil"],
        )
        manager = Manager()
        for process in plan(stack_options):
            manager.add_process(process.name, process.shell_command, env=process.env)
        # whitenoise warns on every start while STATIC_ROOT is missing (no collectstatic here).
        Path(settings.STATIC_ROOT).mkdir(exist_ok=True)
        stopped = threading.Event()
        url = backend_url(stack_options)
        threading.Thread(target=self.announce, args=(url, stopped), daemon=True).start()
        manager.loop()
        stopped.set()
        sys.exit(exit_status(manager.returncode))

    def announce(self, url: str, stopped: threading.Event) -> None:
        """The URL is printed once the backend answers /health: a click on it then works."""
        if wait_until_healthy(url, stopped):
            self.stdout.write(f"Chat at {url}  (Ctrl-C stops everything)")
            self.stdout.flush()


def exit_status(returncode: int | None) -> int:
    """0 when stopped by Ctrl-C or SIGTERM (as asked); a crashed child's status otherwise."""
    return 0 if returncode in STOPPED_BY_SIGNAL else returncode or 0

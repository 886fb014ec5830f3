"""`manage.py runstack` (`make run`): the whole local stack, stopped together by Ctrl-C.

PostgreSQL and Valkey of its own when DATABASE_URL / REDIS_URL are unset, the migrations, then
every other process under honcho. Ports come from the network table's overrides
(TESTNET_RPC_URL, MCP_<NAME>_PORT), BACKEND_HOST / BACKEND_PORT and EMBEDDED_*_PORT.
"""

from __future__ import annotations

import signal
import sys
import threading
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import environ
from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.manager import Manager

from chatproject.stack import (
    StackOptions,
    backend_url,
    embedded_servers,
    migrate,
    plan,
    wait_until_healthy,
    wait_until_mcp_servers_answer,
)

env = environ.Env()
STOPPED_BY_SIGNAL = (130, 143)  # honcho's status after SIGINT / SIGTERM


class Command(BaseCommand):
    help = (
        "Start PostgreSQL and Valkey (when DATABASE_URL / REDIS_URL are unset), migrate, then "
        "Anvil, an MCP server per configured network, the backend and session cleanup."
    )

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
        # Until honcho handles them, SIGTERM stops the start-up as Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            with embedded_servers() as started:
                for server in started:
                    where = f"{server.address}, data in {server.log.parent}"
                    self.stdout.write(f"{server.name} on {where} (no URL set for it)")
                status = migrate() or self.run_stack(stack_options)
        except KeyboardInterrupt:
            status = 0  # stopped while starting, as asked
        sys.exit(status)

    def run_stack(self, stack_options: StackOptions) -> int:
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
        return exit_status(manager.returncode)

    def announce(self, url: str, stopped: threading.Event) -> None:
        """The URL is printed once the MCP servers answer and then the backend answers /health:
        a click on it then works, with the networks as they are."""
        if wait_until_mcp_servers_answer(stopped) and wait_until_healthy(url, stopped):
            self.stdout.write(f"Chat at {url}  (Ctrl-C stops everything)")
            self.stdout.flush()


def exit_status(returncode: int | None) -> int:
    """0 when stopped by Ctrl-C or SIGTERM (as asked); a crashed child's status otherwise."""
    return 0 if returncode in STOPPED_BY_SIGNAL else returncode or 0

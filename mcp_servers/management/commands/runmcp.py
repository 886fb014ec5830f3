"""`python manage.py runmcp <network>`: one MCP server bound to one network of the table.

From the command line it re-executes itself as `python -m mcp_servers.serve` (same process id,
same arguments): the server needs neither the app registry nor the database, and leaving them
out saves about 30 MB per network server. `call_command("runmcp", ...)` serves in-process.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mcp_servers.anvil import BASE_DIR
from mcp_servers.cli_args import add_arguments


class Command(BaseCommand):
    help = "Serve the EVM MCP tools for one network over streamable HTTP at /mcp."
    requires_system_checks: list[str] = []  # no database, no checks: start fast

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def run_from_argv(self, argv: list[str]) -> None:
        self._called_from_command_line = True  # usage errors print a message, no traceback
        options = self.create_parser(argv[0], argv[1]).parse_args(argv[2:])
        lean_argv = [options.network, "--host", options.host]
        lean_argv += ["--port", str(options.port)] if options.port else []
        lean_argv += ["--allow-wrong-chain"] if options.allow_wrong_chain else []
        path = os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        command = [sys.executable, "-m", "mcp_servers.serve", *lean_argv]
        os.execve(sys.executable, command, env)  # noqa: S606 (our own interpreter, no shell)

    def handle(self, *args: Any, **options: Any) -> None:
        from mcp_servers.serve import StartupError, configure_logging, serve

        configure_logging()
        try:
            serve(
                options["network"], options["host"], options["port"], options["allow_wrong_chain"]
            )
        except StartupError as exc:
            raise CommandError(str(exc)) from None

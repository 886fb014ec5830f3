#!/usr/bin/env python
from __future__ import annotations

import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
    if sys.argv[1:2] == ["runmcp"]:
        # An MCP server needs neither the app registry nor the database: going straight to it
        # skips django.setup() and a second interpreter (runmcp's re-exec), a third of its
        # start-up (docs/benchmarks.md, "runmcp start-up").
        # Start-up allocates hundreds of thousands of long-lived objects (pydantic models of
        # the MCP SDK, web3): collecting garbage among them is wasted work, 10-20 % of the
        # imports' CPU. serve() freezes them and turns the collector back on before serving.
        gc.disable()
        from mcp_servers.serve import main as serve

        sys.exit(serve(sys.argv[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

"""daphne, on uvloop: ``python -m chatproject.daphne`` takes daphne's own arguments.

daphne builds its event loop (and Twisted's reactor on it) when ``daphne.server`` is first
imported, before the application is loaded, so the loop's policy is set here, first. uvloop
runs the same turn with about 5 % less of daphne's CPU (docs/benchmarks.md, "Turn core",
fifth session); everything else about daphne is unchanged.
"""

from __future__ import annotations

import asyncio

import uvloop


def main() -> None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from daphne.cli import CommandLineInterface  # builds daphne's loop: after the policy

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()

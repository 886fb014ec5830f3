"""Expire chat sessions idle past SESSION_TIMEOUT (EMPTY_SESSION_TIMEOUT for those never
written in), delete the ended ones that never got a message, and clear Django's expired
browser sessions: one pass, or a loop until SIGTERM.

Modelled on healthchecks' ``sendalerts``: a long-running command that does one small unit of
work per tick and stops between ticks when the process manager asks it to. Each session it
expires is announced to the session's group, like the backends' own idle watch does
(sessions_app/idle.py).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections

from sessions_app import idle, manager


class Command(BaseCommand):
    help = (
        "Expires idle chat sessions (history stays for the admin), deletes ended ones that never "
        "got a message, and clears expired browser sessions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Keep running, one pass every --interval seconds, until SIGTERM or SIGINT.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Seconds between passes with --loop (default 60).",
        )

    def handle(self, *args: Any, loop: bool, interval: float, **options: Any) -> None:
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        if not loop:
            self.run_pass()
            return
        self.stopping = threading.Event()
        self.install_signal_handlers()
        self.stdout.write(f"cleanup_sessions: a pass every {interval:g} s until SIGTERM.")
        self.run_loop(interval)
        self.stdout.write("cleanup_sessions: stopped.")

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.on_stop_signal)
        signal.signal(signal.SIGINT, self.on_stop_signal)

    def on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only set the event: the loop finishes its pass and leaves at the next wait.
        self.stopping.set()

    def run_loop(self, interval: float) -> None:
        while not self.stopping.is_set():
            self.run_pass_surviving_database_errors()
            self.stopping.wait(interval)

    def run_pass_surviving_database_errors(self) -> None:
        # A database restart must not end the loop: report it and try again next tick.
        try:
            self.run_pass(quiet_when_idle=True)
        except DatabaseError as exc:
            self.stderr.write(f"cleanup_sessions: pass failed, will retry: {exc}")
        finally:
            # A long-lived process must not keep a connection the server has dropped.
            close_old_connections()

    def run_pass(self, quiet_when_idle: bool = False) -> int:
        expired = manager.expire_stale()
        if expired:
            # A tab whose backend restarted since it connected has no idle watch: tell it here.
            async_to_sync(idle.announce_expired)(expired)
        deleted = manager.delete_expired_empty()
        # Browser sessions past their cookie age (Django's command, for any session engine).
        call_command("clearsessions")
        # The loop speaks only when a pass did something: a line a minute saying "0" is noise.
        if expired or deleted or not quiet_when_idle:
            self.stdout.write(f"Expired {len(expired)} stale chat session(s).")
            self.stdout.write(f"Deleted {deleted} chat session(s) that never got a message.")
        return len(expired)

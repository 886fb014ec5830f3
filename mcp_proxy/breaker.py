"""A circuit breaker per MCP server URL.

After ``threshold`` consecutive failures the circuit opens and calls fail fast; only the
background probe of the server's /health closes it again (see client.Pool._probe_until_up).
Plain data, no event-loop objects: the health endpoint may read it from any thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class CircuitBreaker:
    threshold: int
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    consecutive_failures: int = 0
    opened_at: float | None = None
    last_error: str = ""
    last_latency_ms: int | None = None

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def record_success(self, latency_ms: int) -> None:
        self.consecutive_failures = 0
        self.last_latency_ms = latency_ms

    def record_failure(self, message: str) -> bool:
        """Count one failure; True when this one opened the circuit."""
        self.consecutive_failures += 1
        self.last_error = message
        if self.opened_at is None and self.consecutive_failures >= self.threshold:
            self.opened_at = self.clock()
            return True
        return False

    def close(self) -> None:
        self.opened_at = None
        self.consecutive_failures = 0

    def state(self) -> str:
        return "open" if self.is_open else "closed"

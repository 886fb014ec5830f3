from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []  # the proxy endpoints and /health land here (issue 4)

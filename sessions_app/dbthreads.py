"""The chat's database threads live in chatproject/dbthreads.py (mcp_proxy uses them too, and
may not import sessions_app); this name stays for the modules that import it from here."""

from __future__ import annotations

from chatproject.dbthreads import db, shutdown

__all__ = ["db", "shutdown"]

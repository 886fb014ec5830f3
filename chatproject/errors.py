"""The one JSON error shape of the HTTP API: {"error": {"code", "message"}}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


def json_error(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    return JsonResponse(body, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """CSRF_FAILURE_VIEW: a refused POST answers in the API's JSON shape, not an HTML page."""
    return json_error("csrf_failed", f"CSRF check failed: {reason or 'missing or bad token'}.", 403)

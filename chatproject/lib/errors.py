"""The one JSON error shape of the HTTP API: {"error": {"code", "message"}}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def json_error(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    return JsonResponse(body, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """CSRF_FAILURE_VIEW: a refused POST answers in the API's JSON shape, not an HTML page."""
    return json_error("csrf_failed", f"CSRF check failed: {reason or 'missing or bad token'}.", 403)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: API clients get the JSON shape (found under load: an HTML 500 page)."""
    if request.path.startswith("/api/"):
        return json_error("server_error", "The server failed to answer; try again.", 500)
    return defaults.server_error(request)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an unknown /api/ path answers in the JSON shape too."""
    if request.path.startswith("/api/"):
        return json_error("not_found", "No such API endpoint.", 404)
    return defaults.page_not_found(request, exception)

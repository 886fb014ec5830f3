"""The one JSON error shape of the HTTP API: {"error": {"code", "message"}}."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse


def json_error(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    return JsonResponse(body, status=status)

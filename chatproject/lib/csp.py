"""A Content-Security-Policy header on every response, the admin's included (a <meta> tag in
the chat's own template covered only those pages, and a meta tag cannot set frame-ancestors)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The pages and the admin load only their own scripts and styles; the socket is same-origin.
DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_policy(response)
        return response


def add_policy(response: HttpResponse) -> HttpResponse:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
    if policy and "Content-Security-Policy" not in response:
        response["Content-Security-Policy"] = policy
    return response

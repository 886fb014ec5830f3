"""Django's ASGI handler with the middleware chain called in one thread hand-off.

Under ASGI, Django loads the middleware in async mode, and every hook of a ``MiddlewareMixin``
(all of Django's own middleware in 5.2: security, sessions, common, CSRF, auth, messages,
clickjacking) then runs through its own ``sync_to_async``; WhiteNoise and the CSP middleware,
sync only, are adapted back. A page request left the event loop 16 times, and the hand-offs
were about a third of its CPU (docs/benchmarks.md, "Opening a chat"). ``OneHopASGIHandler``
loads the same chain as under WSGI and calls it once through ``sync_to_async`` on the
request's thread: the middleware, the view and their database work run there in a row.
Everything else is Django's ``ASGIHandler``: the body, the request_started/finished signals,
streaming, disconnects. An async view (the SSE stream, the chat and tool endpoints) runs
through ``async_to_sync`` on the event loop, as Django runs it under WSGI; a client gone while
such a view runs no longer cancels it (it finishes, and its answer is dropped).
``HTTP_HANDLER=django`` serves with Django's own handler (the A arm of
bench/bench_open_chat.py --handler).

It overrides ``BaseHandler.load_middleware`` and ``get_response_async`` and calls
``get_response``, Django internals: requirements.txt pins Django, and
tests/test_an_http_request_leaves_the_event_loop_three_times.py fails when they change.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase

HANDLERS = ("one_hop", "django")


class OneHopASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        # ASGIHandler.__init__ asks for the async chain; the sync one makes no hand-offs.
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # thread_sensitive: the request's own thread (ASGIHandler's ThreadSensitiveContext),
        # the one its signals and response.close() run on too.
        get_response = sync_to_async(self.get_response, thread_sensitive=True)
        return await get_response(request)


def http_handler(name: str) -> ASGIHandler:
    """The ASGI handler of Django's HTTP requests: ``one_hop`` or ``django`` (its own)."""
    if name == "one_hop":
        return OneHopASGIHandler()
    if name == "django":
        return ASGIHandler()
    raise ValueError(f"HTTP_HANDLER must be one of {', '.join(HANDLERS)}, not {name!r}")

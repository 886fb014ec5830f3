"""ASGI entry point: HTTP through Django (the proxy's tool calls on a lean path in front of
it, mcp_proxy/asgi.py), websockets through the Channels routing."""

from __future__ import annotations

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
django.setup(set_prefix=False)  # what django.core.asgi.get_asgi_application() does first

from django.conf import settings  # noqa: E402

from chatproject.lib.handler import http_handler  # noqa: E402

django_asgi_app = http_handler(settings.HTTP_HANDLER)
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

if not settings.DEBUG and settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY:
    # Everyone knows the default: sessions, CSRF tokens and owner hashes could be forged.
    raise ImproperlyConfigured(
        "Refusing to serve with the default SECRET_KEY: set SECRET_KEY to a long random value "
        "(or run `make run`, which writes a local one to .secret_key)."
    )

from chatproject.lib.startup_checks import BACKEND_SECRETS, placeholder_refusal  # noqa: E402

if refusal := placeholder_refusal(BACKEND_SECRETS):
    # The deployment examples' placeholder secrets are public: never serve with them.
    raise ImproperlyConfigured(refusal)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chatproject.lib.wsorigin import SameOriginValidator  # noqa: E402
from mcp_proxy.asgi import ProxyCallApp  # noqa: E402
from sessions_app.agent.providers import get_provider  # noqa: E402
from sessions_app.routing import websocket_urlpatterns  # noqa: E402
from sessions_app.tool_api import call as tool_call  # noqa: E402

# The configured agent loads with the backend, not in its first user's turn (the builtin one
# compiles its phrase patterns at import: about a quarter of a second).
get_provider()

application = ProtocolTypeRouter(
    {
        "http": ProxyCallApp(django_asgi_app, tool_call),
        # Scheme, host and port of the Origin, not only its host name (chatproject/lib/wsorigin.py).
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# What start-up built (Django, Channels, the agent: about 330,000 objects) lives as long as the
# process: the collector's full passes no longer walk it (docs/benchmarks.md, "Turn core").
gc.freeze()

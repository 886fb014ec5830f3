"""Settings, all from the environment (django-environ); see .env.example."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

from chatproject.lib import embedded
from chatproject.lib.networks import build_network_table

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The public default is refused by the server unless DEBUG (chatproject/asgi.py); `make run`
# writes a local random key to SECRET_KEY_FILE (chatproject/stack.py), read when SECRET_KEY is
# unset.
DEFAULT_SECRET_KEY = "dev-insecure-change-me"
SECRET_KEY_FILE = Path(env.str("SECRET_KEY_FILE", default=str(BASE_DIR / ".secret_key")))
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    SECRET_KEY_FILE.read_text().strip() if SECRET_KEY_FILE.is_file() else DEFAULT_SECRET_KEY
)
if SECRET_KEY == DEFAULT_SECRET_KEY and "pytest" in sys.modules:
    # A test run gets its own key, and so does every process it starts (they inherit it).
    SECRET_KEY = os.environ.setdefault("SECRET_KEY", f"test-{secrets.token_urlsafe(32)}")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "sessions_app",
    "mcp_proxy",
    "mcp_servers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "chatproject.lib.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "chatproject.urls"
# Optional sign-in (sessions_app/urls.py): a signed-in user's chats follow them.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/?signed_out=1"  # the page then drops the tab's chat of the old owner
ASGI_APPLICATION = "chatproject.asgi.application"
# Django's HTTP requests: "one_hop" calls the middleware chain in one thread hand-off
# (chatproject/lib/handler.py: 15 hand-offs a page under Django's own handler); "django", Django's
# ASGIHandler as it is (the A arm of bench/bench_open_chat.py --handler).
HTTP_HANDLER = env.str("HTTP_HANDLER", default="one_hop")
if HTTP_HANDLER not in ("one_hop", "django"):
    raise ImproperlyConfigured(f"HTTP_HANDLER must be one_hop or django, not {HTTP_HANDLER!r}")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL and Redis (or Valkey), always. Unset, DATABASE_URL and REDIS_URL are the servers
# `make run` starts itself (chatproject/stack.py, chatproject/lib/embedded.py) on these ports,
# their data and password in EMBEDDED_DATA_DIR; `manage.py` commands find them there too.
EMBEDDED_DATA_DIR = Path(env.str("EMBEDDED_DATA_DIR", default=str(BASE_DIR / ".data")))
EMBEDDED_POSTGRES_PORT = env.int("EMBEDDED_POSTGRES_PORT", default=15432)
EMBEDDED_VALKEY_PORT = env.int("EMBEDDED_VALKEY_PORT", default=16379)
_embedded_password = embedded.read_password(EMBEDDED_DATA_DIR)
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=embedded.postgres_url(EMBEDDED_POSTGRES_PORT, _embedded_password)
    ),
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…)")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# PostgreSQL connection pool (psycopg_pool): under ASGI every request otherwise opens (and forks
# a server process for) its own connection, 8 % of creating a chat (docs/benchmarks.md,
# "Opening a chat", --database-pool on|off); the chat's database threads keep theirs from it.
# Off: a connection per request, or kept CONN_MAX_AGE seconds (Django refuses both at once).
if env.bool("DATABASE_POOL", default=True):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env.int("DATABASE_POOL_SIZE", default=20),
        "timeout": 10,
    }
    # The pool checks a connection before handing it out (an empty query): after a PostgreSQL
    # outage its idle connections are dead, and each would fail one more request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    # Parameters travel apart from the SQL, and a statement a connection runs for the fifth
    # time is prepared: PostgreSQL stops parsing and planning the same few statements of every
    # turn (docs/benchmarks.md, "Turn core"). Off behind a transaction-mode pooler (PgBouncer
    # before 1.21), which cannot keep a connection's prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="") or embedded.valkey_url(
    EMBEDDED_VALKEY_PORT, _embedded_password
)
REDIS_CHANNEL_LAYER = env.str("REDIS_CHANNEL_LAYER", default="pubsub")
if REDIS_CHANNEL_LAYER not in ("pubsub", "core"):
    raise ImproperlyConfigured(
        f"REDIS_CHANNEL_LAYER must be pubsub or core, not {REDIS_CHANNEL_LAYER!r}"
    )


def pubsub_layer_config(url: str) -> dict[str, object]:
    """Pub/Sub channels belong to the whole Redis server, not to a database: the database
    number joins the prefix, so deployments (or test runs) on one Redis at different numbers
    never hear each other's events."""
    return {"hosts": [url], "prefix": f"asgi{urlparse(url).path}"}


if REDIS_CHANNEL_LAYER == "pubsub":
    # Default: Redis Pub/Sub fan-out, one PUBLISH per event instead of the core layer's sorted
    # sets and Lua scripts: first event p95 27 ms vs 137 ms (docs/benchmarks.md, "Agent
    # turns"). Our subclass closes the process's sockets when the Redis connection is lost, as
    # the core layer does, so pages reconnect and reload the history after a Redis restart
    # (chatproject/lib/channel_layer.py; tests/faults/test_redis_restart_pubsub_*.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatproject.lib.channel_layer.ResilientPubSubChannelLayer",
            "CONFIG": pubsub_layer_config(REDIS_URL),
        }
    }
else:
    # Opt-in (REDIS_CHANNEL_LAYER=core): channels_redis' sorted-set layer, several round trips
    # and Lua calls per group_send; messages wait in Redis for up to `expiry` seconds.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py's pool refuses a 101st concurrent command by default (100 sockets of
            # one process joining groups at once): allow more connections.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=1000),
                        # redis-py 8 times reads out after 5 s, exactly the layer's BZPOPMIN
                        # wait: under load the idle receive timed out and killed consumers
                        # (tests/faults/test_redis_layer_timeouts.py). Read longer than that.
                        "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=30.0),
                    }
                ],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the finders: no collectstatic step is needed to run the app.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Browser sessions read from Redis, written through to PostgreSQL: every API call and socket
# loads one, and a Redis GET costs half the CPU of the query (docs/benchmarks.md).
CACHES = {
    "default": {
        "BACKEND": "chatproject.lib.cache.SharedPoolRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "evmchat",
    }
}
# cached_db, whose new session is written once (chatproject/lib/session_store.py); Django's own,
# which writes it twice, is the A arm of bench/bench_open_chat.py --session-store.
SESSION_ENGINE = env.str("SESSION_ENGINE", default="chatproject.lib.session_store")
# TLS deployments (docs/security.md): cookies only over HTTPS, HSTS, and the proxy's
# X-Forwarded-Proto trusted for "is this request secure" (only behind a proxy that sets it).
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("TRUST_X_FORWARDED_PROTO", default=False)
    else None
)  # fmt: skip
# GET /metrics: with a token, only `Authorization: Bearer <token>`; without, only loopback and
# private addresses (Prometheus inside the deployment's network).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "chatproject.lib.errors.csrf_failure"  # JSON, like every API error
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=64 * 1024)

# Chat sessions
SESSION_TIMEOUT = env.int("SESSION_TIMEOUT", default=1800)
MAX_SESSIONS = env.int("MAX_SESSIONS", default=100)
# A chat that never got a message (a tab opened and left) expires after this many seconds; it
# counts against no cap until its first message.
EMPTY_SESSION_TIMEOUT = env.int("EMPTY_SESSION_TIMEOUT", default=300)
MAX_MESSAGE_CHARS = env.int("MAX_MESSAGE_CHARS", default=4000)
# Messages session.state carries (older ones page in by GET /api/sessions/<id>?before=<seq>),
# and the most messages one chat session may hold.
SESSION_STATE_MESSAGES = env.int("SESSION_STATE_MESSAGES", default=100)
MAX_MESSAGES_PER_SESSION = env.int("MAX_MESSAGES_PER_SESSION", default=1000)

# Abuse limits (sessions_app/limits.py, docs/security.md): per owner (browser or user), and per
# client address times LIMIT_ADDRESS_FACTOR; counts per minute, 0 turns one off.
MAX_SESSIONS_PER_OWNER = env.int("MAX_SESSIONS_PER_OWNER", default=10)
# Most active chats created from one client address: a fraction of MAX_SESSIONS (0: no cap).
MAX_SESSIONS_PER_ADDRESS = env.int("MAX_SESSIONS_PER_ADDRESS", default=max(10, MAX_SESSIONS // 10))
# Every tab opens one (it holds no place until its first message): a person opens a dozen.
SESSION_CREATES_PER_MINUTE = env.int("SESSION_CREATES_PER_MINUTE", default=30)
CHAT_MESSAGES_PER_MINUTE = env.int("CHAT_MESSAGES_PER_MINUTE", default=30)
AGENT_TURNS_PER_MINUTE = env.int("AGENT_TURNS_PER_MINUTE", default=20)
PROXY_CALLS_PER_MINUTE = env.int("PROXY_CALLS_PER_MINUTE", default=120)
# Sign-in attempts (admin, accounts, sign-up; sessions_app/auth_throttle.py) per minute per
# username (NFKC, case-folded) and per address times the factor; accounts made per address and
# hour; password hashes computed at once by one process (the rest wait briefly, then "busy").
LOGINS_PER_MINUTE = env.int("LOGINS_PER_MINUTE", default=5)
SIGNUPS_PER_HOUR = env.int("SIGNUPS_PER_HOUR", default=5)
PASSWORD_HASH_CONCURRENCY = env.int("PASSWORD_HASH_CONCURRENCY", default=2)
LIMIT_ADDRESS_FACTOR = env.int("LIMIT_ADDRESS_FACTOR", default=5)
# Sockets and event streams (sessions_app/socket_slots.py, sessions_app/frame_guard.py): open
# at once per owner (per address times LIMIT_ADDRESS_FACTOR; 0: no cap), stop requests and
# wallet answers per minute (as the limits above), frames per second of one socket.
MAX_SOCKETS_PER_OWNER = env.int("MAX_SOCKETS_PER_OWNER", default=20)
CONTROL_EVENTS_PER_MINUTE = env.int("CONTROL_EVENTS_PER_MINUTE", default=60)
SOCKET_FRAMES_PER_SECOND = env.float("SOCKET_FRAMES_PER_SECOND", default=10.0)
# The header the proxy in front sets to the client's address (deploy/nginx.conf: X-Real-IP);
# empty: the TCP peer. Set it only behind a proxy that overwrites it.
CLIENT_ADDRESS_HEADER = env.str("CLIENT_ADDRESS_HEADER", default="")

# Networks: the one table used by runmcp, the proxy, the agent, the pages and compose.
NETWORKS = build_network_table(env)
MCP_AUTH_TOKEN = env.str("MCP_AUTH_TOKEN", default="")
MCP_ALLOWED_HOSTS = env.list("MCP_ALLOWED_HOSTS", default=[])
MCP_CALL_TIMEOUT = env.float("MCP_CALL_TIMEOUT", default=15.0)
RPC_TIMEOUT = env.float("RPC_TIMEOUT", default=10.0)
ETHERSCAN_API_KEY = env.str("ETHERSCAN_API_KEY", default="")
ETHERSCAN_API_URL = env.str("ETHERSCAN_API_URL", default="https://api.etherscan.io/v2/api")
MCP_MAX_BODY_BYTES = env.int("MCP_MAX_BODY_BYTES", default=256 * 1024)
MAINNET_FORK_URL = env.str("MAINNET_FORK_URL", default="")
PROXY_RATE_LIMIT = env.float("PROXY_RATE_LIMIT", default=10.0)
PROXY_RATE_BURST = env.int("PROXY_RATE_BURST", default=20)
# mcp_proxy: consecutive failures that open a server's circuit, how often /health is probed
# while it is open, the timeout of one health check, how long a network's tool list is cached.
MCP_BREAKER_THRESHOLD = env.int("MCP_BREAKER_THRESHOLD", default=3)
MCP_PROBE_INTERVAL = env.float("MCP_PROBE_INTERVAL", default=1.0)
MCP_HEALTH_TIMEOUT = env.float("MCP_HEALTH_TIMEOUT", default=2.0)
MCP_TOOLS_TTL = env.float("MCP_TOOLS_TTL", default=300.0)
# Seconds the networks' health (/health, /api/mcp/health) is cached: one round of probes per
# period, however many visitors ask (issue 27).
MCP_HEALTH_CACHE_SECONDS = env.float("MCP_HEALTH_CACHE_SECONDS", default=5.0)
# Cost units per minute an owner may spend on costly tools (get_logs and get_token_transfers:
# one unit per 1,000 blocks; get_approvals likewise; get_portfolio: one per token; one per ENS
# name to resolve); a client address gets LIMIT_ADDRESS_FACTOR times as many. 0 turns it off.
TOOL_COST_PER_MINUTE = env.int("TOOL_COST_PER_MINUTE", default=300)
# Spend policy, enforced by the MCP servers before every prepare_* and send_*
# (mcp_servers/policy.py). Caps are amounts in units ("1.5"); empty means no cap.
# Token caps: SYMBOL_OR_ADDRESS:PER_TX:PER_DAY.
SPEND_MAX_NATIVE_PER_TX = env.str("SPEND_MAX_NATIVE_PER_TX", default="")
SPEND_MAX_NATIVE_PER_DAY = env.str("SPEND_MAX_NATIVE_PER_DAY", default="")
SPEND_TOKEN_LIMITS = env.list("SPEND_TOKEN_LIMITS", default=[])
SPEND_ALLOWED_RECIPIENTS = env.list("SPEND_ALLOWED_RECIPIENTS", default=[])
SPEND_DENIED_RECIPIENTS = env.list("SPEND_DENIED_RECIPIENTS", default=[])
SPEND_REFUSE_UNLIMITED_APPROVALS = env.bool("SPEND_REFUSE_UNLIMITED_APPROVALS", default=False)
# A write whose effects could not be simulated: a warning on the card, or refused when true.
SPEND_REFUSE_UNVERIFIED = env.bool("SPEND_REFUSE_UNVERIFIED", default=False)
# Testnet dev accounts: "per_owner" gives every owner (browser or account) their own alice … judy,
# derived from TESTNET_ACCOUNTS_SECRET (default: SECRET_KEY) and funded on first use, so one
# visitor's sends never touch another's balances; "shared" uses Anvil's well-known accounts (a
# single-user machine).
TESTNET_ACCOUNTS = env.str("TESTNET_ACCOUNTS", default="per_owner")
if TESTNET_ACCOUNTS not in ("per_owner", "shared"):
    raise ImproperlyConfigured(
        f"TESTNET_ACCOUNTS must be per_owner or shared, not {TESTNET_ACCOUNTS!r}"
    )
TESTNET_ACCOUNTS_SECRET = env.str("TESTNET_ACCOUNTS_SECRET", default="")
# Seconds a write's simulation may take before the card says it could not be checked.
SIMULATION_TIMEOUT = env.float("SIMULATION_TIMEOUT", default=5.0)
# Swaps (Uniswap V3): how much less than the quote a swap may give, in percent, unless the
# request says (at most 10); and how long a prepared swap stays valid, in seconds.
SWAP_SLIPPAGE_PERCENT = env.float("SWAP_SLIPPAGE_PERCENT", default=0.5)
SWAP_DEADLINE_SECONDS = env.int("SWAP_DEADLINE_SECONDS", default=1200)

# Agent
AGENT_PROVIDER = env.str("AGENT_PROVIDER", default="builtin")
AGENT_MAX_TOOL_ROUNDS = env.int("AGENT_MAX_TOOL_ROUNDS", default=8)
AGENT_HISTORY_CHARS = env.int("AGENT_HISTORY_CHARS", default=24000)
AGENT_TURN_LEASE = env.int(
    "AGENT_TURN_LEASE", default=60
)  # seconds a turn claim lives without heartbeat
ANTHROPIC_API_KEY = env.str("ANTHROPIC_API_KEY", default="")
ANTHROPIC_MODEL = env.str("ANTHROPIC_MODEL", default="claude-sonnet-5-5")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "chat_context": {"()": "chatproject.lib.logcontext.ChatContextFilter"},
        "redact": {"()": "chatproject.lib.redact.RedactingFilter"},  # no secret value in a log
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "session=%(chat_session)s network=%(network)s %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["chat_context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},  # the MCP SDK's client: a line per call
    },
}

"""The Redis channel layer's socket read timeout must outlast its blocking receive.

channels_redis' core layer waits in BZPOPMIN for up to ``brpop_timeout`` (5 s); redis-py 8
aborts any read after ``socket_timeout`` (default 5 s). With equal values an idle consumer's
receive races the timeout, and under load (the 500-user run of bench/loadgen.py) it lost:
TimeoutError inside the consumer, socket closed with 1011. The core layer is configured here the
way REDIS_CHANNEL_LAYER=core configures it, in a fresh process, whatever this run's layer is.
"""

from __future__ import annotations

import os
import subprocess
import sys

from testsupport.processes import BASE_DIR

PROBE = """
import django
django.setup()
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from channels_redis.utils import create_pool
layer = get_channel_layer()
assert isinstance(layer, RedisChannelLayer), type(layer)
timeout = create_pool(layer.hosts[0]).make_connection().socket_timeout
print(timeout, layer.brpop_timeout)
"""


def test_core_layer_read_timeout_outlasts_the_blocking_receive():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatproject.settings",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_CHANNEL_LAYER": "core",
    }
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=BASE_DIR, capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr
    read_timeout, blocking_wait = (float(value) for value in probe.stdout.split())
    assert read_timeout > 2 * blocking_wait

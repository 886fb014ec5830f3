"""The Redis channel layer's socket read timeout must outlast its blocking receive.

channels_redis waits in BZPOPMIN for up to ``brpop_timeout`` (5 s); redis-py 8 aborts any read
after ``socket_timeout`` (default 5 s). With equal values an idle consumer's receive races the
timeout, and under load (the 500-user run of bench/loadgen.py) it lost: TimeoutError inside the
consumer, socket closed with 1011.
"""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from channels_redis.utils import create_pool
from django.conf import settings


@pytest.mark.skipif(not settings.REDIS_URL, reason="the in-memory layer has no sockets")
def test_socket_read_timeout_outlasts_the_blocking_receive():
    layer = get_channel_layer()
    if not isinstance(layer, RedisChannelLayer):
        pytest.skip("only the core Redis layer blocks in BZPOPMIN")
    pool = create_pool(layer.hosts[0])
    read_timeout = pool.make_connection().socket_timeout  # what a real connection will use
    assert read_timeout is None or read_timeout > 2 * layer.brpop_timeout

"""With REDIS_URL set, the Pub/Sub layer that survives a Redis restart is the default;
REDIS_CHANNEL_LAYER=core opts into channels_redis' core layer, and a typo is refused at start
instead of silently picking one. Each choice is read in a fresh process, like a backend's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from testsupport.processes import BASE_DIR

PROBE = """
import django
django.setup()
from channels.layers import get_channel_layer
print(type(get_channel_layer()).__name__)
"""


def layer_for(choice: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_CHANNEL_LAYER"}
    env |= {"DJANGO_SETTINGS_MODULE": "chatproject.settings", "REDIS_URL": "redis://127.0.0.1:1/0"}
    if choice is not None:
        env["REDIS_CHANNEL_LAYER"] = choice
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=BASE_DIR, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("choice", "layer"),
    [
        (None, "ResilientPubSubChannelLayer"),
        ("pubsub", "ResilientPubSubChannelLayer"),
        ("core", "RedisChannelLayer"),
    ],
)
def test_layer_choice(choice, layer):
    probe = layer_for(choice)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == layer


def test_unknown_layer_is_refused():
    probe = layer_for("redis")
    assert probe.returncode != 0
    assert "REDIS_CHANNEL_LAYER must be pubsub or core" in probe.stderr

"""chatproject/lib/channel_layer.py subclasses channels_redis 4.3's Pub/Sub layer and uses
names that are not its public API. channels-redis is pinned (requirements.txt); this test
fails, naming each one, when an upgrade renames, removes or reshapes any of them."""

from __future__ import annotations

import inspect
from importlib.metadata import version
from pathlib import Path

import pytest
from channels_redis import pubsub, utils

PINNED = "4.3.0"
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"

# Module-level names, with the parameters channel_layer.py calls them with.
FUNCTIONS = {
    (utils, "_close_redis"): ["connection"],
    (utils, "_wrap_close"): ["proxy", "loop"],
    (utils, "create_pool"): ["host"],
    (utils, "decode_hosts"): ["hosts"],
}
# Methods channel_layer.py overrides or calls.
METHODS = {
    (pubsub.RedisPubSubChannelLayer, "_get_layer"): ["self"],
    (pubsub.RedisPubSubChannelLayer, "deserialize"): ["self", "message"],
    (pubsub.RedisPubSubLoopLayer, "__init__"): ["self", "hosts", "prefix", "on_disconnect",
                                                "on_reconnect", "channel_layer", "kwargs"],
    (pubsub.RedisPubSubLoopLayer, "_subscribe_to_channel"): ["self", "channel"],
    (pubsub.RedisPubSubLoopLayer, "group_add"): ["self", "group", "channel"],
    (pubsub.RedisPubSubLoopLayer, "_get_group_channel_name"): ["self", "group"],
    (pubsub.RedisPubSubLoopLayer, "_get_shard"): ["self", "channel_or_group_name"],
    (pubsub.RedisSingleShardConnection, "__init__"): ["self", "host", "channel_layer"],
    (pubsub.RedisSingleShardConnection, "publish"): ["self", "channel", "message"],
    (pubsub.RedisSingleShardConnection, "flush"): ["self"],
    (pubsub.RedisSingleShardConnection, "subscribe"): ["self", "channel"],
    (pubsub.RedisSingleShardConnection, "unsubscribe"): ["self", "channel"],
    (pubsub.RedisSingleShardConnection, "_do_receiving"): ["self"],
    (pubsub.RedisSingleShardConnection, "_receive_message"): ["self", "message"],
}  # fmt: skip
# Attributes their constructors set, which channel_layer.py reads or replaces.
LAYER_ATTRIBUTES = ["_args", "_kwargs", "_layers"]
LOOP_LAYER_ATTRIBUTES = ["channels", "groups", "_shards", "channel_layer"]
SHARD_ATTRIBUTES = ["host", "channel_layer", "_lock", "_redis", "_pubsub", "_subscribed_to"]


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def _changed_callables() -> list[str]:
    changed = []
    for (owner, name), expected in {**FUNCTIONS, **METHODS}.items():
        where = f"{owner.__name__}.{name}"
        function = getattr(owner, name, None)
        if function is None:
            changed.append(f"{where} is gone")
        elif _parameters(function) != expected:
            changed.append(f"{where} takes {_parameters(function)}, not {expected}")
    return changed


def _missing_attributes() -> list[str]:
    layer = pubsub.RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    loop_layer = pubsub.RedisPubSubLoopLayer(hosts=["redis://127.0.0.1:1/0"], channel_layer=layer)
    shard = loop_layer._shards[0] if hasattr(loop_layer, "_shards") else None
    objects = [
        (layer, "RedisPubSubChannelLayer", LAYER_ATTRIBUTES),
        (loop_layer, "RedisPubSubLoopLayer", LOOP_LAYER_ATTRIBUTES),
        (shard, "RedisSingleShardConnection", SHARD_ATTRIBUTES),
    ]
    return [
        f"{owner}().{name} is gone"
        for instance, owner, names in objects
        for name in names
        if instance is None or name not in vars(instance)
    ]


def test_channels_redis_is_pinned_to_the_version_the_layer_was_written_for():
    assert version("channels-redis") == PINNED
    assert f"channels-redis=={PINNED}" in REQUIREMENTS.read_text().splitlines()


def test_every_private_name_the_layer_uses_is_still_there():
    changed = _changed_callables() + _missing_attributes()
    if changed:
        pytest.fail(
            "channels_redis no longer has what chatproject/lib/channel_layer.py relies on: "
            + "; ".join(changed)
        )


def test_upstream_still_hands_received_messages_to_deserialize():
    """receive() of a channel whose subscription died raises through ``deserialize``: the
    layer's lost-connection marker only works while upstream's receive() ends with it."""
    source = inspect.getsource(pubsub.RedisPubSubLoopLayer.receive)
    assert "return self.channel_layer.deserialize(message)" in source, (
        "RedisPubSubLoopLayer.receive no longer returns channel_layer.deserialize(message)"
    )

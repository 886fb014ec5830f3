"""Helpers of the deployment tests."""

from __future__ import annotations


def network_health_state(body: object, network: str) -> str:
    """The state /health gives ``network``, whether nested under "networks" or not."""
    if not isinstance(body, dict):
        return ""
    networks = body.get("networks", body)
    entry = networks.get(network) if isinstance(networks, dict) else None
    return str(entry.get("state", "")) if isinstance(entry, dict) else ""


def env_serving_only_testnet(rpc_url: str) -> dict[str, str]:
    """Environment overrides that serve testnet at ``rpc_url`` and leave the rest unavailable."""
    from chatproject.networks import TABLE

    env = {row.rpc_env: "" for row in TABLE}
    env["TESTNET_RPC_URL"] = rpc_url
    return env

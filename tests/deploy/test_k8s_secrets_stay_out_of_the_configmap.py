"""Settings in a ConfigMap, secrets in Secrets: SECRET_KEY, the database and Redis URLs (with
their passwords), the RPC URLs (with their API keys) and the MCP token never in the ConfigMap,
and the operator's real secret files never in git."""

from __future__ import annotations

import subprocess

from chatproject.networks import TABLE
from tests.deploy.k8s import K8S, ROOT, container, env_sources, find, of_kind

SECRET_VARIABLES = {
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "MCP_AUTH_TOKEN",
    *(row.rpc_env for row in TABLE),
}
EXAMPLE = (ROOT / ".env.example").read_text()


def test_no_configmap_holds_a_secret():
    for configmap in of_kind("ConfigMap"):
        assert not set(configmap["data"]) & SECRET_VARIABLES, configmap["metadata"]["name"]


def test_every_secret_variable_is_in_a_secret():
    keys = {key for secret in of_kind("Secret") for key in secret["data"]}
    assert keys == SECRET_VARIABLES


def test_every_setting_is_a_variable_the_app_reads():
    for key in find("ConfigMap", "settings")["data"]:
        assert f"# {key}=" in EXAMPLE, key


def test_postgresql_and_redis_are_reached_by_url():
    assert set(find("Secret", "django")["data"]) == {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    for name in ("postgres", "redis"):
        assert not [doc for doc in of_kind("Deployment") if name in doc["metadata"]["name"]]
    daphne = container(find("Deployment", "backend"), "daphne")
    assert env_sources(daphne) == ["settings", "mcp-urls", "django", "rpc-urls", "mcp-token"]


def test_the_real_secret_files_are_ignored_by_git():
    secrets = K8S / "overlays" / "example" / "secrets"
    for example in secrets.glob("*.env.example"):
        real = example.with_suffix("")
        ignored = subprocess.run(
            ["git", "check-ignore", "--quiet", "--no-index", str(real)], cwd=ROOT
        )
        assert ignored.returncode == 0, real
    assert len(list(secrets.glob("*.env.example"))) == 3

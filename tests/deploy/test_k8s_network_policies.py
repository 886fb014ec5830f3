"""Network policies: nothing in the namespace accepts a connection unless allowed; only the
ingress controller reaches the backend; the MCP servers accept the backend only."""

from __future__ import annotations

import pytest

from chatproject.lib.networks import TABLE
from tests.deploy.k8s import find, of_kind, workloads

BACKEND = {"app.kubernetes.io/name": "backend"}


def test_every_pod_refuses_what_no_policy_allows():
    deny = find("NetworkPolicy", "default-deny-ingress")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}


def _ingress_policies(selector: dict[str, str]) -> list[dict]:
    """The policies that say who may connect to the pods of ``selector`` (egress:
    test_k8s_overlay_is_hardened.py)."""
    return [
        p
        for p in of_kind("NetworkPolicy")
        if p["spec"]["podSelector"].get("matchLabels") == selector
        and "Ingress" in p["spec"]["policyTypes"]
    ]


def test_only_the_ingress_controller_reaches_the_backend():
    policies = _ingress_policies(BACKEND)
    assert [p["metadata"]["name"] for p in policies] == ["backend-from-ingress-only"]
    (allowed,) = policies[0]["spec"]["ingress"]
    (peer,) = allowed["from"]
    # Both selectors in one peer: the controller's pods, in the controller's namespace.
    assert peer["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress-nginx"
    }
    assert peer["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "ingress-nginx"}
    assert allowed["ports"] == [{"protocol": "TCP", "port": 8080}]


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_an_mcp_server_accepts_the_backend_only(row):
    policies = _ingress_policies({"app.kubernetes.io/name": f"mcp-{row.name}"})
    assert len(policies) == 1
    (allowed,) = policies[0]["spec"]["ingress"]
    assert allowed["from"] == [{"podSelector": {"matchLabels": BACKEND}}]
    assert allowed["ports"] == [{"protocol": "TCP", "port": row.mcp_port}]


def test_the_backend_label_the_policies_trust_is_the_backends_alone():
    labelled = []
    for workload in workloads():
        spec = workload["spec"]
        template = (spec["jobTemplate"]["spec"] if "jobTemplate" in spec else spec)["template"]
        if template["metadata"]["labels"].items() >= BACKEND.items():
            labelled.append(f"{workload['kind']}/{workload['metadata']['name']}")
    assert labelled == ["Deployment/backend"]

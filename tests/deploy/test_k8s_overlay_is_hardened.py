"""The Kubernetes deployment behind its ingress (issue 27, finding 11): clients are counted by
the address the ingress controller saw, cookies travel over HTTPS only with HSTS on, /metrics
wants a token from a Secret, and each pod reaches only what it needs.

The backend runs for real with the rendered pod's command and environment (an operator's own
tokens instead of the example's placeholders); the policies are read as kubectl renders them.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import RequestFactory

from chatproject.lib.networks import TABLE
from sessions_app.limits import address_of_request
from tests.deploy.k8s import (
    ROOT,
    container,
    container_env,
    env_sources,
    find,
    of_kind,
    with_operator_secrets,
    workloads,
)
from tests.deploy.test_k8s_probes_pass_against_the_real_processes import _local, _offline
from testsupport import local_http
from testsupport.processes import Process, free_port, wait_until

DEADLINE = 60.0
# The ingress controller, as the backend sees it: one pod address for every visitor.
CONTROLLER = "10.42.0.7"
ALICE, MALLORY = "203.0.113.10", "198.51.100.66"
DNS = ("dns", "UDP", 53)
PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8")


def _daphne() -> dict[str, Any]:
    return container(find("Deployment", "backend"), "daphne")


def test_the_backend_counts_the_address_the_ingress_controller_saw(settings):
    """ingress-nginx sets X-Real-IP to its client's address (as deploy/nginx.conf does); only
    its pods reach the backend, so nobody else can set the header."""
    header = container_env(_daphne())["CLIENT_ADDRESS_HEADER"]
    assert header == "X-Real-IP"
    settings.CLIENT_ADDRESS_HEADER = header  # as the pod's environment sets it
    assert "proxy_set_header X-Real-IP $remote_addr;" in (ROOT / "deploy/nginx.conf").read_text()
    factory = RequestFactory()
    seen = []
    for visitor in (ALICE, MALLORY):
        request = factory.get("/", REMOTE_ADDR=CONTROLLER, HTTP_X_REAL_IP=visitor)
        seen.append(address_of_request(request))
    direct = factory.get("/", REMOTE_ADDR=CONTROLLER)
    # Without the setting both would be the controller: one limit for the whole site.
    assert seen == [ALICE, MALLORY] and address_of_request(direct) == CONTROLLER


def test_the_metrics_token_comes_from_a_required_secret_not_the_configmap():
    daphne = _daphne()
    assert "metrics-token" in env_sources(daphne)
    (source,) = [s for s in daphne["envFrom"] if "metrics-token" in str(s.get("secretRef"))]
    assert source["secretRef"].get("optional", False) is False
    assert set(find("Secret", "metrics-token")["data"]) == {"METRICS_TOKEN"}
    assert "METRICS_TOKEN" not in find("ConfigMap", "settings")["data"]


@pytest.fixture
def backend_pod(database_url, redis_url, anvil_testnet, tmp_path) -> Iterator[tuple[str, dict]]:
    """The backend pod's daphne, as the kubelet starts it (with an operator's secrets)."""
    daphne = _daphne()
    pod_port = daphne["ports"][0]["containerPort"]
    port = free_port()
    env = with_operator_secrets(_offline(container_env(daphne), anvil_testnet.url))
    env.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url})
    process = Process(
        args=_local(daphne["command"], pod_port, port),
        env={**os.environ, **env},
        port=port,
        log_path=tmp_path / "daphne.log",
    )
    process.start()
    base = f"http://127.0.0.1:{port}"
    try:
        ready = lambda: local_http.get(f"{base}/health", headers={"Host": "localhost"}).is_success  # noqa: E731
        wait_until(ready, DEADLINE, "backend")
        yield base, env
    finally:
        process.stop()


def _as_ingress(proto: str) -> dict[str, str]:
    """What ingress-nginx forwards for a visitor of the public host."""
    return {"Host": "chat.example.org", "X-Forwarded-Proto": proto, "X-Real-IP": ALICE}


def test_behind_tls_cookies_are_secure_and_hsts_is_on(backend_pod):
    base, _ = backend_pod
    answer = local_http.get(f"{base}/api/csrf", headers=_as_ingress("https"))
    assert answer.status_code == 200
    assert int(answer.headers["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= (
        365 * 24 * 3600
    )
    cookies = answer.headers.get_list("set-cookie")
    assert cookies and all("; Secure" in cookie for cookie in cookies), cookies


def test_metrics_answer_the_token_only(backend_pod):
    base, env = backend_pod
    # Prometheus scrapes the pod directly, from a cluster address (loopback here).
    anonymous = local_http.get(f"{base}/metrics", headers={"Host": "localhost"})
    wrong = local_http.get(
        f"{base}/metrics", headers={"Host": "localhost", "Authorization": "Bearer mallory"}
    )
    scraper = local_http.get(
        f"{base}/metrics",
        headers={"Host": "localhost", "Authorization": f"Bearer {env['METRICS_TOKEN']}"},
    )
    assert anonymous.status_code in (401, 403, 404) and wrong.status_code == anonymous.status_code
    assert scraper.status_code == 200


# --- egress -------------------------------------------------------------------------------


def _labels(workload: dict[str, Any]) -> dict[str, str]:
    spec = workload["spec"]
    template = (spec["jobTemplate"]["spec"] if "jobTemplate" in spec else spec)["template"]
    return template["metadata"]["labels"]


def _egress_policies(labels: dict[str, str]) -> list[dict[str, Any]]:
    found = []
    for policy in of_kind("NetworkPolicy"):
        selector = policy["spec"]["podSelector"]
        assert not selector.get("matchExpressions"), "extend this test for matchExpressions"
        if "Egress" in policy["spec"]["policyTypes"]:
            if selector.get("matchLabels", {}).items() <= labels.items():
                found.append(policy)
    return found


def _destination(peer: dict[str, Any] | None) -> str:
    """A rule's peer, named: "any" (the port alone limits it), "public" (outside every
    private range), "dns" (the cluster DNS) or "pod:<name>"."""
    if peer is None:
        return "any"
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        network = ipaddress.ip_network(block["cidr"])
        assert network.prefixlen == 0, block
        excluded = [ipaddress.ip_network(cidr) for cidr in block.get("except", [])]
        if network.version == 4:
            assert {ipaddress.ip_network(cidr) for cidr in PRIVATE} <= set(excluded), block
        else:
            assert ipaddress.ip_network("fc00::/7") in excluded, block
        return "public"
    if peer.get("namespaceSelector", {}).get("matchLabels") == {
        "kubernetes.io/metadata.name": "kube-system"
    }:
        assert peer["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
        return "dns"
    return "pod:" + peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]


def allowed_egress(workload: dict[str, Any]) -> set[tuple[str, str, int]]:
    """Everything the pods of ``workload`` may open: (destination, protocol, port)."""
    allowed = set()
    for policy in _egress_policies(_labels(workload)):
        for rule in policy["spec"].get("egress", []):
            assert rule.get("ports"), f"{policy['metadata']['name']}: a rule without ports"
            for peer in rule.get("to") or [None]:
                for port in rule["ports"]:
                    allowed.add((_destination(peer), port.get("protocol", "TCP"), port["port"]))
    return allowed


def _tcp(*pairs: tuple[str, int]) -> set[tuple[str, str, int]]:
    return {(where, "TCP", port) for where, port in pairs}


def test_no_pod_opens_a_connection_unless_a_policy_allows_it():
    deny = find("NetworkPolicy", "default-deny-egress")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Egress"]}


def test_the_backend_reaches_its_database_redis_mcp_servers_and_the_llm_provider_only():
    mcp_servers = {(f"pod:mcp-{row.name}", row.mcp_port) for row in TABLE}
    expected = _tcp(("any", 5432), ("any", 6379), ("public", 443), *mcp_servers)
    expected |= {DNS, ("dns", "TCP", 53)}
    assert allowed_egress(find("Deployment", "backend")) == expected


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_an_mcp_server_reaches_its_database_and_its_rpc_only(row):
    """Not the backend, not another network's server, nothing private but PostgreSQL's port;
    testnet also reaches Anvil's RPC port wherever the overlay runs it."""
    expected = _tcp(("any", 5432), ("public", 443)) | {DNS, ("dns", "TCP", 53)}
    if row.name == "testnet":
        expected |= _tcp(("any", 8545))
    assert allowed_egress(find("Deployment", f"mcp-{row.name}")) == expected


def test_the_jobs_reach_their_database_and_redis_only():
    dns = {DNS, ("dns", "TCP", 53)}
    assert allowed_egress(find("Job", "migrate")) == _tcp(("any", 5432)) | dns
    cleanup = find("CronJob", "cleanup-sessions")
    assert allowed_egress(cleanup) == _tcp(("any", 5432), ("any", 6379)) | dns


def test_every_workload_is_covered_by_a_test_above():
    names = {f"{w['kind']}/{w['metadata']['name']}" for w in workloads()}
    covered = {"Deployment/backend", "Job/migrate", "CronJob/cleanup-sessions"}
    covered |= {f"Deployment/mcp-{row.name}" for row in TABLE}
    assert names == covered

"""The Ingress applies deploy/nginx.conf's rules: websocket upgrade with its long timeouts,
unbuffered SSE, the request body cap, /metrics refused; and it serves only over TLS."""

from __future__ import annotations

import re

import pytest

from tests.deploy.k8s import ROOT, find, of_kind

NGINX = (ROOT / "deploy" / "nginx.conf").read_text()
PREFIX = "nginx.ingress.kubernetes.io/"


def _nginx_location(path: str) -> str:
    match = re.search(rf"location {re.escape(path)} \{{(.*?)\}}", NGINX, re.S)
    assert match, path
    return match.group(1)


def _seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([smh]?)", value).groups()
    return int(number) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit]


def _annotation(ingress: dict, name: str) -> str:
    return ingress["metadata"]["annotations"][PREFIX + name]


def _paths(ingress: dict) -> dict[str, dict]:
    (rule,) = ingress["spec"]["rules"]
    return {path["path"]: path for path in rule["http"]["paths"]}


@pytest.mark.parametrize("name", ["backend", "backend-streams"])
def test_the_request_body_cap_is_nginx_confs(name):
    cap = re.search(r"client_max_body_size (\w+);", NGINX).group(1)
    assert _annotation(find("Ingress", name), "proxy-body-size") == cap


@pytest.mark.parametrize("path", ["/ws/", "/api/chat/stream"])
def test_the_websocket_and_the_event_stream_keep_nginx_confs_timeouts(path):
    streams = find("Ingress", "backend-streams")
    assert path in _paths(streams)
    assert _paths(streams)[path]["backend"]["service"]["name"] == "backend"
    read = re.search(r"proxy_read_timeout (\w+);", _nginx_location(path)).group(1)
    assert int(_annotation(streams, "proxy-read-timeout")) == _seconds(read)
    assert int(_annotation(streams, "proxy-send-timeout")) >= _seconds(read)


def test_events_are_passed_on_at_once():
    assert "proxy_buffering off;" in _nginx_location("/api/chat/stream")
    assert _annotation(find("Ingress", "backend-streams"), "proxy-buffering") == "off"


def test_everything_else_goes_to_the_backend_with_nginx_default_timeouts():
    backend = find("Ingress", "backend")
    assert _paths(backend)["/"]["pathType"] == "Prefix"
    assert _paths(backend)["/"]["backend"]["service"] == {
        "name": "backend",
        "port": {"name": "http"},
    }
    assert "proxy_read_timeout" not in _nginx_location("/")
    assert _annotation(backend, "proxy-read-timeout") == "60"  # nginx's default


def test_metrics_are_refused_to_every_client():
    assert "deny all;" in _nginx_location("= /metrics")
    denied = find("Ingress", "backend-metrics-denied")
    assert _paths(denied)["/metrics"]["pathType"] == "Exact"
    assert set(_annotation(denied, "denylist-source-range").split(",")) == {"0.0.0.0/0", "::/0"}


def test_no_session_affinity():
    for ingress in of_kind("Ingress"):
        assert not any("affinity" in key for key in ingress["metadata"]["annotations"])


@pytest.mark.parametrize("name", ["backend", "backend-streams", "backend-metrics-denied"])
def test_every_host_is_served_over_tls_only(name):
    ingress = find("Ingress", name)
    (rule,) = ingress["spec"]["rules"]
    (tls,) = ingress["spec"]["tls"]
    assert rule["host"] == "chat.example.org"  # the overlay's host, not the base's
    assert tls["hosts"] == [rule["host"]]
    assert tls["secretName"]
    assert _annotation(ingress, "ssl-redirect") == "true"
    assert ingress["spec"]["ingressClassName"] == "nginx"


def test_the_public_host_is_allowed_and_trusted_for_posts_and_websockets():
    """TLS ends at the Ingress, so the backend sees http: a browser's https Origin passes the
    CSRF and websocket checks only as a trusted origin."""
    settings = find("ConfigMap", "settings")["data"]
    for ingress in of_kind("Ingress"):
        (rule,) = ingress["spec"]["rules"]
        assert rule["host"] in settings["ALLOWED_HOSTS"].split(",")
        assert f"https://{rule['host']}" in settings["CSRF_TRUSTED_ORIGINS"].split(",")

"""Uploads are refused before they are buffered (item 3 of the review: a 500 MB chunked POST
took daphne from 175 MB to 691 MB RSS, and compose published daphne itself on 0.0.0.0:8080).

daphne reads a whole body into memory before the app runs, so the cap must sit in front of
it: in compose the only published port is nginx's (deploy/nginx.conf, client_max_body_size),
the backend is not published, and `make run`'s backend listens on loopback only."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import yaml

from tests.deploy.helpers import nginx_test_config
from testsupport import local_http
from testsupport.processes import BASE_DIR, Daphne, Process, free_port, start_daphne, wait_until

NGINX_BIN = os.environ.get("NGINX_BIN") or shutil.which("nginx")
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
NGINX_CONF = (BASE_DIR / "deploy" / "nginx.conf").read_text()
MAX_REQUEST_BYTES = 64 * 1024


def test_compose_publishes_only_nginx_and_never_the_backend():
    services = COMPOSE["services"]
    assert "ports" not in services["backend"]
    assert services["nginx"]["ports"] == ["${PUBLIC_PORT:-8080}:80"]
    for name, service in services.items():
        if name != "nginx":
            for port in service.get("ports", []):
                assert port.startswith("127.0.0.1:"), (name, port)


def test_the_nginx_body_cap_is_the_backends():
    cap = re.search(r"client_max_body_size\s+(\d+)k;", NGINX_CONF)
    assert cap and int(cap.group(1)) * 1024 == MAX_REQUEST_BYTES


def test_make_run_binds_the_backend_to_loopback():
    from chatproject.stack import StackOptions

    assert StackOptions().host == "127.0.0.1"


@dataclass
class Nginx(Process):
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Iterator[tuple[Daphne, object]]:
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    daphne = start_daphne({}, log_path=log, wait=False)
    wait_until(daphne.ready, 120, "daphne")  # the machine may be loaded: imports take a while
    yield daphne, log
    daphne.stop()


@pytest.fixture(scope="module")
def balancer(backend, tmp_path_factory) -> Iterator[Nginx]:
    if NGINX_BIN is None:
        pytest.fail("nginx is needed (make test-tools installs Debian's nginx-light)")
    workdir = tmp_path_factory.mktemp("nginx")
    port = free_port()
    site = NGINX_CONF.replace(
        "server backend:8080 max_fails=3 fail_timeout=10s;", f"server 127.0.0.1:{backend[0].port};"
    )
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("root /srv;", "")
    (workdir / "nginx.conf").write_text(nginx_test_config(site, str(workdir)))
    args = [NGINX_BIN, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"]
    nginx = Nginx(args=args, env=dict(os.environ), port=port)
    nginx.start()
    wait_until(
        lambda: local_http.get(f"{nginx.base_url}/api/csrf").status_code == 200, 120, "nginx"
    )
    yield nginx
    nginx.stop()


def rss_kib(pid: int) -> int:
    status = open(f"/proc/{pid}/status").read()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


def test_a_huge_chunked_upload_never_reaches_daphne(backend, balancer):
    daphne, log = backend
    assert daphne.popen is not None
    before = rss_kib(daphne.popen.pid)
    try:
        response = local_http.post(
            f"{balancer.base_url}/api/interrupt", content=chunks(200 * 1024 * 1024), timeout=60
        )
        assert response.status_code == 413
    except httpx.HTTPError:
        pass  # nginx answered 413 and closed the connection while the client still wrote
    growth = rss_kib(daphne.popen.pid) - before
    assert growth < 8 * 1024, f"daphne grew by {growth} KiB"
    assert "/api/interrupt" not in log.read_text()


def test_a_body_over_the_cap_is_refused_by_nginx_and_one_under_it_passes(balancer):
    over = local_http.post(f"{balancer.base_url}/api/interrupt", content=b"x" * (200 * 1024))
    assert over.status_code == 413
    under = local_http.post(f"{balancer.base_url}/api/interrupt", content=b"{}")
    assert under.status_code == 403  # reached the backend: its CSRF check answers

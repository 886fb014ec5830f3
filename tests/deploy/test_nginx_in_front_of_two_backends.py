"""deploy/nginx.conf itself in front of two daphne processes: websockets upgrade, chat works
with no affinity, a dead process is routed around, /static/ comes from disk, /metrics is hidden.

nginx is NGINX_BIN, or the one on the PATH or in /usr/sbin (`make test` installs Debian's
nginx-light when it is missing).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.deploy.helpers import DEADLINE, Visitor, events_until, nginx_test_config
from testsupport import local_http
from testsupport.processes import BASE_DIR, Process, free_port, wait_until

NGINX_BIN = (
    os.environ.get("NGINX_BIN")
    or shutil.which("nginx")
    or shutil.which("nginx", path="/usr/sbin:/sbin")
)


@dataclass
class Nginx(Process):
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def balancer(backends, tmp_path) -> Iterator[Nginx]:
    assert NGINX_BIN, "nginx is missing: `make test-tools` installs Debian's nginx-light"
    port = free_port()
    servers = " ".join(f"server 127.0.0.1:{backend.port};" for backend in backends)
    site = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    site = site.replace("server backend:8080 max_fails=3 fail_timeout=10s;", servers)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("root /srv;", f"root {tmp_path};")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "from-disk.txt").write_text("served by nginx")
    (tmp_path / "nginx.conf").write_text(nginx_test_config(site, str(tmp_path)))
    args = [NGINX_BIN, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    nginx = Nginx(
        args=[*args, "-g", "daemon off;"],
        env=dict(os.environ),
        port=port,
        log_path=tmp_path / "nginx.out",
    )
    nginx.start()
    url = f"{nginx.base_url}/static/from-disk.txt"
    try:
        wait_until(lambda: local_http.get(url, timeout=2).status_code == 200, DEADLINE, "nginx")
        yield nginx
    except TimeoutError:
        for name in ("nginx.out", "error.log"):
            if (tmp_path / name).exists():
                print((tmp_path / name).read_text())  # shown with the failure
        raise
    finally:
        nginx.stop()


async def _chat_once(visitor: Visitor, balancer: Nginx, chat_id: str) -> list[dict]:
    async with visitor.socket(balancer, chat_id) as socket:
        await events_until(socket, "session.state")
        response = await visitor.say(balancer, chat_id, "what is the current block number?")
        assert response.status_code == 202, response.text
        return await events_until(socket, "turn.complete")


async def test_chat_through_nginx_survives_the_death_of_a_backend(backends, balancer):
    alice = Visitor()
    chat_id = await alice.new_chat(balancer)
    assert (await _chat_once(alice, balancer, chat_id))[-1]["type"] == "turn.complete"
    backends[0].kill()
    async with local_http.async_client(base_url=balancer.base_url) as client:
        for _ in range(4):  # round robin meets the dead process; nginx retries the GET
            assert (await client.get("/api/csrf")).status_code == 200
    assert (await _chat_once(alice, balancer, chat_id))[-1]["type"] == "turn.complete"


def test_static_files_come_from_disk_then_from_the_backend_and_metrics_are_hidden(balancer):
    assert local_http.get(f"{balancer.base_url}/static/from-disk.txt").text == "served by nginx"
    # Not on disk: the backend (whitenoise) serves it.
    assert local_http.get(f"{balancer.base_url}/static/admin/css/base.css").status_code == 200
    assert local_http.get(f"{balancer.base_url}/metrics").status_code == 403

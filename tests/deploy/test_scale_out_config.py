"""The scale-out files: nginx balances without affinity and upgrades websockets; the image is
slim and runs as a non-root user; the scale override wires replicas to real services."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml
from django.conf import settings

from tests.deploy.helpers import nginx_test_config

ROOT = Path(settings.BASE_DIR)
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()


class _ComposeLoader(yaml.SafeLoader):
    """Compose's `!reset` tag (drop a value inherited from the base file)."""


_ComposeLoader.add_constructor("!reset", lambda loader, node: None)


def _nginx_directives() -> str:
    return "\n".join(line.split("#", 1)[0] for line in NGINX.splitlines())


def test_nginx_has_no_session_affinity():
    directives = _nginx_directives()
    for affinity in ("ip_hash", "sticky", "hash ", "least_conn"):
        assert affinity not in directives


def test_nginx_upgrades_websockets_and_streams_sse_unbuffered():
    directives = _nginx_directives()
    assert "proxy_set_header Upgrade $http_upgrade;" in directives
    assert "proxy_set_header Connection $connection_upgrade;" in directives
    assert "proxy_http_version 1.1;" in directives
    sse = directives[directives.index("location /api/chat/stream") :]
    assert "proxy_buffering off;" in sse[: sse.index("}")]


def test_nginx_serves_static_files_and_hides_metrics():
    directives = _nginx_directives()
    assert re.search(r"location /static/ \{[^}]*try_files \$uri @backend;", directives)
    assert re.search(r"location = /metrics \{\s*deny all;", directives)


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    assert nginx, "nginx is missing: `make test-tools` installs Debian's nginx-light"
    conf = tmp_path / "nginx.conf"
    site = NGINX.replace("server backend:8080", "server 127.0.0.1:9")
    conf.write_text(nginx_test_config(site, str(tmp_path)))
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], check=False)
    assert result.returncode == 0


def test_scale_override_points_replica_urls_at_services_and_mounts_nginx():
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    scale = yaml.load((ROOT / "deploy/compose.scale.yml").read_text(), Loader=_ComposeLoader)
    services = {**base, **scale["services"]}
    urls = scale["services"]["backend"]["environment"]["MCP_TESTNET_URL"].split(",")
    assert len(urls) == 2
    for url in urls:
        host, port = re.fullmatch(r"http://([\w-]+):(\d+)/mcp", url).groups()
        assert services[host]["command"][-1] == port
        assert services[host]["command"][3] == "testnet"
    assert (
        "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro"
        in (scale["services"]["nginx"]["volumes"])
    )


def test_the_image_is_slim_and_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert stages[-1] == "python:3.11-slim"  # Node only in the stage that fetches Anvil
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    ignored = (ROOT / ".dockerignore").read_text().split()
    for private in (".env", ".venv", "node_modules", ".data", ".git"):
        assert private in ignored

""".env.example also documents what `make run` and docker compose read from the environment
(the settings' own variables are checked by sessions_app's test_settings_env_example)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCUMENTED = set(
    re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
)


def test_runstack_variables_are_documented():
    source = (ROOT / "sessions_app/management/commands/runstack.py").read_text()
    read = set(re.findall(r"""\benv\.\w+\(\s*"([A-Z][A-Z0-9_]*)\"""", source))
    assert {"BACKEND_HOST", "BACKEND_PORT", "CLEANUP_INTERVAL"} <= read
    assert read <= DOCUMENTED


def test_compose_interpolations_are_documented():
    compose = (ROOT / "docker-compose.yml").read_text()
    # ${NAME...} is compose's; $${NAME} is left to the container's shell (read there from .env).
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", compose))
    assert interpolated
    assert interpolated <= DOCUMENTED


def test_compose_profiles_and_anvil_binary_are_documented():
    assert {"COMPOSE_PROFILES", "ANVIL_BIN", "MAINNET_FORK_URL"} <= DOCUMENTED


def test_the_configuration_table_lists_every_variable_of_env_example():
    readme = (ROOT / "docs" / "configuration.md").read_text()
    in_table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, re.M))
    assert not DOCUMENTED - in_table, (
        f"docs/configuration.md lacks: {sorted(DOCUMENTED - in_table)}"
    )

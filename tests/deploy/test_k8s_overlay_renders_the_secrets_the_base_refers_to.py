"""The example overlay renders the Secrets the base refers to, and the base renders none (an
operator's overlay brings them). Whether every rendered manifest is valid Kubernetes, and what
checkov finds, is checked by `make lint` (tests/deploy/lint_manifests.py)."""

from __future__ import annotations

from tests.deploy.k8s import documents


def test_the_overlay_renders_the_secrets_the_base_refers_to():
    kinds = {(doc["kind"], doc["metadata"]["name"].rsplit("-", 1)[0]) for doc in documents()}
    for secret in ("django", "rpc-urls", "mcp-token"):
        assert ("Secret", secret) in kinds
    assert not [doc for doc in documents("base") if doc["kind"] == "Secret"]

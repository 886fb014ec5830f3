"""`make lint` checks the Kubernetes manifests (tests/deploy/lint_manifests.py): it would catch
a misspelt field, a failed checkov check, a skip without its reason, and a workload checkov
never looked at. Pure judgements on inputs made broken on purpose; the real rendering and scan
run in the lint step."""

from __future__ import annotations

from typing import Any

from tests.deploy.k8s import documents
from tests.deploy.lint_manifests import (
    CHECKED_WORKLOADS,
    SCHEMA_VERSIONS,
    checkov_problems,
    schema_problems,
)


def clean_scan() -> dict[str, Any]:
    passed = [{"resource": name, "check_id": "CKV_K8S_1"} for name in CHECKED_WORKLOADS]
    return {
        "summary": {"parsing_errors": 0, "resource_count": 45},
        "results": {"passed_checks": passed, "failed_checks": [], "skipped_checks": []},
    }


def test_the_rendered_manifests_pass_and_a_misspelt_field_is_caught():
    manifests = documents()
    assert schema_problems(manifests, SCHEMA_VERSIONS[0]) == []
    deployment = next(doc for doc in manifests if doc["kind"] == "Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    problems = schema_problems([*manifests, broken], SCHEMA_VERSIONS[0])
    assert len(problems) == 1 and "replica" in problems[0]


def test_an_empty_rendering_is_a_problem():
    assert schema_problems([], SCHEMA_VERSIONS[0]) == ["only 0 manifests rendered"]


def test_a_clean_scan_passes():
    assert checkov_problems(clean_scan()) == []


def test_a_failed_check_is_reported():
    scan = clean_scan()
    scan["results"]["failed_checks"].append(
        {
            "check_id": "CKV_K8S_20",
            "check_name": "Containers should not run with allowPrivilegeEscalation",
            "resource": "Deployment.evmchat.backend",
        }
    )
    assert checkov_problems(scan) == [
        "failed: CKV_K8S_20 Containers should not run with allowPrivilegeEscalation "
        "(Deployment.evmchat.backend)"
    ]


def test_only_the_accepted_skip_with_its_reason_passes():
    scan = clean_scan()
    reason = "secrets reach the app as environment variables"
    skips = scan["results"]["skipped_checks"]
    skips.append({"check_id": "CKV_K8S_35", "check_result": {"suppress_comment": reason}})
    assert checkov_problems(scan) == []
    skips.append({"check_id": "CKV_K8S_35", "check_result": {"suppress_comment": ""}})
    skips.append({"check_id": "CKV_K8S_8", "check_result": {"suppress_comment": reason}})
    assert len(checkov_problems(scan)) == 2


def test_a_workload_checkov_never_saw_is_reported():
    scan = clean_scan()
    scan["results"]["passed_checks"].pop()
    scan["summary"].update(parsing_errors=1, resource_count=3)
    assert checkov_problems(scan) == [
        "checkov could not parse 1 files",
        "checkov saw only 3 resources",
        f"checkov did not check {CHECKED_WORKLOADS[-1]}",
    ]

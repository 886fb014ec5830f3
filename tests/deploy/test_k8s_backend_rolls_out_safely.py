"""The backend on Kubernetes: replicas, health from /health, autoscaling, disruption budget,
migrations before the rollout, and the session cleanup, as rendered for the example overlay."""

from __future__ import annotations

from tests.deploy.k8s import container, env_sources, find, pod_spec


def test_at_least_two_backends_with_readiness_and_liveness_from_health():
    backend = find("Deployment", "backend")
    assert backend["spec"]["replicas"] >= 2
    assert backend["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    daphne = container(backend, "daphne")
    assert "chatproject.asgi:application" in daphne["command"]
    assert daphne["ports"] == [{"name": "http", "containerPort": 8080}]
    for probe in ("readinessProbe", "livenessProbe"):
        check = daphne[probe]["httpGet"]
        assert check["path"] == "/health"
        assert check["port"] == "http"
        # The kubelet asks by pod IP: the Host it sends must be one ALLOWED_HOSTS lists.
        host = next(h["value"] for h in check["httpHeaders"] if h["name"] == "Host")
        assert host in find("ConfigMap", "settings")["data"]["ALLOWED_HOSTS"].split(",")
        assert daphne[probe]["timeoutSeconds"] > 3  # /health gives each check 3 s


def test_a_database_blip_makes_a_backend_unready_long_before_it_is_restarted():
    daphne = container(find("Deployment", "backend"), "daphne")
    ready, live = daphne["readinessProbe"], daphne["livenessProbe"]
    unready_after = ready["periodSeconds"] * ready["failureThreshold"]
    restarted_after = live["periodSeconds"] * live["failureThreshold"]
    assert unready_after <= 10
    assert restarted_after >= 60


def test_a_stopping_backend_leaves_the_endpoints_before_daphne_stops():
    backend = find("Deployment", "backend")
    pre_stop = container(backend, "daphne")["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert 0 < int(pre_stop[1]) < pod_spec(backend)["terminationGracePeriodSeconds"]


def test_requests_and_limits_are_set_and_one_daphne_gets_one_core():
    resources = container(find("Deployment", "backend"), "daphne")["resources"]
    assert resources["requests"]["cpu"] == resources["limits"]["cpu"] == "1"
    assert resources["requests"]["memory"] == "256Mi"
    assert resources["limits"]["memory"] == "512Mi"


def test_the_backend_scales_on_cpu_between_two_and_more():
    autoscaler = find("HorizontalPodAutoscaler", "backend")
    assert autoscaler["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "backend",
    }
    assert autoscaler["spec"]["minReplicas"] >= 2
    assert autoscaler["spec"]["maxReplicas"] > autoscaler["spec"]["minReplicas"]
    (metric,) = autoscaler["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"


def test_a_voluntary_disruption_keeps_a_backend_serving():
    budget = find("PodDisruptionBudget", "backend")
    labels = find("Deployment", "backend")["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["minAvailable"] >= 1
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_migrations_run_in_a_job_and_new_backends_wait_for_them():
    job = find("Job", "migrate")
    assert container(job)["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert pod_spec(job)["restartPolicy"] == "OnFailure"
    backend = find("Deployment", "backend")
    (wait,) = pod_spec(backend)["initContainers"]
    assert "manage.py migrate --check" in " ".join(wait["command"])
    assert wait["image"] == container(job)["image"] == container(backend, "daphne")["image"]
    # The backend itself never migrates (several replicas would race).
    assert "migrate" not in container(backend, "daphne")["command"]


def test_cleanup_runs_one_pass_a_minute_never_two_at_once():
    cleanup = find("CronJob", "cleanup-sessions")
    assert cleanup["spec"]["schedule"] == "* * * * *"
    assert cleanup["spec"]["concurrencyPolicy"] == "Forbid"
    assert container(cleanup)["command"] == ["python", "manage.py", "cleanup_sessions"]
    assert env_sources(container(cleanup)) == ["settings", "django"]

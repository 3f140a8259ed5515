"""deploy/k8s validates against the Kubernetes schemas and keeps its promises (no cluster)."""

import copy
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
# The oldest Kubernetes release the manifests are meant for: every API they use is GA there.
KUBERNETES_VERSION = "1.30"
# daphne's default in scripts/serve; the pod's stop must cover it too.
APPLICATION_CLOSE_TIMEOUT_DEFAULT = 10.0
MARGIN_SECONDS = 5.0

Resource = dict[str, Any]


def _kustomization() -> Resource:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def listed_resources() -> list[Resource]:
    """The files kustomization.yaml lists, read as they are."""
    return [
        doc
        for name in _kustomization()["resources"]
        for doc in yaml.safe_load_all((K8S / name).read_text())
        if doc
    ]


def rendered_resources() -> list[Resource]:
    """What `kubectl apply -k` would send: rendered by kubectl's kustomize when it is
    installed, else the listed files with the kustomization's namespace applied."""
    kubectl = shutil.which("kubectl")
    if kubectl:
        out = subprocess.run(
            [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, check=True
        ).stdout
        return [doc for doc in yaml.safe_load_all(out) if doc]
    namespace = _kustomization()["namespace"]
    docs = listed_resources()
    for doc in docs:
        if doc["kind"] != "Namespace":
            doc["metadata"]["namespace"] = namespace
    return docs


@pytest.fixture(scope="module")
def resources() -> dict[tuple[str, str], Resource]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in rendered_resources()}


def _validate(doc: Resource) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_every_manifest_file_is_listed_in_the_kustomization():
    listed = set(_kustomization()["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


@pytest.mark.parametrize(
    "doc", listed_resources(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}"
)
def test_each_manifest_validates_against_the_kubernetes_schema(doc):
    _validate(doc)


def test_the_rendered_kustomization_validates(resources):
    for doc in resources.values():
        _validate(doc)
    assert {kind for kind, _ in resources} >= {
        "ConfigMap",
        "Secret",
        "Job",
        "Deployment",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
    }


def test_the_validator_rejects_a_broken_manifest_and_needs_no_network(resources, monkeypatch):
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("schema validation tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    broken = copy.deepcopy(resources["Deployment", "shop-web"])
    broken["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = "forty-five"
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(broken)
    misspelt = copy.deepcopy(resources["Service", "shop-web"])
    misspelt["spec"]["sesionAffinity"] = "None"
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(misspelt)
    _validate(resources["Deployment", "shop-web"])


def _web(resources: dict[tuple[str, str], Resource]) -> Resource:
    return resources["Deployment", "shop-web"]


def _container(resources: dict[tuple[str, str], Resource]) -> Resource:
    (container,) = _web(resources)["spec"]["template"]["spec"]["containers"]
    return container


def _config(resources: dict[tuple[str, str], Resource]) -> dict[str, str]:
    return resources["ConfigMap", "shop-config"]["data"]


def test_running_answers_are_stored_before_the_pod_is_killed(resources, settings):
    pod = _web(resources)["spec"]["template"]["spec"]
    config = _config(resources)
    shutdown = max(float(config.get("CHAT_SHUTDOWN_SECONDS", 0)), settings.CHAT_SHUTDOWN_SECONDS)
    close = float(config.get("APPLICATION_CLOSE_TIMEOUT", APPLICATION_CLOSE_TIMEOUT_DEFAULT))
    pre_stop = _container(resources)["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"

    needed = float(pre_stop[1]) + close + shutdown + MARGIN_SECONDS
    assert pod["terminationGracePeriodSeconds"] > needed


def test_probes_hit_healthz_with_a_host_django_allows(resources):
    container = _container(resources)
    allowed = _config(resources)["ALLOWED_HOSTS"].split(",")
    port = container["ports"][0]
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container[kind]["httpGet"]
        assert probe["path"].split("?")[0] == "/healthz", kind
        assert probe["port"] in (port["name"], port["containerPort"]), kind
        headers = {h["name"]: h["value"] for h in probe["httpHeaders"]}
        assert headers["Host"] in allowed, kind
    # Ready only with the database and the channel layer; alive whatever they do.
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz?live"


def test_configuration_comes_from_the_configmap_and_the_secret(resources):
    sources = _container(resources)["envFrom"]
    assert {"configMapRef": {"name": "shop-config"}} in sources
    assert {"secretRef": {"name": "shop-secrets"}} in sources
    secret = resources["Secret", "shop-secrets"]["stringData"]
    assert set(secret) == {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "METRICS_TOKEN"}
    assert not set(secret) & set(_config(resources))
    job = resources["Job", "shop-migrate"]["spec"]["template"]["spec"]
    (migrate,) = job["containers"]
    assert migrate["envFrom"] == sources
    assert migrate["command"][-2:] == ["migrate", "--noinput"]


def test_pods_are_scraped_on_their_metrics_port(resources):
    annotations = _web(resources)["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert (
        int(annotations["prometheus.io/port"]) == _container(resources)["ports"][0]["containerPort"]
    )


def test_service_budget_and_autoscaler_select_the_web_pods(resources):
    web = _web(resources)
    pod_labels = web["spec"]["template"]["metadata"]["labels"]
    selectors = [
        web["spec"]["selector"]["matchLabels"],
        resources["Service", "shop-web"]["spec"]["selector"],
        resources["PodDisruptionBudget", "shop-web"]["spec"]["selector"]["matchLabels"],
    ]
    for selector in selectors:
        assert selector.items() <= pod_labels.items()
    target = resources["HorizontalPodAutoscaler", "shop-web"]["spec"]
    assert target["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "shop-web",
    }
    assert target["minReplicas"] >= 2
    assert "replicas" not in web["spec"]


def test_ingress_passes_sockets_to_the_service_without_sticky_sessions(resources):
    ingress = resources["Ingress", "shop"]
    annotations = ingress["metadata"]["annotations"]
    assert not [a for a in annotations if "affinity" in a]
    assert resources["Service", "shop-web"]["spec"].get("sessionAffinity", "None") == "None"
    # Longer than daphne's ping interval (20 s), so a quiet socket is not cut.
    for name in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{name}"]) >= 60
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["pathType"] == "Prefix"
    assert path["backend"]["service"]["name"] == "shop-web"
    assert rule["host"] in _config(resources)["ALLOWED_HOSTS"].split(",")

"""Helm 4 (fetched by scripts/fetch-test-assets) against a sandbox on gunicorn: a chart
written here is installed, listed, tested (`helm test` runs its test hook Pod), upgraded
with --set, rolled back and uninstalled, each waited for (--wait watches the objects with
streaming lists and judges them with kstatus), and the sandbox shows each step. Helm keeps its releases as Secrets labelled owner=helm and applies server-side as the
field manager "helm"."""

import base64
import gzip
import json
import os
import subprocess

import pytest

from tests.playground.kubeapi.conftest import HELM, Kubectl, newest_kubectl

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: hello\nversion: 0.1.0\nappVersion: '1.0'\n",
    "values.yaml": "greeting: hello\nreplicas: 1\nimage: nginx:1.27\n",
    "templates/configmap.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.greeting | quote }}
""",
    "templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels: {app: {{ .Release.Name }}-web}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: {{ .Release.Name }}-web}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}-web}
    spec:
      containers:
      - name: web
        image: {{ .Values.image }}
        ports:
        - containerPort: 80
""",
    "templates/tests/test-connection.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test-connection
  annotations:
    helm.sh/hook: test
spec:
  restartPolicy: Never
  containers:
  - name: wget
    image: busybox:1.36
    command: [wget]
    args: ["{{ .Release.Name }}-web:80"]
""",
    "templates/service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-web
spec:
  selector: {app: {{ .Release.Name }}-web}
  ports:
  - port: 80
""",
}


class Helm:
    def __init__(self, kubeconfig, home):
        self.kubeconfig, self.home = kubeconfig, home

    def run(self, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "HELM_", "XDG_"))}
        env.update(KUBECONFIG=str(self.kubeconfig), HOME=str(self.home))
        return subprocess.run([str(HELM), *args], capture_output=True, text=True, timeout=150, env=env)

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, f"helm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout


@pytest.fixture
def cluster(api_server, tmp_path):
    if not os.access(HELM, os.X_OK):
        pytest.fail(f"{HELM} is missing: run scripts/fetch-test-assets (make test does)")
    kubeconfig = api_server.sandbox()
    chart = tmp_path / "hello"
    for name, text in CHART.items():
        (chart / name).parent.mkdir(parents=True, exist_ok=True)
        (chart / name).write_text(text)
    return (
        Helm(kubeconfig, tmp_path / "home"),
        Kubectl(newest_kubectl(), kubeconfig, tmp_path / "cache"),
        chart,
    )


def _state(k: Kubectl) -> tuple[str, str, str]:
    return (
        k.ok("get", "configmap", "demo-settings", "-o", "jsonpath={.data.greeting}"),
        k.ok("get", "deployment", "demo-web", "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}"),
        k.ok("get", "service", "demo-web", "-o", "jsonpath={.spec.ports[0].port}"),
    )


def _releases(k: Kubectl) -> list[tuple[str, str]]:
    """The release Secrets as (name, status label), and each one's release decoded."""
    secrets = json.loads(k.ok("get", "secrets", "-l", "owner=helm,name=demo", "-o", "json"))["items"]
    found = []
    for secret in secrets:
        assert secret["type"] == "helm.sh/release.v1"
        release = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(secret["data"]["release"]))))
        assert (
            release["name"] == "demo" and release["info"]["status"] == secret["metadata"]["labels"]["status"]
        )
        found.append((secret["metadata"]["name"], secret["metadata"]["labels"]["status"]))
    return sorted(found)


def test_helm_install_upgrade_rollback_uninstall(cluster):
    helm, k, chart = cluster
    assert helm.ok("version", "--short").startswith("v4.")

    installed = helm.ok("install", "demo", str(chart), "--wait", "--timeout", "120s")
    assert "STATUS: deployed" in installed and "REVISION: 1" in installed
    assert _state(k) == ("hello", "1/1", "80")
    # What Helm 4's --wait (kstatus, sigs.k8s.io/cli-utils status.deploymentConditions) reads
    # to call a Deployment Current rather than Unknown: observedGeneration caught up, the
    # replica counters, and Progressing=True with reason NewReplicaSetAvailable.
    deployment = json.loads(k.ok("get", "deployment", "demo-web", "-o", "json"))
    status = deployment["status"]
    assert status["observedGeneration"] == deployment["metadata"]["generation"]
    assert status["updatedReplicas"] == status["readyReplicas"] == status["availableReplicas"] == 1
    conditions = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert conditions["Available"] == ("True", "MinimumReplicasAvailable")
    assert conditions["Progressing"] == ("True", "NewReplicaSetAvailable")
    # Helm 4 applies server-side, as the field manager "helm".
    managers = k.ok(
        "get", "configmap", "demo-settings", "-o", "jsonpath={.metadata.managedFields[*].manager}"
    )
    assert "helm" in managers.split()
    assert _releases(k) == [("sh.helm.release.v1.demo.v1", "deployed")]
    listed = json.loads(helm.ok("list", "-o", "json"))
    assert [(r["name"], r["revision"], r["status"], r["chart"]) for r in listed] == [
        ("demo", "1", "deployed", "hello-0.1.0")
    ]

    # helm test (pkg/action/release_testing.go ReleaseTesting.Run): the test hook's Pod is
    # created, waited for until it succeeds, and reported with its phase.
    tested = helm.ok("test", "demo", "--timeout", "120s")
    assert "TEST SUITE:     demo-test-connection" in tested and "Phase:          Succeeded" in tested, tested
    assert k.ok("get", "pod", "demo-test-connection", "-o", "jsonpath={.status.phase}") == "Succeeded"

    upgraded = helm.ok(
        "upgrade",
        "demo",
        str(chart),
        "--set",
        "greeting=bonjour",
        "--set",
        "replicas=2",
        "--wait",
        "--timeout",
        "120s",
    )
    assert "REVISION: 2" in upgraded
    assert _state(k) == ("bonjour", "2/2", "80")
    assert _releases(k) == [
        ("sh.helm.release.v1.demo.v1", "superseded"),
        ("sh.helm.release.v1.demo.v2", "deployed"),
    ]

    assert "Rollback was a success!" in helm.ok("rollback", "demo", "1", "--wait", "--timeout", "120s")
    assert _state(k) == ("hello", "1/1", "80")
    history = json.loads(helm.ok("history", "demo", "-o", "json"))
    assert [(h["revision"], h["status"]) for h in history] == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "deployed"),
    ]

    assert 'release "demo" uninstalled' in helm.ok("uninstall", "demo", "--wait", "--timeout", "120s")
    for kind in ("configmap/demo-settings", "deployment/demo-web", "service/demo-web"):
        assert "NotFound" in k.fails("get", kind)
    assert _releases(k) == []
    assert json.loads(helm.ok("list", "-o", "json")) == []

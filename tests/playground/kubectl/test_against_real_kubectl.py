"""The console's new output beside the real kubectl 1.37's, line for line, for the same state:
the same objects applied to a sandbox behind the API facade (real kubectl) and to a fresh
in-process cluster of the same profile (the console). Explain output depends on no state and
is compared byte for byte; tables are compared after tests.playground.kubeapi.conftest's
normalise (ages, generated pod names and addresses differ between two clusters, and so the
padding around them), with the exact layout pinned in test_get_labels.
"""

import re

import pytest

from playground import console
from playground.engine import Cluster
from tests.playground.kubeapi import conftest as kubeapi
from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl, normalise

api_server = kubeapi.api_server  # the live app the kubeapi tests use, as a fixture here too

STATE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web, tier: front}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: default}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox:1.36}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, categories: [shopfloor]}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          description: A widget on the shop floor, described at some length so that the description wraps.
          type: object
          required: [spec]
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, description: How big it is.}
                colour: {type: string, enum: [red, green, blue, cyan, magenta]}
                port: {x-kubernetes-int-or-string: true}
                tags: {type: object, additionalProperties: {type: string}}
                parts: {type: array, items: {type: object, properties: {name: {type: string}}}}
"""

WIDGET = """
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default, labels: {size: big}}
spec: {size: 3}
"""


def _kubectl(api_server, tmp_path, profile):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(profile=profile), tmp_path / "cache")


@pytest.fixture(scope="module")
def pair(api_server, tmp_path_factory):
    """(real kubectl on a default-profile sandbox, a console cluster), both holding STATE."""
    kubectl = _kubectl(api_server, tmp_path_factory.mktemp("real"), "default")
    kubectl.ok("apply", "-f", "-", stdin=STATE)
    kubectl.ok("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s")
    kubectl.ok("apply", "-f", "-", stdin=WIDGET)
    kubectl.ok("rollout", "status", "deploy/web", "--timeout=60s")
    cluster = Cluster.new()
    cluster.apply(STATE)
    cluster.settle()
    cluster.apply(WIDGET)
    cluster.settle()
    return kubectl, cluster


def _console(cluster, line: str) -> tuple[str, bool]:
    """What the console prints and whether it was an error (kubectl's stdout, or stderr)."""
    try:
        return console.run(cluster, console.parse(line)), False
    except console.ConsoleError as error:
        return str(error) + "\n", True


EXPLAIN = [
    "httproute.spec.rules",
    "httproute.spec.rules.matches",
    "httproute.spec.rules.matches.method",
    "httproute.spec.rules.backendRefs.port",
    "httproute.metadata.labels",
    "gatewayclass",
    "deployment.spec.replicas",
    "pod.spec.containers.ports",
    "widget",
    "widget.spec",
    "widget.spec.colour",
    "widget.spec.parts",
]


@pytest.mark.parametrize("what", EXPLAIN)
def test_explain_is_byte_for_byte(pair, what):
    kubectl, cluster = pair
    assert _console(cluster, f"explain {what}") == (kubectl.ok("explain", what), False)


def test_explain_errors_match(pair):
    kubectl, cluster = pair
    result = kubectl.run("explain", "widget.spec.nope")
    assert _console(cluster, "explain widget.spec.nope") == (result.stdout + result.stderr, True)
    assert _console(cluster, "explain tkc") == (kubectl.fails("explain", "tkc"), True)


def test_explain_virtualmachine_in_the_vsphere_profile(api_server, tmp_path):
    kubectl = _kubectl(api_server, tmp_path, "vsphere")
    cluster = Cluster.new(profile="vsphere")
    for what in ("virtualmachine", "virtualmachine.spec", "vm.spec.powerState"):
        assert _console(cluster, f"explain {what}") == (kubectl.ok("explain", what), False), what


@pytest.mark.parametrize(
    "line",
    [
        "get nodes --show-labels -L kubernetes.io/os,kubernetes.io/hostname",
        "get nodes -o wide -L node-role.kubernetes.io/control-plane",
        "get svc -n kube-system --show-labels -o wide",
        "get deploy -L app,tier --show-labels",
        "get pods -L app -L pod-template-hash",
        "get widgets --show-labels -L size",
        "get all --show-labels",
        "get deploy,widgets -L tier",
        "get shopfloor",
        "get gateway-api -A",
    ],
)
def test_tables_match_line_for_line(pair, line):
    kubectl, cluster = pair
    printed, failed = _console(cluster, line)
    assert not failed, printed
    assert normalise(printed) == normalise(kubectl.ok(*line.split()))


@pytest.mark.parametrize(
    "line",
    [
        "logs deploy/web",
        "logs deployment/web --tail=1 --all-containers",
        "logs deploy/web -c nope",
        "logs deploy/web -c nginx --all-containers",
        "logs deploy/web --previous",
        "logs cronjob/nightly",
        "logs svc/kubernetes",
        "logs rs/nope",
        "logs nosuch",
    ],
)
def test_logs_match_stdout_and_stderr(pair, line):
    kubectl, cluster = pair
    result = kubectl.run(*line.split())
    printed, failed = _console(cluster, line)
    assert failed == (result.returncode != 0)
    # The console prints kubectl's stderr notes before its output, as a terminal shows them.
    assert _pods(normalise(printed)) == _pods(normalise(result.stderr + result.stdout))


def _pods(text: str) -> str:
    """The web Deployment's pod names, which differ between two clusters, also inside quotes."""
    return re.sub(r"web-[a-z0-9]{6,10}-[a-z0-9]{5}", "web-<pod>", text)

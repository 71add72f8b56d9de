"""kubectl get CATEGORY (`all`, `gateway-api`, `api-extensions`, a CRD's own) and get -w.

Upstream: the category expander (k8s.io/client-go/restmapper/category_expansion.go,
discoveryCategoryExpander.Expand) lists, in discovery order, every resource whose discovery
entry names the category, one version each; kubectl get then prints a table per type that has
objects, a blank line between, and prefixes names with kind.group when more than one type was
asked for (the real kubectl 1.37 prints `pod/p` for `get all` in a namespace holding one pod,
and plain names for `get api-extensions`, which only CustomResourceDefinitions name here).
"""

import pytest

from playground import console
from playground.engine import Cluster

from ..engine.conftest import deployment

WORKLOADS = """
apiVersion: v1
kind: ReplicationController
metadata: {name: old, namespace: shop}
spec:
  replicas: 1
  selector: {app: old}
  template:
    metadata: {labels: {app: old}}
    spec:
      containers: [{name: c, image: nginx:1.27}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: c, image: nginx:1.27}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, image: nginx:1.27}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox:1.36}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox:1.36, command: [sh, -c, "echo done"]}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
"""

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, categories: [shopfloor, all]}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {size: {type: integer}}}
"""


def run(cluster, line):
    return console.run(cluster, console.parse(line))


@pytest.fixture
def cluster():
    c = Cluster.new()
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    c.apply(deployment("web", replicas=1).replace("name: web", "name: web\n  namespace: shop", 1))
    c.apply(WORKLOADS)
    c.settle()
    return c


def _kinds(text):
    return [block.splitlines()[1].split()[0].split("/")[0] for block in text.split("\n\n")]


def test_all_lists_the_all_category_in_discovery_order(cluster):
    assert _kinds(run(cluster, "kubectl get all -n shop")) == [
        "pod",
        "replicationcontroller",
        "service",
        "daemonset.apps",
        "deployment.apps",
        "replicaset.apps",
        "statefulset.apps",
        "horizontalpodautoscaler.autoscaling",
        "cronjob.batch",
        "job.batch",
    ]


def test_all_prefixes_names_even_when_one_type_has_objects(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "solo"}})
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "solo"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
        }
    )
    lines = run(cluster, "kubectl get all -n solo").splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(lines) == 2 and lines[1].startswith("pod/p   ")


def test_a_crds_categories_expand_too(cluster):
    cluster.apply(CRD)
    cluster.settle()
    cluster.apply(
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "shop"}}
    )
    # A category of its own: one type, so plain names, as kubectl prints them.
    assert run(cluster, "kubectl get shopfloor -n shop").splitlines()[1].startswith("w1   ")
    # And "all": after the built-in types, as discovery lists custom groups after them.
    assert _kinds(run(cluster, "kubectl get all -n shop"))[-1] == "widget.example.com"


def test_gateway_api_and_api_extensions(cluster):
    lines = run(cluster, "kubectl get gateway-api -A").splitlines()
    assert lines[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert lines[1].split()[0] == "gatewayclass.gateway.networking.k8s.io/sandbox"
    crds = run(cluster, "kubectl get api-extensions").splitlines()
    assert crds[0].split() == ["NAME", "CREATED", "AT"]
    assert "httproutes.gateway.networking.k8s.io" in [line.split()[0] for line in crds]


def test_an_empty_namespace_says_so(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}})
    with pytest.raises(console.ConsoleError, match="^No resources found in empty namespace.$"):
        run(cluster, "kubectl get all -n empty")


NOTE = (
    "\nThe console shows one snapshot and does not stream; -w streams changes with your own kubectl: "
    'under "Use your own kubectl" on this page, Download kubeconfig, then run: {line}\n'
)


def test_watch_prints_the_table_then_where_watching_works(cluster):
    table = run(cluster, "kubectl get pods -n shop")
    assert run(cluster, "kubectl get pods -n shop -w") == table + NOTE.format(
        line="kubectl get pods -n shop -w"
    )
    assert run(cluster, "kubectl get --watch deploy web -n shop -l app=web").endswith(
        NOTE.format(line="kubectl get deploy web -n shop -l app=web -w")
    )
    assert run(cluster, "kubectl get all -Aw").startswith("NAMESPACE ")


def test_watch_on_nothing_yet_still_answers(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}})
    assert run(cluster, "kubectl get pods -n empty -w") == (
        "No resources found in empty namespace.\n" + NOTE.format(line="kubectl get pods -n empty -w")
    )

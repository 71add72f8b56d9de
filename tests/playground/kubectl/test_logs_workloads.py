"""kubectl logs TYPE/NAME, --all-containers, -c, --tail and --previous, as kubectl 1.37 does.

Upstream: logsForObjectWithClient (k8s.io/kubectl/pkg/polymorphichelpers/logsforobject.go)
takes a workload's selector (SelectorsForObject), picks the first pod by podutils.ByLogging
and says "Found N pods, using pod/NAME" on stderr when there are several; without -c it takes
the first container and says "Defaulted container ... out of: ..." (podcmd.AllContainerNames)
when the pod has others. The error texts are those the real kubectl 1.37 printed against a
sandbox (NotFound through the resource builder, the selector errors, the container ones).
"""

import pytest

from playground import console
from playground.engine import Cluster

from ..engine.conftest import deployment, pod

NGINX = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n"
    "/docker-entrypoint.sh: Configuration complete; ready for start up\n"
    '[notice] 1#1: using the "epoll" event method\n'
    "[notice] 1#1: start worker processes\n"
)

JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: default}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: once, image: busybox:1.36, command: [sh, -c, "echo done"]}]
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
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: busybox:1.36, command: [sh, -c, "echo ready; sleep 3600"]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def run(cluster, line):
    return console.run(cluster, console.parse(line))


def fails(cluster, line):
    with pytest.raises(console.ConsoleError) as error:
        run(cluster, line)
    return str(error.value)


@pytest.fixture
def cluster():
    c = Cluster.new()
    c.apply(deployment("web", replicas=2, image="nginx"))
    c.apply(JOB)
    c.settle()
    return c


def _web_pods(cluster):
    return sorted(p["metadata"]["name"] for p in cluster.list("Pod", "default", "app=web"))


@pytest.mark.parametrize("typed", ["deployment/web", "deploy/web", "deployments/web", "svc/web"])
def test_a_workload_with_several_pods_names_the_one_it_uses(cluster, typed):
    first = _web_pods(cluster)[0]  # equally ready and old: the first in the list
    assert run(cluster, f"kubectl logs {typed}") == f"Found 2 pods, using pod/{first}\n" + NGINX


def test_replicaset_statefulset_and_job(cluster):
    rs = cluster.list("ReplicaSet", "default")[0]["metadata"]["name"]
    assert run(cluster, f"kubectl logs rs/{rs} --tail=1").endswith("\n[notice] 1#1: start worker processes\n")
    assert run(cluster, "kubectl logs sts/db") == "ready\n"  # one pod: nothing on stderr
    assert run(cluster, "kubectl logs job/once") == "done\n"


def test_the_pod_kubectl_picks_is_ready_before_not_ready(cluster):
    """ByLogging ranks a ready pod before one that is not, whatever the names: a Service's
    selector over a running pod and one whose image cannot be pulled."""
    for name, image in (("zzz-ready", "nginx"), ("aaa-waiting", "nginx:doesnotexist")):
        body = pod(name, image=image)
        body["metadata"]["labels"] = {"app": "mixed"}
        cluster.create(body)
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "mixed", "namespace": "default"},
            "spec": {"selector": {"app": "mixed"}, "ports": [{"port": 80}]},
        }
    )
    cluster.advance(10)
    assert run(cluster, "kubectl logs svc/mixed") == "Found 2 pods, using pod/zzz-ready\n" + NGINX


def test_not_found_and_kinds_without_a_pod_selector(cluster):
    assert fails(cluster, "kubectl logs rs/nope") == (
        'error: error from server (NotFound): replicasets.apps "nope" not found in namespace "default"'
    )
    assert fails(cluster, "kubectl logs nosuch") == (
        'error: error from server (NotFound): pods "nosuch" not found in namespace "default"'
    )
    assert fails(cluster, "kubectl logs cronjob/nightly") == (
        "error: cannot get the logs from *v1.CronJob: selector for *v1.CronJob not implemented"
    )
    assert fails(cluster, "kubectl logs svc/kubernetes") == (
        "error: cannot get the logs from *v1.Service: invalid service 'kubernetes': "
        "Service is defined without a selector"
    )


def test_a_workload_without_pods_times_out_at_once(cluster):
    run(cluster, "kubectl scale deploy/web --replicas=0")
    cluster.settle()
    assert fails(cluster, "kubectl logs deploy/web") == "error: timed out waiting for the condition"


def test_container_errors_are_kubectls_own(cluster):
    first = _web_pods(cluster)[0]
    assert fails(cluster, "kubectl logs deploy/web -c foo") == (
        f"Found 2 pods, using pod/{first}\nerror: container foo is not valid for pod {first} out of: main"
    )
    assert fails(cluster, "kubectl logs deploy/web -c main --all-containers") == (
        "error: --all-containers=true should not be specified with container name main"
    )


def test_several_containers_default_to_the_first_or_print_all(cluster):
    containers = [
        {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "echo from app; sleep 3600"]},
        {"name": "side", "image": "busybox:1.36", "command": ["sh", "-c", "echo from side; sleep 3600"]},
    ]
    init = [{"name": "setup", "image": "busybox:1.36", "command": ["sh", "-c", "echo from setup"]}]
    cluster.create(pod("two", containers=containers, initContainers=init))
    cluster.settle()
    assert run(cluster, "kubectl logs two") == (
        'Defaulted container "app" out of: app, side, setup (init)\nfrom app\n'
    )
    assert run(cluster, "kubectl logs two -c side") == "from side\n"
    assert run(cluster, "kubectl logs two side") == "from side\n"
    assert run(cluster, "kubectl logs two --all-containers") == "from setup\nfrom app\nfrom side\n"


def test_previous_is_the_last_run_of_a_restarted_container(cluster):
    crash = [{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "echo boom; sleep 2; exit 3"]}]
    cluster.create(pod("crash", containers=crash))
    cluster.advance(30)
    assert cluster.get("Pod", "crash", "default")["status"]["containerStatuses"][0]["restartCount"] >= 1
    assert run(cluster, "kubectl logs crash --previous") == "boom\n"
    first = _web_pods(cluster)[0]
    assert fails(cluster, "kubectl logs deploy/web -p") == (
        f"Found 2 pods, using pod/{first}\n"
        f'Error from server (BadRequest): previous terminated container "main" in pod "{first}" not found'
    )


def test_the_default_container_annotation_chooses_the_container(cluster):
    """logsForObjectWithClient reads kubectl.kubernetes.io/default-container; a name the pod
    lacks is reported on stderr and the first container used."""
    containers = [
        {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "echo from app; sleep 3600"]},
        {"name": "side", "image": "busybox:1.36", "command": ["sh", "-c", "echo from side; sleep 3600"]},
    ]
    for name, default in (("picked", "side"), ("stale", "gone")):
        body = pod(name, containers=containers)
        body["metadata"]["annotations"] = {"kubectl.kubernetes.io/default-container": default}
        cluster.create(body)
    cluster.settle()
    assert run(cluster, "kubectl logs picked") == "from side\n"
    assert run(cluster, "kubectl logs stale") == (
        'Default container name "gone" not found in pod stale\n'
        'Defaulted container "app" out of: app, side\nfrom app\n'
    )


def test_tab_completes_a_workloads_names_after_its_type(cluster):
    assert console.complete(cluster, "kubectl logs deploy/")["candidates"] == ["deploy/web"]
    assert console.complete(cluster, "kubectl logs job/o")["candidates"] == ["job/once"]
    assert console.complete(cluster, "kubectl logs nosuch/")["candidates"] == []

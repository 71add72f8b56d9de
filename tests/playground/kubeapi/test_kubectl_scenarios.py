"""Scenarios a lab runs with the newest real kubectl on the machine, compared line by line
with what kubectl prints against a real cluster (ages, generated names and addresses
normalised)."""

import json
import subprocess
import time

import pytest
import yaml

from playground.scenarios import scenarios  # noqa: E402
from tests.playground.kubeapi.conftest import SCENARIO_MINOR, Kubectl, newest_kubectl, newest_minor, normalise

if newest_minor() < SCENARIO_MINOR:
    # Not silent: pytest -ra prints this reason. The version tests still run every kubectl.
    pytest.skip(
        f"the newest kubectl here is 1.{newest_minor()}, more than a few minor versions older than the "
        f"sandbox's 1.37 API (it asks for policy/v1beta1 and batch/v1beta1, long removed); the scenarios "
        f"need kubectl 1.{SCENARIO_MINOR} or newer",
        allow_module_level=True,
    )

# The restaurant-rating manifests as the scenario ships them: four Deployments and their Services.
RESTAURANT = scenarios()["restaurant-rating"].manifests
DEPLOYMENTS = [
    d["metadata"]["name"] for d in yaml.safe_load_all(RESTAURANT) if d and d["kind"] == "Deployment"
]
SERVICES = [d["metadata"]["name"] for d in yaml.safe_load_all(RESTAURANT) if d and d["kind"] == "Service"]


@pytest.fixture
def k(api_server, tmp_path):
    return Kubectl(newest_kubectl(), api_server.sandbox(), tmp_path / "cache")


def test_restaurant_rating_apply_rollout_history_and_undo(k):
    created = k.ok("apply", "-f", "-", stdin=RESTAURANT).splitlines()
    assert created == [f"deployment.apps/{n} created" for n in DEPLOYMENTS] + [
        f"service/{n} created" for n in SERVICES
    ] or sorted(created) == sorted(
        [f"deployment.apps/{n} created" for n in DEPLOYMENTS] + [f"service/{n} created" for n in SERVICES]
    )
    assert all(
        line.endswith(" unchanged") for line in k.ok("apply", "-f", "-", stdin=RESTAURANT).splitlines()
    )

    v2 = RESTAURANT.replace("restreview-ui:V1", "restreview-ui:V2")
    changed = k.ok("apply", "-f", "-", stdin=v2).splitlines()
    assert "deployment.apps/yelb-ui configured" in changed
    assert [line for line in changed if not line.endswith(" unchanged")] == [
        "deployment.apps/yelb-ui configured"
    ]

    status = k.ok("rollout", "status", "deployment/yelb-ui", "--timeout=90s", timeout=120)
    assert status.splitlines()[-1] == 'deployment "yelb-ui" successfully rolled out'
    assert k.ok("rollout", "history", "deployment/yelb-ui") == (
        "deployment.apps/yelb-ui \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    )
    assert k.ok("rollout", "undo", "deployment/yelb-ui") == "deployment.apps/yelb-ui rolled back\n"
    image = k.ok("get", "deploy", "yelb-ui", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert image.endswith("restreview-ui:V1")
    assert "3         <none>" in k.ok("rollout", "history", "deployment/yelb-ui")


def test_get_in_every_output_format(k):
    k.ok("apply", "-f", "-", stdin=RESTAURANT)
    for name in DEPLOYMENTS:
        k.ok("rollout", "status", f"deployment/{name}", "--timeout=60s", timeout=90)
    everything = normalise(k.ok("get", "all"))
    assert "NAME READY STATUS RESTARTS AGE" in everything
    assert "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE" in everything
    assert "NAME READY UP-TO-DATE AVAILABLE AGE" in everything
    assert "NAME DESIRED CURRENT READY AGE" in everything
    for name in DEPLOYMENTS:
        assert f"deployment.apps/{name} " in everything and f"replicaset.apps/{name}-<rs> " in everything

    across = normalise(k.ok("get", "deploy,svc", "-A")).split("\n\n")
    assert across[0].splitlines()[0] == "NAMESPACE NAME READY UP-TO-DATE AVAILABLE AGE"
    assert "kube-system deployment.apps/coredns 2/2 2 2 <age>" in across[0]
    assert across[1].splitlines()[0] == "NAMESPACE NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE"
    assert "default service/kubernetes ClusterIP <ip> <none> 443/TCP <age>" in across[1]

    names = k.ok("get", "pods", "-l", "app=yelb-ui", "-o", "name").split()
    assert len(names) == 3 and all(n.startswith("pod/yelb-ui-") for n in names)
    assert k.ok("get", "pods", "-l", "app in (yelb-db,redis-server)", "-o", "name").count("pod/") == 2
    as_yaml = yaml.safe_load(k.ok("get", "deployment", "yelb-ui", "-o", "yaml"))
    assert as_yaml["kind"] == "Deployment" and as_yaml["status"]["readyReplicas"] == 3
    assert k.ok("get", "svc", "yelb-ui", "-o", "jsonpath={.spec.type}") == "LoadBalancer"
    wide = normalise(k.ok("get", "deploy", "yelb-ui", "-o", "wide")).splitlines()
    assert wide[0] == "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR"
    assert wide[1] == "yelb-ui 3/3 3 3 <age> yelb-ui harbor.corp.local/library/restreview-ui:V1 app=yelb-ui"
    labels = normalise(k.ok("get", "deploy", "yelb-ui", "--show-labels")).splitlines()
    assert labels[0] == "NAME READY UP-TO-DATE AVAILABLE AGE LABELS"


def test_get_watch_streams_a_scale_up(k):
    k.ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=1")
    k.ok("rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    watcher = subprocess.Popen(
        [
            k.binary,
            "--cache-dir",
            str(k.cache),
            "--kubeconfig",
            str(k.kubeconfig),
            "get",
            "pods",
            "-l",
            "app=web",
            "-w",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        header = watcher.stdout.readline()
        assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        first = watcher.stdout.readline().split()
        assert first[1:3] == ["1/1", "Running"]
        assert k.ok("scale", "deployment", "web", "--replicas=3") == "deployment.apps/web scaled\n"
        running = {first[0]}
        deadline = time.monotonic() + 60
        while len(running) < 3 and time.monotonic() < deadline:
            line = watcher.stdout.readline().split()
            if line and line[1:3] == ["1/1", "Running"]:
                running.add(line[0])
        assert len(running) == 3, running
    finally:
        watcher.kill()
        watcher.wait()


def test_describe_shows_events_and_conditions(k):
    k.ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    k.ok("expose", "deployment", "web", "--port=80")
    k.ok("rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    pod = k.ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")
    described = normalise(k.ok("describe", "pod", pod))
    assert "Name: web-<rs>-<pod>" in described and "Status: Running" in described
    assert "Ready True" in described and "PodScheduled True" in described
    assert "Normal Scheduled <age> default-scheduler Successfully assigned default/" in described
    assert "Normal Pulled <age> kubelet" in described or "Normal Pulling <age> kubelet" in described

    deployment = normalise(k.ok("describe", "deployment", "web"))
    assert "Replicas: 2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in deployment
    assert "Available True MinimumReplicasAvailable" in deployment
    assert (
        "Normal ScalingReplicaSet <age> deployment-controller Scaled up replica set web-<rs> from 0 to 2"
        in (deployment.replace("web-<rs>-<pod>", "web-<rs>"))
        or "Scaled up replica set web-" in deployment
    )

    node = normalise(k.ok("describe", "node", "worker-1"))
    assert "Ready True" in node and "KubeletReady kubelet is posting ready status" in node
    assert "Non-terminated Pods:" in node and "Allocated resources:" in node

    service = normalise(k.ok("describe", "service", "web"))
    assert "Type: ClusterIP" in service and "Port: <unset> 80/TCP" in service
    assert "Endpoints: <ip>:80,<ip>:80" in service


def new_hash(k) -> str:
    """The pod-template-hash of the Deployment web's newest ReplicaSet."""
    rs = json.loads(k.ok("get", "rs", "-l", "app=web", "-o", "json"))["items"]
    newest = max(rs, key=lambda r: int(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))
    return newest["metadata"]["labels"]["pod-template-hash"]


def test_imperative_commands(k):
    assert (
        k.ok("create", "deployment", "web", "--image=nginx:1.26", "--replicas=2")
        == "deployment.apps/web created\n"
    )
    assert k.ok("scale", "deployment", "web", "--replicas=3") == "deployment.apps/web scaled\n"
    assert k.ok("expose", "deployment", "web", "--port=80", "--name=web-lb") == "service/web-lb exposed\n"
    assert k.ok("run", "tester", "--image=busybox:1.36", "--", "sleep", "3600") == "pod/tester created\n"
    assert k.ok("set", "image", "deployment/web", "nginx=nginx:1.27") == "deployment.apps/web image updated\n"
    assert k.ok("label", "deployment", "web", "tier=frontend") == "deployment.apps/web labeled\n"
    assert k.ok("annotate", "deployment", "web", "owner=alice") == "deployment.apps/web annotated\n"
    assert k.ok("label", "deployment", "web", "tier-") == "deployment.apps/web unlabeled\n"
    shown = k.ok("get", "deployment", "web", "-o", "yaml")
    assert "owner: alice" in shown and "tier:" not in shown
    k.ok("rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    # The rollout is done when the new pods are ready; the old ones may still be
    # terminating, and kubectl may pick one that is gone by its next request. As on a
    # real cluster, wait for them to go first.
    old = "app=web,pod-template-hash!=" + new_hash(k)
    deadline = time.monotonic() + 60
    while k.ok("get", "pods", "-l", old, "-o", "name").strip() and time.monotonic() < deadline:
        time.sleep(0.5)

    logs = k.ok("logs", "deployment/web")
    assert "Configuration complete; ready for start up" in logs
    assert len(k.ok("logs", "deployment/web", "--tail=2").splitlines()) == 2

    top = normalise(k.ok("top", "pods")).splitlines()
    assert top[0] == "NAME CPU(cores) MEMORY(bytes)"
    assert normalise(k.ok("top", "nodes")).splitlines()[0] == "NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)"

    assert k.ok("delete", "pod", "tester", "--wait=false") == k.deleted('pod "tester"')
    assert k.ok("delete", "service", "web-lb") == k.deleted('service "web-lb"')
    assert k.ok("delete", "deployment", "web", timeout=90) == k.deleted('deployment.apps "web"')
    assert "NotFound" in k.fails("get", "deployment", "web")


def test_drain_is_blocked_by_a_disruption_budget_then_allowed(k):
    k.ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    k.ok("rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    assert k.ok("create", "pdb", "web", "--selector=app=web", "--min-available=3") == (
        "poddisruptionbudget.policy/web created\n"
    )
    node = k.ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")
    blocked = k.run("drain", node, "--ignore-daemonsets", "--timeout=8s", timeout=60)
    assert blocked.returncode != 0
    assert f"node/{node} cordoned" in blocked.stdout
    assert "Cannot evict pod as it would violate the pod's disruption budget." in blocked.stderr
    assert k.ok("get", "node", node, "-o", "jsonpath={.spec.unschedulable}") == "true"

    k.ok("patch", "pdb", "web", "--type=merge", "-p", '{"spec":{"minAvailable":2}}')
    drained = k.ok("drain", node, "--ignore-daemonsets", "--timeout=60s", timeout=90)
    assert drained.splitlines()[-1] == f"node/{node} drained"
    assert "evicted" in drained
    assert k.ok("get", "pods", "-A", "--field-selector", f"spec.nodeName={node}", "-l", "app=web") == ""
    assert k.ok("uncordon", node) == f"node/{node} uncordoned\n"
    assert k.ok("cordon", node) == f"node/{node} cordoned\n"
    assert k.ok("uncordon", node) == f"node/{node} uncordoned\n"


SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 8080
"""


def test_server_side_apply_port_changes_autoscale_and_can_i(k):
    assert k.ok("apply", "--server-side", "-f", "-", stdin=SERVICE) == "service/web serverside-applied\n"
    assert k.ok("apply", "--server-side", "-f", "-", stdin=SERVICE) == "service/web serverside-applied\n"
    ports = k.ok("get", "svc", "web", "-o", "jsonpath={.spec.ports}")
    assert ports == '[{"name":"http","port":80,"protocol":"TCP","targetPort":8080}]'

    # Client-side apply of a changed port: kubectl's strategic merge patch deletes the
    # old entry by its merge key (port), which the server must honour.
    k.ok("delete", "svc", "web")
    k.ok("apply", "-f", "-", stdin=SERVICE)
    assert (
        k.ok("apply", "-f", "-", stdin=SERVICE.replace("port: 80", "port: 8000"))
        == "service/web configured\n"
    )
    assert k.ok("get", "svc", "web", "-o", "jsonpath={.spec.ports[*].port}") == "8000"

    k.ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    assert k.ok("autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=50") == (
        "horizontalpodautoscaler.autoscaling/web autoscaled\n"
    )
    hpa = normalise(k.ok("get", "hpa", "web")).splitlines()
    assert hpa[0] == "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE"
    assert hpa[1].startswith("web Deployment/web cpu: ") and hpa[1].endswith("/50% 2 5 2 <age>")
    assert k.ok("auth", "can-i", "create", "pods") == "yes\n"


CREATE_COMMANDS = [
    ["namespace", "team-a"],
    ["configmap", "settings", "--from-literal=colour=blue", "--from-literal=size=large"],
    ["secret", "generic", "db-password", "--from-literal=password=s3cret"],
    ["service", "clusterip", "backend", "--tcp=80:8080"],
    ["service", "nodeport", "frontend", "--tcp=80:8080", "--node-port=30080"],
    ["deployment", "api", "--image=nginx:1.27", "--port=80", "--replicas=3"],
    ["job", "once", "--image=busybox:1.36", "--", "sh", "-c", "echo done"],
    ["cronjob", "nightly", "--image=busybox:1.36", "--schedule=0 2 * * *", "--", "echo", "hi"],
    ["quota", "small", "--hard=pods=10,requests.cpu=2"],
    ["serviceaccount", "robot"],
    ["pdb", "api", "--selector=app=api", "--min-available=2"],
    ["priorityclass", "important", "--value=1000", "--description=for the demo"],
]


def _contains(served, local, path=""):
    """Every field kubectl's own rendering has is served with that value."""
    if isinstance(local, dict):
        assert isinstance(served, dict), path
        for key, value in local.items():
            if key in ("creationTimestamp", "status") or value in (None, {}):
                continue
            _contains(served.get(key), value, f"{path}.{key}")
    elif isinstance(local, list):
        assert isinstance(served, list) and len(served) == len(local), path
        for index, (a, b) in enumerate(zip(served, local, strict=True)):
            _contains(a, b, f"{path}[{index}]")
    else:
        assert served == local, f"{path}: served {served!r}, kubectl rendered {local!r}"


@pytest.mark.parametrize("command", CREATE_COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_typed_create_commands_arrive_intact(k, command):
    """kubectl 1.32+ sends these as protobuf; what the server stores must be what kubectl
    itself renders for the same command (`--dry-run=client -o json`)."""
    name_index = 2 if command[0] in ("secret", "service") else 1
    split = command.index("--") if "--" in command else len(command)
    dry = [*command[:split], "--dry-run=client", "-o", "json", *command[split:]]
    rendered = json.loads(k.ok("create", *dry))
    kind = rendered["kind"]
    assert k.ok("create", *command).strip().endswith("created")
    served = json.loads(k.ok("get", f"{kind.lower()}", command[name_index], "-o", "json"))
    _contains(served, rendered)

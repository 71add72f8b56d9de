"""Real manifests nobody here wrote, taken from the Kubernetes website's examples
(kubernetes/website, content/en/examples/), embedded short as test data. Each test names the
upstream file its manifest comes from and what the documented tutorial shows."""

import pytest

from playground.engine import ApiError, Cluster, images
from playground.engine.podstatus import pod_display


@pytest.fixture
def cluster():
    return Cluster.new()


def ready_pods(cluster, prefix):
    pods = [p for p in cluster.list("pod", "default") if p["metadata"]["name"].startswith(prefix)]
    return {
        p["metadata"]["name"]: (
            p["status"].get("phase"),
            all(c.get("ready") for c in p["status"].get("containerStatuses", [])),
        )
        for p in pods
    }


# From content/en/examples/application/mysql/mysql-statefulset.yaml (the init script cut short:
# its guard line is what matters) and mysql-configmap.yaml, "Run a Replicated Stateful Application".
MYSQL = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: mysql, labels: {app: mysql}}
data:
  primary.cnf: "[mysqld]\\nlog-bin\\n"
  secondary.cnf: "[mysqld]\\nsuper-read-only\\n"
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mysql}
spec:
  selector: {matchLabels: {app: mysql}}
  serviceName: mysql
  replicas: 2
  template:
    metadata: {labels: {app: mysql}}
    spec:
      initContainers:
      - name: init-mysql
        image: mysql:5.7
        command:
        - bash
        - "-c"
        - |
          set -ex
          # Generate mysql server-id from pod ordinal index.
          [[ `hostname` =~ -([0-9]+)$ ]] || exit 1
          ordinal=${BASH_REMATCH[1]}
          echo [mysqld] > /mnt/conf.d/server-id.cnf
      - name: clone-mysql
        image: gcr.io/google-samples/xtrabackup:1.0
        command:
        - bash
        - "-c"
        - |
          set -ex
          [[ -d /var/lib/mysql/mysql ]] && exit 0
          [[ `hostname` =~ -([0-9]+)$ ]] || exit 1
          ordinal=${BASH_REMATCH[1]}
          [[ $ordinal -eq 0 ]] && exit 0
      containers:
      - name: mysql
        image: mysql:5.7
        env: [{name: MYSQL_ALLOW_EMPTY_PASSWORD, value: "1"}]
        ports: [{name: mysql, containerPort: 3306}]
        readinessProbe:
          exec:
            command: ["mysql", "-h", "127.0.0.1", "-e", "SELECT 1"]
      - name: xtrabackup
        image: gcr.io/google-samples/xtrabackup:1.0
        ports: [{name: xtrabackup, containerPort: 3307}]
        command:
        - bash
        - "-c"
        - |
          set -ex
          cd /var/lib/mysql
          # Start a server to send backups when requested by peers.
          exec ncat --listen --keep-open --send-only --max-conns=1 3307 -c \\
            "xtrabackup --backup --slave-info --stream=xbstream --host=127.0.0.1 --user=root"
"""


def test_the_replicated_mysql_tutorial_comes_up_ready(cluster):
    """The tutorial shows mysql-0 and mysql-1 `2/2 Running`. A shell runs what follows `||` only
    when the left side failed (POSIX "Lists": AND-OR lists), so the init scripts' guard
    `[[ ... ]] || exit 1` must not end them with code 1, and the `exec ncat --listen` sidecar
    keeps running instead of exiting (which would be a CrashLoopBackOff)."""
    cluster.apply(MYSQL)
    cluster.settle()
    assert ready_pods(cluster, "mysql-") == {"mysql-0": ("Running", True), "mysql-1": ("Running", True)}
    restarts = [
        c["restartCount"]
        for c in cluster.get("pod", "mysql-0")["status"]["initContainerStatuses"]
        + cluster.get("pod", "mysql-0")["status"]["containerStatuses"]
    ]
    assert restarts == [0, 0, 0, 0]


# From content/en/examples/application/zookeeper/zookeeper.yaml ("Running ZooKeeper, A
# Distributed System Coordinator"), the StatefulSet's container cut to what matters.
ZOOKEEPER = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: zk}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: zk}}
  serviceName: zk-hs
  replicas: 2
  template:
    metadata: {labels: {app.kubernetes.io/name: zk}}
    spec:
      containers:
      - name: kubernetes-zookeeper
        image: "registry.k8s.io/kubernetes-zookeeper:1.0-3.4.10"
        ports: [{containerPort: 2181, name: client}]
        command:
        - sh
        - -c
        - "start-zookeeper \\
          --servers=3 \\
          --log_level=INFO"
        readinessProbe:
          exec:
            command: [sh, -c, "zookeeper-ready 2181"]
"""


def test_the_zookeeper_tutorial_keeps_its_servers_running(cluster):
    """The tutorial's `kubectl get pods -w -l app=zk` ends with zk-0..2 `1/1 Running` and no
    restarts: `start-zookeeper` launches the server in the foreground, so the container runs."""
    cluster.apply(ZOOKEEPER)
    cluster.settle()
    assert ready_pods(cluster, "zk-") == {"zk-0": ("Running", True), "zk-1": ("Running", True)}
    assert cluster.get("pod", "zk-0")["status"]["containerStatuses"][0]["restartCount"] == 0


@pytest.mark.parametrize(
    ("script", "code"),
    [
        ("false || exit 3", 3),
        ("true || exit 3", 0),
        ("true && exit 4", 4),
        ("false && exit 4", 1),
        ("echo hi; exit 2", 2),
    ],
)
def test_and_or_lists_in_a_container_script(script, code):
    """`a || b` runs b only when a failed, `a && b` only when a succeeded; the list's status is
    the last command run (POSIX Shell Command Language, 2.9.3 Lists)."""
    assert images.behaviour("busybox:1.36", ["sh", "-c", script], None).exit_code == code


# From content/en/examples/pods/pod-with-scheduling-gates.yaml ("Pod Scheduling Readiness").
GATED = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "test-pod"},
    "spec": {
        "schedulingGates": [{"name": "example.com/foo"}, {"name": "example.com/bar"}],
        "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.6"}],
    },
}


def test_a_pod_with_scheduling_gates_waits_until_they_are_cleared(cluster):
    """The page shows `test-pod 0/1 SchedulingGated`: the API server adds the PodScheduled=False
    SchedulingGated condition (applySchedulingGatedCondition, pkg/registry/core/pod/strategy.go)
    and the scheduler's SchedulingGates PreEnqueue plugin keeps the pod out of its queue until
    the gates are removed; then it is scheduled and runs."""
    cluster.create(GATED)
    cluster.settle()
    pod = cluster.get("pod", "test-pod")
    assert "nodeName" not in pod["spec"]
    (cond,) = pod["status"]["conditions"]
    assert (cond["type"], cond["status"], cond["reason"], cond["message"]) == (
        "PodScheduled",
        "False",
        "SchedulingGated",
        "Scheduling is blocked due to non-empty scheduling gates",
    )
    assert cond["lastTransitionTime"] == pod["metadata"]["creationTimestamp"]
    assert pod_display(pod)[2] == "SchedulingGated"
    assert not [e for e in cluster.events(name="test-pod") if e["reason"] == "FailedScheduling"]
    pod["spec"]["schedulingGates"] = []
    cluster.replace(pod)
    cluster.settle()
    pod = cluster.get("pod", "test-pod")
    assert pod["spec"].get("nodeName") and pod["status"]["phase"] == "Running"
    scheduled = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    assert scheduled["status"] == "True" and "reason" not in scheduled


def test_a_scheduling_gate_cannot_be_added(cluster):
    """validateOnlyDeletedSchedulingGates (pkg/apis/core/validation): only deletion is allowed."""
    cluster.create(GATED)
    pod = cluster.get("pod", "test-pod")
    pod["spec"]["schedulingGates"].append({"name": "example.com/baz"})
    with pytest.raises(ApiError) as refused:
        cluster.replace(pod)
    assert (
        "spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/baz'"
        in str(refused.value)
    )


def test_the_bash_image_runs_its_script_and_exits():
    """content/en/examples/application/job/indexed-job.yaml's init container runs
    `docker.io/library/bash` with `bash -c '...'`: the shell image is a tool, not a server, so the
    script runs to its end (the init container completes) instead of running forever."""
    script = "items=(foo bar baz qux xyz)\necho ${items[$JOB_COMPLETION_INDEX]} > /input/data.txt\n"
    done = images.behaviour("docker.io/library/bash", ["bash", "-c", script], None)
    assert (done.seconds, done.exit_code) == (0, 0)


# From content/en/examples/application/job/indexed-job.yaml ("Indexed Job for Parallel
# Processing with Static Work Assignment").
INDEXED_JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: indexed-job}
spec:
  completions: 5
  parallelism: 3
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: input
        image: docker.io/library/bash
        command: [bash, -c, "items=(foo bar baz qux xyz)\\necho ${items[$JOB_COMPLETION_INDEX]} > /input/data.txt\\n"]
        volumeMounts: [{mountPath: /input, name: input}]
      containers:
      - name: worker
        image: docker.io/library/busybox
        command: [rev, /input/data.txt]
        volumeMounts: [{mountPath: /input, name: input}]
      volumes: [{name: input, emptyDir: {}}]
"""


def test_the_indexed_job_runs_each_index_once(cluster):
    """The page's `kubectl describe jobs/indexed-job` shows `Completed Indexes: 0-4` and pods named
    indexed-job-<index>-<suffix>; each pod carries its index (annotation and label
    batch.kubernetes.io/job-completion-index), hostname indexed-job-<index> and the
    JOB_COMPLETION_INDEX variable (addCompletionIndexEnvVariable, podGenerateNameWithIndex in
    pkg/controller/job/indexed_job_utils.go)."""
    cluster.apply(INDEXED_JOB)
    cluster.step()
    first = [p for p in cluster.list("pod", "default")]
    assert sorted(p["metadata"]["annotations"][INDEX] for p in first) == ["0", "1", "2"]
    pod = next(p for p in first if p["metadata"]["labels"][INDEX] == "1")
    assert pod["metadata"]["name"].startswith("indexed-job-1-")
    assert pod["spec"]["hostname"] == "indexed-job-1"
    for container in pod["spec"]["initContainers"] + pod["spec"]["containers"]:
        assert {
            "name": "JOB_COMPLETION_INDEX",
            "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{INDEX}']"}},
        } in container["env"]
    cluster.settle()
    job = cluster.get("job", "indexed-job")
    assert job["status"]["completedIndexes"] == "0-4"
    assert job["status"]["succeeded"] == 5
    assert any(c["type"] == "Complete" and c["status"] == "True" for c in job["status"]["conditions"])
    indexes = sorted(p["metadata"]["labels"][INDEX] for p in cluster.list("pod", "default"))
    assert indexes == ["0", "1", "2", "3", "4"]


INDEX = "batch.kubernetes.io/job-completion-index"


# From content/en/examples/pods/probe/exec-liveness.yaml ("Configure Liveness, Readiness and
# Startup Probes").
LIVENESS_EXEC = """\
apiVersion: v1
kind: Pod
metadata:
  labels: {test: liveness}
  name: liveness-exec
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/busybox:1.27.2
    args: [/bin/sh, -c, "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"]
    livenessProbe:
      exec:
        command: [cat, /tmp/healthy]
      initialDelaySeconds: 5
      periodSeconds: 5
"""


def test_the_liveness_exec_example_restarts_once_the_file_is_gone(cluster):
    """The page: for the first 30 seconds /tmp/healthy exists and the probe succeeds; after
    35 seconds the events show `Liveness probe failed: cat: can't open '/tmp/healthy': No such
    file or directory`, then the kubelet kills and restarts the container (RESTARTS 1)."""
    cluster.apply(LIVENESS_EXEC)
    cluster.advance(25)
    assert not [e for e in cluster.events(name="liveness-exec") if e["reason"] == "Unhealthy"]
    status = cluster.get("pod", "liveness-exec")["status"]["containerStatuses"][0]
    assert status["restartCount"] == 0 and "running" in status["state"]
    cluster.advance(50)
    unhealthy = [e["message"] for e in cluster.events(name="liveness-exec") if e["reason"] == "Unhealthy"]
    assert unhealthy and unhealthy[0] == (
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"
    )
    assert cluster.get("pod", "liveness-exec")["status"]["containerStatuses"][0]["restartCount"] >= 1


def test_a_script_that_keeps_the_file_keeps_the_probe_passing():
    """No `rm` of the probed file: the probe keeps passing (None: never starts failing)."""
    probe = {"exec": {"command": ["cat", "/tmp/healthy"]}}
    assert images.exec_probe_fails_from(probe, ["sh", "-c", "touch /tmp/healthy; sleep 600"], None) is None
    late = images.exec_probe_fails_from(
        probe, None, ["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"]
    )
    assert late == 30


# From content/en/examples/controllers/job-pod-failure-policy-example.yaml ("Handling retriable
# and non-retriable pod failures with Pod failure policy").
FAILJOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: job-pod-failure-policy-example}
spec:
  completions: 12
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: docker.io/library/bash:5
        command: ["bash"]
        args: [-c, 'echo "Hello world!" && sleep 5 && exit 42']
  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {containerName: main, operator: In, values: [42]}
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget, status: "True"}]
"""


def test_a_fail_job_rule_fails_the_job_at_the_first_matching_exit(cluster):
    """The page: after about 30 seconds the Job is Failed with reason PodFailurePolicy and the
    message `Container main for pod default/<pod> failed with exit code 42 matching FailJob rule
    at index 0` (matchPodFailurePolicy, pkg/controller/job/pod_failure_policy.go), without
    retrying up to backoffLimit."""
    cluster.apply(FAILJOB)
    cluster.settle()
    job = cluster.get("job", "job-pod-failure-policy-example")
    failed = next(c for c in job["status"]["conditions"] if c["type"] == "Failed")
    assert failed["reason"] == "PodFailurePolicy"
    assert failed["message"].startswith("Container main for pod default/job-pod-failure-policy-example-")
    assert failed["message"].endswith(" failed with exit code 42 matching FailJob rule at index 0")
    assert job["status"].get("failed", 0) <= 3  # the first three pods, not backoffLimit's seven


def test_a_claim_with_a_malformed_storage_quantity_is_a_bad_request(cluster):
    """A claim (content/en/examples/admin/resource/quota-objects-pvc-2.yaml, its size mistyped)
    whose storage is not a quantity is refused by the decoder with a 400, as for a pod's
    resources; it was stored, and a ResourceQuota on claims then made the next create a 500."""
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "pvc-quota-demo-2"},
        "spec": {
            "storageClassName": "manual",
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "4Gi-2"}},
        },
    }
    with pytest.raises(ApiError) as refused:
        cluster.api.create(claim, "default")
    assert refused.value.code == 400
    assert "quantities must match the regular expression" in refused.value.message

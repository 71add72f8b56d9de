"""DaemonSets, StatefulSets, Jobs, CronJobs and storage, as upstream documents them."""

import pytest

from playground.engine import ApiError

from .conftest import pod

DS = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "quay.io/prometheus/node-exporter:v1.8.2"}]
"""

STS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: postgres
          image: postgres:16
          volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
"""


def job(name="once", command="echo done", backoff=6, extra=""):
    return f"""
apiVersion: batch/v1
kind: Job
metadata: {{name: {name}}}
spec:
  backoffLimit: {backoff}{extra}
  template:
    spec:
      restartPolicy: Never
      containers: [{{name: main, image: "busybox:1.36", command: ["sh", "-c", "{command}"]}}]
"""


def test_a_daemonset_runs_one_pod_per_node_and_follows_new_nodes(cluster):
    cluster.apply(DS)
    cluster.settle()
    pods = cluster.list("pods", namespace="kube-system", label_selector="app=agent")
    # The control-plane node is tainted; a plain DaemonSet does not tolerate it.
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["worker-1", "worker-2", "worker-3"]
    status = cluster.get("ds", "agent", "kube-system")["status"]
    assert (status["desiredNumberScheduled"], status["currentNumberScheduled"], status["numberReady"]) == (
        3,
        3,
        3,
    )
    cluster.add_node("worker-4")
    cluster.settle()
    assert len(cluster.list("pods", namespace="kube-system", label_selector="app=agent")) == 4
    # Survives a drain with --ignore-daemonsets.
    result = cluster.drain("worker-1", ignore_daemonsets=True)
    assert result["drained"] and any(
        w.startswith("ignoring DaemonSet-managed Pods: ") and "kube-system/agent-" in w
        for w in result["warnings"]
    )
    assert cluster.drain("worker-2")["errors"][0].startswith(
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
    )


def test_a_daemonset_rolls_a_new_image_node_by_node(cluster):
    cluster.apply(DS)
    cluster.settle()
    cluster.set_image(
        "daemonset", "agent", {"agent": "quay.io/prometheus/node-exporter:v1.9.0"}, namespace="kube-system"
    )
    cluster.settle()
    images = {
        p["spec"]["containers"][0]["image"]
        for p in cluster.list("pods", namespace="kube-system", label_selector="app=agent")
    }
    assert images == {"quay.io/prometheus/node-exporter:v1.9.0"}
    assert cluster.get("ds", "agent", "kube-system")["status"]["updatedNumberScheduled"] == 3


def test_a_statefulset_creates_in_order_with_stable_names_and_claims(cluster):
    cluster.apply(STS)
    cluster.step()  # the controller creates db-0 first, and waits for it
    cluster.advance(1)
    assert [p["metadata"]["name"] for p in cluster.list("pods", namespace="default")] == ["db-0"]
    cluster.settle()
    pods = cluster.list("pods", namespace="default")
    assert [p["metadata"]["name"] for p in pods] == ["db-0", "db-1", "db-2"]
    assert pods[1]["spec"]["hostname"] == "db-1" and pods[1]["spec"]["subdomain"] == "db"
    claims = cluster.list("pvc", namespace="default")
    assert [c["metadata"]["name"] for c in claims] == ["data-db-0", "data-db-1", "data-db-2"]
    assert all(c["status"]["phase"] == "Bound" for c in claims)
    created = [e["message"] for e in cluster.events(kind="StatefulSet") if e["reason"] == "SuccessfulCreate"]
    assert created[:2] == [
        "create Claim data-db-0 Pod db-0 in StatefulSet db success",
        "create Pod db-0 in StatefulSet db successful",
    ]


def test_a_statefulset_scaled_down_and_up_keeps_its_claims(cluster):
    cluster.apply(STS)
    cluster.settle()
    volume = cluster.get("pvc", "data-db-2")["spec"]["volumeName"]
    cluster.scale("statefulset", "db", 1)
    cluster.settle()
    assert [p["metadata"]["name"] for p in cluster.list("pods", namespace="default")] == ["db-0"]
    assert len(cluster.list("pvc", namespace="default")) == 3  # claims outlive the pods
    cluster.scale("statefulset", "db", 3)
    cluster.settle()
    assert cluster.get("pvc", "data-db-2")["spec"]["volumeName"] == volume
    assert cluster.get("sts", "db")["status"]["readyReplicas"] == 3


def test_a_statefulset_rolls_in_reverse_ordinal_order_down_to_the_partition(cluster):
    cluster.apply(
        STS.replace(
            "replicas: 3",
            "replicas: 3\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}",
        )
    )
    cluster.settle()
    cluster.set_image("statefulset", "db", {"postgres": "postgres:17"})
    order = []
    for _ in range(3000):
        record = cluster.step()
        if record is None:
            break
        if record.get("controller") == "statefulset" and "updating" in record["message"]:
            order.append(record["message"].split("updating ")[1].split(" ")[0])
    assert order == ["db-2", "db-1"]
    images = {
        p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
        for p in cluster.list("pods", namespace="default")
    }
    assert images == {"db-0": "postgres:16", "db-1": "postgres:17", "db-2": "postgres:17"}


def test_a_job_completes(cluster):
    cluster.apply(job())
    cluster.settle()
    done = cluster.get("job", "once")
    assert done["status"]["succeeded"] == 1
    assert [c["type"] for c in done["status"]["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert done["spec"]["selector"]["matchLabels"] == {
        "batch.kubernetes.io/controller-uid": done["metadata"]["uid"]
    }
    [p] = cluster.list("pods", namespace="default", label_selector="job-name=once")
    assert p["status"]["phase"] == "Succeeded"
    assert [e["reason"] for e in cluster.events(kind="Job")] == ["SuccessfulCreate", "Completed"]


def test_a_job_that_fails_past_its_backoff_limit(cluster):
    cluster.apply(job("flaky", command="exit 1", backoff=2))
    cluster.settle(timeout=600)
    failed = cluster.get("job", "flaky")
    condition = failed["status"]["conditions"][-1]
    assert (condition["type"], condition["reason"], condition["message"]) == (
        "Failed",
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    )
    assert failed["status"]["failed"] == 3
    assert any(
        e["reason"] == "BackoffLimitExceeded" and e["type"] == "Warning" for e in cluster.events(kind="Job")
    )


def test_a_job_past_its_active_deadline(cluster):
    cluster.apply(job("slow", command="sleep 600", extra="\n  activeDeadlineSeconds: 30"))
    cluster.settle(timeout=120)
    condition = cluster.get("job", "slow")["status"]["conditions"][-1]
    assert (condition["reason"], condition["message"]) == (
        "DeadlineExceeded",
        "Job was active longer than specified deadline",
    )


def test_a_finished_job_is_deleted_after_its_ttl(cluster):
    cluster.apply(job(extra="\n  ttlSecondsAfterFinished: 60"))
    cluster.settle(timeout=30)
    assert cluster.get("job", "once")
    cluster.advance(120)
    with pytest.raises(ApiError):
        cluster.get("job", "once")


def test_job_restart_policy_must_not_be_always(cluster):
    with pytest.raises(ApiError) as error:
        cluster.apply(job().replace("restartPolicy: Never", "restartPolicy: Always"))
    assert (
        'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'
        in error.value.message
    )


def test_a_cronjob_runs_on_schedule_and_keeps_its_history(cluster):
    cluster.apply("""
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "*/5 * * * *"
  successfulJobsHistoryLimit: 2
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: main, image: "busybox:1.36", command: ["sh", "-c", "echo report"]}]
""")
    cluster.advance(60 * 21)
    jobs = cluster.list("jobs", namespace="default")
    assert len(jobs) == 2
    assert all(j["metadata"]["name"].startswith("report-") for j in jobs)
    status = cluster.get("cronjob", "report")["status"]
    assert status["lastScheduleTime"].endswith(":20:00Z") and "lastSuccessfulTime" in status
    reasons = {e["reason"] for e in cluster.events(kind="CronJob")}
    assert {"SuccessfulCreate", "SawCompletedJob", "SuccessfulDelete"} <= reasons


def test_a_suspended_cronjob_does_nothing(cluster):
    cluster.apply("""
apiVersion: batch/v1
kind: CronJob
metadata: {name: paused}
spec:
  schedule: "@hourly"
  suspend: true
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: "busybox:1.36"}]}}}}
""")
    cluster.advance(7200)
    assert cluster.list("jobs", namespace="default") == []


def test_an_invalid_schedule_is_refused(cluster):
    with pytest.raises(ApiError) as error:
        cluster.apply(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: bad}\nspec: {schedule: '* * *', jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: busybox}]}}}}}\n"
        )
    assert (
        'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: * * *'
        in error.value.message
    )


CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 5Gi}}
"""


def test_a_claim_is_provisioned_from_the_default_class_and_bound(cluster):
    cluster.apply(CLAIM)
    cluster.settle()
    claim = cluster.get("pvc", "data")
    assert claim["status"]["phase"] == "Bound" and claim["spec"]["storageClassName"] == "standard"
    volume = cluster.get("pv", claim["spec"]["volumeName"])
    assert volume["spec"]["csi"]["driver"] == "csi.vsphere.vmware.com"
    assert volume["spec"]["csi"]["volumeAttributes"]["storagepolicyname"] == "vSAN Default Storage Policy"
    assert volume["spec"]["capacity"] == {"storage": "5Gi"} and volume["status"]["phase"] == "Bound"
    reasons = [e["reason"] for e in cluster.events(kind="PersistentVolumeClaim")]
    assert "ProvisioningSucceeded" in reasons
    cluster.delete("pvc", "data")
    cluster.settle()
    with pytest.raises(ApiError):
        cluster.get("pv", claim["spec"]["volumeName"])  # reclaim policy Delete


def test_wait_for_first_consumer_binds_where_the_pod_lands(cluster):
    cluster.apply(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: late}\nprovisioner: csi.vsphere.vmware.com\nvolumeBindingMode: WaitForFirstConsumer\n"
    )
    cluster.apply(CLAIM.replace("resources:", "storageClassName: late\n  resources:"))
    cluster.settle()
    assert cluster.get("pvc", "data")["status"]["phase"] == "Pending"
    assert [e["reason"] for e in cluster.events(kind="PersistentVolumeClaim")][-1] == "WaitForFirstConsumer"
    cluster.create(
        pod(
            "user",
            volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
            containers=[
                {"name": "main", "image": "nginx:1.27", "volumeMounts": [{"name": "d", "mountPath": "/data"}]}
            ],
        )
    )
    cluster.settle()
    claim = cluster.get("pvc", "data")
    assert claim["status"]["phase"] == "Bound"
    assert (
        claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"]
        == cluster.get("pod", "user")["spec"]["nodeName"]
    )
    assert cluster.get("pod", "user")["status"]["phase"] == "Running"


def test_a_pod_with_a_missing_claim_stays_pending(cluster):
    cluster.create(pod("orphan", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "nope"}}]))
    cluster.settle()
    condition = [
        c for c in cluster.get("pod", "orphan")["status"]["conditions"] if c["type"] == "PodScheduled"
    ][0]
    assert condition["message"] == (
        '0/4 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/4 nodes are available: '
        "4 Preemption is not helpful for scheduling.."
    )


def test_read_write_once_on_two_nodes_is_a_multi_attach_error(cluster):
    cluster.apply(CLAIM)
    cluster.settle()
    mount = {"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}
    cluster.create(pod("first", nodeName="worker-1", **mount))
    cluster.settle()
    cluster.create(pod("second", nodeName="worker-2", **mount))
    cluster.settle()
    second = cluster.get("pod", "second")
    assert second["status"]["phase"] == "Pending"
    [event] = [e for e in cluster.events(name="second") if e["reason"] == "FailedAttachVolume"]
    volume = cluster.get("pvc", "data")["spec"]["volumeName"]
    assert (
        event["message"] == f'Multi-Attach error for volume "{volume}" Volume is already used by pod(s) first'
    )
    cluster.delete("pod", "first", grace_period_seconds=0)
    cluster.settle()
    assert cluster.get("pod", "second")["status"]["phase"] == "Running"


def test_a_missing_configmap_volume_fails_to_mount(cluster):
    cluster.create(
        pod(
            "cfg",
            volumes=[{"name": "settings", "configMap": {"name": "app-settings"}}],
            containers=[
                {
                    "name": "main",
                    "image": "nginx:1.27",
                    "volumeMounts": [{"name": "settings", "mountPath": "/etc/app"}],
                }
            ],
        )
    )
    cluster.settle()
    [event] = [e for e in cluster.events(name="cfg") if e["reason"] == "FailedMount"]
    assert (
        event["message"]
        == 'MountVolume.SetUp failed for volume "settings" : configmap "app-settings" not found'
    )
    cluster.apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-settings"}, "data": {"a": "b"}}
    )
    cluster.settle()
    assert cluster.get("pod", "cfg")["status"]["phase"] == "Running"


def test_an_on_failure_job_fails_when_its_restarts_reach_the_backoff_limit(cluster):
    """``pastBackoffLimitOnFailure`` (pkg/controller/job/job_controller.go): with
    ``restartPolicy: OnFailure`` the sum of the pod's container restarts reaching
    ``backoffLimit`` fails the Job; the deleted pod counts once in ``status.failed``
    (``isPodFailed``), and ``newFailureCondition`` writes FailureTarget before Failed."""
    cluster.apply(
        job("flaky", command="exit 1", backoff=2).replace("restartPolicy: Never", "restartPolicy: OnFailure")
    )
    restarts_seen = []
    for _ in range(120):
        cluster.advance(1)
        conditions = cluster.get("job", "flaky")["status"].get("conditions") or []
        if conditions:
            break
        [p] = cluster.list("pods", namespace="default", label_selector="job-name=flaky")
        restarts_seen.append(p["status"]["containerStatuses"][0]["restartCount"])
    assert max(restarts_seen) == 1  # the Job failed as the second restart was counted
    cluster.settle(timeout=120)
    status = cluster.get("job", "flaky")["status"]
    assert [(c["type"], c["reason"], c["message"]) for c in status["conditions"]] == [
        ("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    ]
    assert status["failed"] == 1 and "active" not in status
    assert cluster.list("pods", namespace="default", label_selector="job-name=flaky") == []


def test_a_failing_job_waits_for_its_pods_to_terminate_before_failed(cluster):
    """The 1.31+ delayed terminal condition (``delayTerminalCondition``): FailureTarget
    as soon as the deadline passes and the pods are deleted (counted as failed), Failed
    once they have terminated (a shell ignoring SIGTERM takes its 30 s grace period)."""
    from playground import console

    cluster.apply(job("slow", command="sleep 600", extra="\n  activeDeadlineSeconds: 30"))
    cluster.advance(32)
    status = cluster.get("job", "slow")["status"]
    assert [c["type"] for c in status["conditions"]] == ["FailureTarget"]
    # printJob's STATUS column names the interim condition.
    assert (
        console.run(cluster, console.parse("kubectl get job slow")).splitlines()[1].split()[1]
        == "FailureTarget"
    )
    assert (status["failed"], status["terminating"], status.get("active")) == (1, 1, None)
    cluster.advance(40)
    status = cluster.get("job", "slow")["status"]
    assert [(c["type"], c["reason"]) for c in status["conditions"]] == [
        ("FailureTarget", "DeadlineExceeded"),
        ("Failed", "DeadlineExceeded"),
    ]
    assert (status["failed"], status["terminating"]) == (1, 0)
    assert console.run(cluster, console.parse("kubectl get job slow")).splitlines()[1].split()[1] == "Failed"

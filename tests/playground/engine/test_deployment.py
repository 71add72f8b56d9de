import pytest

from playground.engine import ApiError, Cluster

from .conftest import deployment


def replicasets(cluster, name="web"):
    d = cluster.get("deploy", name)
    result = []
    for rs in cluster.list("rs", namespace="default"):
        if rs["metadata"]["ownerReferences"][0]["uid"] == d["metadata"]["uid"]:
            result.append(rs)
    return sorted(
        result, key=lambda rs: int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    )


def test_a_deployment_creates_a_hashed_replicaset_and_reports_status(cluster):
    cluster.apply(deployment())
    cluster.settle()
    [rs] = replicasets(cluster)
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
        "deployment.kubernetes.io/revision": "1",
    }
    d = cluster.get("deploy", "web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    status = d["status"]
    assert {
        k: status[k]
        for k in ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
    } == {
        "observedGeneration": 1,
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
    }
    conditions = {c["type"]: (c["status"], c["reason"], c["message"]) for c in status["conditions"]}
    assert conditions == {
        "Available": ("True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        "Progressing": (
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.',
        ),
    }
    assert [e["message"] for e in cluster.events(kind="Deployment")] == [
        f"Scaled up replica set {rs['metadata']['name']} from 0 to 3"
    ]


def test_a_rolling_update_respects_max_surge_and_max_unavailable(cluster):
    cluster.apply(deployment(replicas=4))
    cluster.settle()
    cluster.set_image("deployment", "web", {"main": "nginx:1.28"})
    # Step through the rollout and check the invariants at every point.
    while (
        cluster.pending() or cluster.next_timer() is not None and cluster.next_timer() < cluster.clock + 300
    ):
        cluster.step()
        rss = replicasets(cluster)
        total = sum(rs["spec"]["replicas"] for rs in rss)
        assert total <= 4 + 1  # maxSurge 25% of 4 rounds up to 1
        available = sum(
            p["status"].get("phase") == "Running"
            and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
            for p in cluster.list("pods", namespace="default", label_selector="app=web")
            if not p["metadata"].get("deletionTimestamp")
        )
        assert available >= 4 - 1  # maxUnavailable 25% of 4 rounds down to 1
    old, new = replicasets(cluster)
    assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (0, 4)
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    images = {
        p["spec"]["containers"][0]["image"]
        for p in cluster.list("pods", namespace="default", label_selector="app=web")
    }
    assert images == {"nginx:1.28"}


def test_recreate_removes_old_pods_before_starting_new_ones(cluster):
    cluster.apply(deployment(extra_spec="\n  strategy: {type: Recreate}"))
    cluster.settle()
    cluster.set_image("deployment", "web", {"main": "nginx:1.28"})
    seen_mixed = False
    for _ in range(2000):
        if cluster.step() is None:
            break
        images = {
            p["spec"]["containers"][0]["image"]
            for p in cluster.list("pods", namespace="default", label_selector="app=web")
        }
        seen_mixed |= images == {"nginx:1.27", "nginx:1.28"}
    assert not seen_mixed
    assert [rs["spec"]["replicas"] for rs in replicasets(cluster)] == [0, 3]


def test_rollback_to_the_previous_and_to_a_given_revision(cluster):
    cluster.apply(deployment())
    cluster.settle()
    cluster.set_image("deployment", "web", {"main": "nginx:1.28"})
    cluster.settle()
    cluster.set_image("deployment", "web", {"main": "nginx:1.29"})
    cluster.settle()
    result = cluster.rollout_undo("deployment", "web")
    cluster.settle()
    assert result["revision"] == 2
    assert cluster.get("deploy", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    history = [h["revision"] for h in cluster.rollout_history("deployment", "web")]
    assert history == [1, 3, 4]  # revision 2 came back as 4
    cluster.rollout_undo("deployment", "web", to_revision=1)
    cluster.settle()
    assert cluster.get("deploy", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    with pytest.raises(ApiError, match="unable to find specified revision 9 in history"):
        cluster.rollout_undo("deployment", "web", to_revision=9)


def test_revision_history_limit_prunes_old_replicasets(cluster):
    cluster.apply(deployment(extra_spec="\n  revisionHistoryLimit: 2"))
    cluster.settle()
    for tag in ("1.28", "1.29", "1.30", "1.31"):
        cluster.set_image("deployment", "web", {"main": f"nginx:{tag}"})
        cluster.settle()
    assert [
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in replicasets(cluster)
    ] == ["3", "4", "5"]


def test_pause_holds_a_rollout_and_resume_continues_it(cluster):
    cluster.apply(deployment())
    cluster.settle()
    cluster.rollout_pause("deployment", "web")
    cluster.set_image("deployment", "web", {"main": "nginx:1.28"})
    cluster.settle()
    assert len(replicasets(cluster)) == 1
    progressing = [
        c for c in cluster.get("deploy", "web")["status"]["conditions"] if c["type"] == "Progressing"
    ][0]
    assert (progressing["status"], progressing["reason"]) == ("Unknown", "DeploymentPaused")
    cluster.rollout_resume("deployment", "web")
    cluster.settle()
    assert [rs["spec"]["replicas"] for rs in replicasets(cluster)] == [0, 3]


def test_rollout_restart_changes_the_template(cluster):
    cluster.apply(deployment())
    cluster.settle()
    cluster.rollout_restart("deployment", "web")
    cluster.settle()
    restarted = cluster.get("deploy", "web")["spec"]["template"]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in restarted
    assert [rs["spec"]["replicas"] for rs in replicasets(cluster)] == [0, 3]


def test_a_rollout_that_cannot_progress_exceeds_its_deadline(cluster):
    cluster.apply(deployment(extra_spec="\n  progressDeadlineSeconds: 60"))
    cluster.settle()
    cluster.set_image("deployment", "web", {"main": "nginx:doesnotexist"})
    cluster.advance(120)
    progressing = [
        c for c in cluster.get("deploy", "web")["status"]["conditions"] if c["type"] == "Progressing"
    ][0]
    new_rs = replicasets(cluster)[-1]["metadata"]["name"]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False",
        "ProgressDeadlineExceeded",
        f'ReplicaSet "{new_rs}" has timed out progressing.',
    )
    # The old pods kept serving: maxUnavailable held.
    assert cluster.get("deploy", "web")["status"]["availableReplicas"] >= 2


def test_invalid_strategy_values():
    cluster = Cluster.new()
    with pytest.raises(ApiError) as error:
        cluster.apply(
            deployment(extra_spec="\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}")
        )
    assert error.value.message == (
        'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: '
        "may not be 0 when `maxSurge` is 0"
    )


DRY_RUN_MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels: {app: x}
  name: x
spec:
  replicas: 1
  selector: {matchLabels: {app: x}}
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels: {app: x}
    spec:
      containers:
      - image: nginx
        name: nginx
        resources: {}
status: {}
"""


def test_creation_timestamp_null_in_a_template_is_the_zero_time_and_dropped(cluster):
    """metav1.Time.UnmarshalJSON (apimachinery pkg/apis/meta/v1/time.go) decodes JSON null
    as the zero time, which the stored template does not keep: the manifest
    ``kubectl create deployment x --image=nginx --dry-run=client -o yaml`` writes and the
    same manifest without that line are one template (one pod-template-hash, in
    ``controller.ComputeHash``), so re-applying it starts no rollout, and
    ``rollout undo`` (``rollbackToTemplate``/``getNewReplicaSet`` in
    pkg/controller/deployment) reuses revision 1's ReplicaSet, which becomes revision 3."""
    from playground import console

    cluster.apply(DRY_RUN_MANIFEST)
    cluster.settle()
    [first] = replicasets(cluster, "x")
    assert "creationTimestamp" not in cluster.get("deploy", "x")["spec"]["template"]["metadata"]
    cluster.apply(DRY_RUN_MANIFEST.replace("      creationTimestamp: null\n", ""))
    cluster.settle()
    assert [rs["metadata"]["name"] for rs in replicasets(cluster, "x")] == [first["metadata"]["name"]]
    cluster.apply(DRY_RUN_MANIFEST.replace("image: nginx", "image: nginx:1.27"))
    cluster.settle()
    assert (
        console.run(cluster, console.parse("kubectl rollout undo deployment/x"))
        == "deployment.apps/x rolled back\n"
    )
    cluster.settle()
    history = console.run(cluster, console.parse("kubectl rollout history deployment/x"))
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]
    by_revision = {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
        for rs in replicasets(cluster, "x")
    }
    assert by_revision["3"]["metadata"]["name"] == first["metadata"]["name"]
    assert by_revision["3"]["spec"]["replicas"] == 1 and by_revision["2"]["spec"]["replicas"] == 0
    describe = console.run(cluster, console.parse("kubectl describe deployment x"))
    assert f"NewReplicaSet:   {first['metadata']['name']} (1/1 replicas created)" in describe


def test_a_rollback_is_paced_like_a_rollout(cluster):
    """``rollout undo`` writes revision 1's template back (``rollbackToTemplate``), and the
    controller rolls to it as to any template (``rolloutRolling``: maxSurge 25% and
    maxUnavailable 25% of 4 is one pod each way), each step waiting for pods to be Ready.
    The image is already on the nodes, but a new pod still takes its sandbox's start
    (kubelet ``START_SECONDS``), so the rollback is a sequence of steps, not a swap."""
    cluster.apply(deployment(replicas=4))
    cluster.settle()
    cluster.set_image("deployment", "web", {"main": "nginx:1.28"})
    cluster.settle()
    cluster.rollout_undo("deployment", "web")
    samples = []
    for _ in range(24):
        cluster.advance(0.25)
        by_revision = {
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
            for rs in replicasets(cluster)
        }
        old, new = by_revision["2"], by_revision["3"]
        samples.append(
            (
                old["spec"]["replicas"],
                new["spec"]["replicas"],
                (new.get("status") or {}).get("readyReplicas", 0),
            )
        )
    assert samples[0] == (3, 2, 0)  # one surged and one unavailable, nothing ready yet
    assert any(old > 0 and 0 < ready < 4 for old, _, ready in samples)  # old and new side by side
    assert all(old + new <= 5 for old, new, _ in samples)  # never past maxSurge
    assert samples[-1] == (0, 4, 4)

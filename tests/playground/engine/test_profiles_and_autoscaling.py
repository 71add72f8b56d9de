import pytest

from playground.engine import ApiError, Cluster

from .conftest import deployment


def test_unknown_profiles_are_named():
    with pytest.raises(
        ValueError, match="unknown cluster profile 'nope'; known profiles: default, minimal, vsphere, zones"
    ):
        Cluster.new("nope")


def test_the_zones_profile_spreads_workers_across_three_zones():
    cluster = Cluster.new("zones")
    zones = [n["metadata"]["labels"].get("topology.kubernetes.io/zone") for n in cluster.list("nodes")]
    assert sorted(z for z in zones if z) == ["zone-a", "zone-a", "zone-b", "zone-b", "zone-c", "zone-c"]
    spread = """
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}"""
    cluster.apply(deployment(replicas=6, pod_extra=spread))
    cluster.settle()
    nodes = {
        n["metadata"]["name"]: n["metadata"]["labels"].get("topology.kubernetes.io/zone")
        for n in cluster.list("nodes")
    }
    per_zone = {}
    for p in cluster.list("pods", namespace="default"):
        zone = nodes[p["spec"]["nodeName"]]
        per_zone[zone] = per_zone.get(zone, 0) + 1
    assert per_zone == {"zone-a": 2, "zone-b": 2, "zone-c": 2}


def test_the_vsphere_profile_has_esxi_hosts_and_a_vsphere_namespace():
    cluster = Cluster.new("vsphere")
    nodes = {n["metadata"]["name"]: n for n in cluster.list("nodes")}
    assert sorted(nodes) == ["esx-01", "esx-02", "esx-03", "supervisor-control-plane"]
    assert nodes["esx-02"]["status"]["nodeInfo"]["osImage"] == "VMware ESXi 8.0.3"
    assert nodes["esx-02"]["status"]["nodeInfo"]["kubeletVersion"].startswith("v1.37.1-sph-")
    # A vSphere Namespace's quota holds storage per StorageClass; CPU and memory limits are on its resource pool.
    hard = cluster.get("quota", "dev-team-storagequota", "dev-team")["spec"]["hard"]
    assert hard == {
        "requests.storage": "200Gi",
        "vsan-default-storage-policy.storageclass.storage.k8s.io/requests.storage": "200Gi",
    }
    assert cluster.get("rolebinding", "dev-team-edit", "dev-team")["roleRef"]["name"] == "edit"
    assert cluster.get("sc", "vsan-default-storage-policy")["provisioner"] == "csi.vsphere.vmware.com"


def test_ncp_builds_a_network_when_a_namespace_is_created():
    cluster = Cluster.new("vsphere")
    cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: finance}\n")
    cluster.step()  # the namespace controller, serviceaccount controller and NCP each see the new namespace
    cluster.settle()
    annotations = cluster.get("ns", "finance")["metadata"]["annotations"]
    subnet = annotations["ncp/subnet"]
    assert subnet.startswith("10.244.") and subnet.endswith(".0/24")
    assert annotations["ncp/router"].startswith("t1-finance-") and annotations["ncp/segment"].startswith(
        "seg-finance-"
    )
    assert annotations["ncp/snat_ip"].startswith("10.30.10.")
    reasons = [e["reason"] for e in cluster.events(kind="Namespace", name="finance")]
    assert reasons == [
        "SubnetAllocated",
        "SegmentCreated",
        "Tier1RouterCreated",
        "RouterPortCreated",
        "SNATRuleCreated",
        "LoadBalancerCreated",
    ]
    cluster.apply(deployment(replicas=2), namespace="finance")
    cluster.settle()
    prefix = subnet.rsplit(".", 2)[0]
    assert all(
        p["status"]["podIP"].startswith(prefix + ".") for p in cluster.list("pods", namespace="finance")
    )


def test_the_autoscaler_follows_cpu_load_with_upstreams_formula(cluster):
    cluster.apply(deployment(replicas=2, cpu="200m"))
    cluster.apply("""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
""")
    cluster.settle(timeout=30)
    cluster.set_cpu_load("deployment", "web", 400)  # 200m per pod = 100% of requests
    cluster.advance(20)
    hpa = cluster.get("hpa", "web")
    assert hpa["status"]["desiredReplicas"] == 4  # ceil(2 * 100 / 50)
    [event] = [
        e for e in cluster.events(kind="HorizontalPodAutoscaler") if e["reason"] == "SuccessfulRescale"
    ]
    assert (
        event["message"]
        == "New size: 4; reason: cpu resource utilization (percentage of request) above target"
    )
    cluster.set_cpu_load("deployment", "web", 10_000)
    cluster.advance(60)
    hpa = cluster.get("hpa", "web")
    assert cluster.get("deploy", "web")["spec"]["replicas"] == 6
    limited = [c for c in hpa["status"]["conditions"] if c["type"] == "ScalingLimited"][0]
    assert (limited["status"], limited["reason"]) == ("True", "TooManyReplicas")
    cluster.set_cpu_load("deployment", "web", 100)
    cluster.advance(120)
    assert cluster.get("deploy", "web")["spec"]["replicas"] == 6  # the scale-down window holds
    cluster.advance(300)
    assert cluster.get("deploy", "web")["spec"]["replicas"] == 2


def test_the_autoscaler_needs_cpu_requests(cluster):
    cluster.apply(deployment(replicas=2))
    cluster.apply(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 4}\n"
    )
    cluster.settle(timeout=30)
    active = [c for c in cluster.get("hpa", "web")["status"]["conditions"] if c["type"] == "ScalingActive"][0]
    assert active["reason"] == "FailedGetResourceMetric"
    assert 'missing request for cpu in container "main" of Pod "web-' in active["message"]


def test_pod_metrics_for_kubectl_top(cluster):
    cluster.apply(deployment(replicas=2, cpu="200m"))
    cluster.settle()
    cluster.set_cpu_load("deployment", "web", 300)
    metrics = cluster.pod_metrics("default")
    assert len(metrics) == 2 and all(m["containers"][0]["usage"]["cpu"] == "150000000n" for m in metrics)


def test_rbac_objects_are_stored_and_validated(cluster):
    cluster.apply("""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods}
subjects: [{kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
""")
    assert cluster.get("rolebinding", "read-pods")["roleRef"]["name"] == "pod-reader"
    with pytest.raises(ApiError) as error:
        cluster.apply(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: bad}\nsubjects: [{kind: Robot, name: r}]\nroleRef: {kind: Role, name: x, apiGroup: rbac.authorization.k8s.io}\n"
        )
    assert (
        'subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"'
        in error.value.message
    )


def test_a_count_below_min_replicas_is_raised_first_and_says_so(cluster):
    """horizontal.go reconcileAutoscaler: below Spec.MinReplicas the count is raised to it
    before any metric is read, with that reason in the SuccessfulRescale event."""
    cluster.apply(deployment(replicas=1, cpu="200m"))
    cluster.apply("""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 6
""")
    cluster.settle(timeout=30)
    assert cluster.get("deployment", "web")["spec"]["replicas"] == 3
    messages = [
        e["message"]
        for e in cluster.events(kind="HorizontalPodAutoscaler")
        if e["reason"] == "SuccessfulRescale"
    ]
    assert messages == ["New size: 3; reason: Current number of replicas below Spec.MinReplicas"]

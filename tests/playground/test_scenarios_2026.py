"""The scenarios for the day-2 concept pairs (storage, capacity, hosts, upgrades, security,
operations, networking): each is applied to a fresh cluster of its profile, settled, its
actions run, and the state its summary points at is there."""

import ipaddress

import pytest

from playground.engine import Cluster
from playground.engine.errors import ApiError
from playground.scenarios import for_pair, run_actions, scenarios
from tests.playground.kubeapi.conftest import Kubectl, newest_kubectl
from tests.playground.kubeapi.conftest import api_server as api_server  # the live app, for the real kubectl

NEW = {
    "storage-day-2": ["vm-snapshots-volumesnapshots", "grow-disk-expand-pvc", "vsan-datastores-csi-driver"],
    "capacity": ["dpm-autoscaling", "hot-add-in-place-resize", "ha-admission-control-capacity"],
    "host-health": ["proactive-ha-node-conditions", "evc-node-features", "host-profiles-node-config"],
    "node-upgrade": ["vlcm-cluster-upgrades"],
    "security-baseline": [
        "vm-hardening-pod-security",
        "sso-oidc-vsphere-login",
        "vmca-cluster-pki",
        "vm-encryption-secrets-at-rest",
    ],
    "operations": [
        "alarms-prometheus-rules",
        "content-library-oci-registry",
        "linked-mode-kubeconfig-contexts",
        "srm-velero",
    ],
    "gateway-and-cni": ["nsx-lb-gateway-api", "distributed-switch-cni"],
}


def build(slug: str) -> Cluster:
    scenario = scenarios("en")[slug]
    cluster = Cluster.new(scenario.profile)
    cluster.apply(scenario.manifests)
    cluster.settle()
    run_actions(cluster, scenario.actions)
    return cluster


def pods(cluster, namespace="default", app=None) -> list[dict]:
    return [
        p
        for p in cluster.list("Pod", namespace)
        if app is None or (p["metadata"].get("labels") or {}).get("app") == app
    ]


def reasons(cluster, kind, name, namespace="default") -> list[str]:
    return [e["reason"] for e in cluster.events(namespace, kind, name)]


def condition(obj, kind) -> dict:
    return next(c for c in obj["status"]["conditions"] if c["type"] == kind)


@pytest.mark.parametrize("slug", sorted(NEW))
def test_each_new_pair_offers_its_scenario(slug):
    assert scenarios("en")[slug].steps
    for pair in NEW[slug]:
        assert for_pair(pair).slug == slug


def test_storage_day_2_snapshot_ready_and_restored():
    """The snapshot controller marks the VolumeSnapshot readyToUse with the source's size as
    restoreSize (external-snapshotter's updateSnapshotStatus), and a claim whose dataSource
    names it is provisioned and bound."""
    cluster = build("storage-day-2")
    snapshot = cluster.get("VolumeSnapshot", "app-data-before-upgrade", "default")
    assert snapshot["status"]["readyToUse"] is True
    assert snapshot["status"]["restoreSize"] == "5Gi"
    content = cluster.get("VolumeSnapshotContent", snapshot["status"]["boundVolumeSnapshotContentName"])
    assert content["spec"]["driver"] == "csi.vsphere.vmware.com"
    restored = cluster.get("PersistentVolumeClaim", "app-data-restored", "default")
    assert restored["status"]["phase"] == "Bound"
    assert restored["spec"]["dataSource"]["name"] == "app-data-before-upgrade"


def test_storage_day_2_claim_grows_online_and_cannot_shrink():
    """Growing a mounted claim: the external resizer's Resizing and FileSystemResizeRequired,
    then the kubelet's FileSystemResizeSuccessful (operation_generator's NodeExpandVolume) on
    the node that mounts it; shrinking below status.capacity is refused
    (ValidatePersistentVolumeClaimUpdate in pkg/apis/core/validation)."""
    cluster = build("storage-day-2")
    claim = cluster.get("PersistentVolumeClaim", "reports", "default")
    assert claim["status"]["capacity"]["storage"] == "10Gi"
    cluster.patch(
        "PersistentVolumeClaim",
        "reports",
        {"spec": {"resources": {"requests": {"storage": "20Gi"}}}},
        namespace="default",
    )
    cluster.settle()
    claim = cluster.get("PersistentVolumeClaim", "reports", "default")
    assert claim["status"]["capacity"]["storage"] == "20Gi"
    seen = reasons(cluster, "PersistentVolumeClaim", "reports")
    assert (
        seen.index("Resizing")
        < seen.index("FileSystemResizeRequired")
        < seen.index("FileSystemResizeSuccessful")
    )
    node = cluster.get("Pod", "reports", "default")["spec"]["nodeName"]
    success = [
        e
        for e in cluster.events("default", "PersistentVolumeClaim", "reports")
        if e["reason"] == "FileSystemResizeSuccessful"
    ]
    assert success[0]["message"].endswith(node)
    with pytest.raises(ApiError, match="can not be less than status.capacity"):
        cluster.patch(
            "PersistentVolumeClaim",
            "reports",
            {"spec": {"resources": {"requests": {"storage": "10Gi"}}}},
            namespace="default",
        )


def test_storage_day_2_csi_driver_and_wait_for_first_consumer():
    """A WaitForFirstConsumer class provisions only once a pod using the claim is scheduled
    (pv_controller's WaitForFirstConsumer event, then the provisioner)."""
    cluster = build("storage-day-2")
    assert [d["metadata"]["name"] for d in cluster.list("CSIDriver")] == ["csi.vsphere.vmware.com"]
    claim = cluster.get("PersistentVolumeClaim", "catalog-data", "default")
    assert claim["status"]["phase"] == "Bound"
    seen = reasons(cluster, "PersistentVolumeClaim", "catalog-data")
    assert seen[0] == "WaitForFirstConsumer" and "ProvisioningSucceeded" in seen
    volume = cluster.get("PersistentVolume", claim["spec"]["volumeName"])
    assert volume["spec"]["csi"]["driver"] == "csi.vsphere.vmware.com"
    assert cluster.get("Pod", "catalog", "default")["status"]["phase"] == "Running"


def test_capacity_hpa_scaled_the_loaded_tier():
    """900m of load over 200m requests at a 60% target: the HPA scales up in steps
    (replica_calculator's GetResourceReplicas, the default scale-up policy) and settles with
    the average back within the 10% tolerance; its event is SuccessfulRescale."""
    cluster = build("capacity")
    hpa = cluster.get("HorizontalPodAutoscaler", "web", "default")
    assert hpa["status"]["currentReplicas"] == hpa["status"]["desiredReplicas"] > 2
    utilization = hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"]
    assert abs(utilization / 60 - 1) <= 0.1
    assert (
        cluster.get("Deployment", "web", "default")["status"]["readyReplicas"]
        == hpa["status"]["currentReplicas"]
    )
    events = cluster.events("default", "HorizontalPodAutoscaler", "web")
    assert events and all(e["reason"] == "SuccessfulRescale" for e in events)
    assert "above target" in events[-1]["message"]


def test_capacity_api_pod_resizes_cpu_without_a_restart():
    """In-place resize through the pod's resize subresource: CPU with restartPolicy
    NotRequired changes what the container runs with and does not restart it."""
    cluster = build("capacity")
    resources = {"requests": {"cpu": "500m"}, "limits": {"cpu": "500m"}}
    cluster.patch(
        "Pod",
        "api",
        {"spec": {"containers": [{"name": "api", "resources": resources}]}},
        namespace="default",
        subresource="resize",
    )
    cluster.settle()
    status = cluster.get("Pod", "api", "default")["status"]["containerStatuses"][0]
    assert status["resources"]["requests"]["cpu"] == "500m"
    assert status["restartCount"] == 0


def test_capacity_headroom_and_disruption_budget():
    """The placeholder runs at priority -10; the PodDisruptionBudget allows one disruption
    of the web pods (disruption controller's DisruptionAllowed/SufficientPods)."""
    cluster = build("capacity")
    placeholder = pods(cluster, app="headroom")[0]
    assert placeholder["spec"]["priority"] == -10 and placeholder["status"]["phase"] == "Running"
    pdb = cluster.get("PodDisruptionBudget", "web", "default")
    replicas = cluster.get("Deployment", "web", "default")["spec"]["replicas"]
    assert pdb["status"]["disruptionsAllowed"] == replicas - 2
    assert condition(pdb, "DisruptionAllowed")["reason"] == "SufficientPods"


def test_host_health_failed_node_is_tainted_and_short_tolerations_left():
    """The node lifecycle controller marks an unresponsive node's conditions Unknown
    (NodeStatusUnknown) and taints it node.kubernetes.io/unreachable:NoExecute; the taint
    eviction controller evicts pods once their tolerationSeconds pass (TaintManagerEviction)."""
    cluster = build("host-health")
    node = cluster.get("Node", "worker-2")
    ready = condition(node, "Ready")
    assert (ready["status"], ready["reason"]) == ("Unknown", "NodeStatusUnknown")
    assert {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"} in [
        {"key": t["key"], "effect": t["effect"]} for t in node["spec"]["taints"]
    ]
    on_worker_2 = [p for p in pods(cluster, app="checkout") if p["spec"].get("nodeName") == "worker-2"]
    assert on_worker_2 and all(p["metadata"].get("deletionTimestamp") for p in on_worker_2)
    assert "TaintManagerEviction" in reasons(cluster, "Pod", on_worker_2[0]["metadata"]["name"])
    live = [p for p in pods(cluster, app="checkout") if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 3 and all(p["spec"]["nodeName"] != "worker-2" for p in live)
    web_on_worker_2 = [p for p in pods(cluster, app="web") if p["spec"].get("nodeName") == "worker-2"]
    assert web_on_worker_2 and not any(p["metadata"].get("deletionTimestamp") for p in web_on_worker_2)


def test_host_health_feature_label_steers_analytics_and_kubelet_config_is_there():
    cluster = build("host-health")
    labels = cluster.get("Node", "worker-1")["metadata"]["labels"]
    assert labels["feature.node.kubernetes.io/cpu-cpuid.AVX512F"] == "true"
    analytics = pods(cluster, app="analytics")
    assert len(analytics) == 2 and {p["spec"]["nodeName"] for p in analytics} == {"worker-1"}
    config = cluster.get("ConfigMap", "kubelet-config", "kube-system")
    assert "kind: KubeletConfiguration" in config["data"]["kubelet"]


def test_node_upgrade_drained_node_is_cordoned_and_budget_kept():
    """kubectl drain cordons the node and evicts through the eviction API, which honours the
    PodDisruptionBudget; the Deployment replaces the evicted pod elsewhere."""
    cluster = build("node-upgrade")
    node = cluster.get("Node", "worker-1")
    assert node["spec"]["unschedulable"] is True
    web = pods(cluster, app="web")
    assert len(web) == 3 and all(p["status"]["phase"] == "Running" for p in web)
    assert all(p["spec"]["nodeName"] != "worker-1" for p in web)
    assert cluster.get("PodDisruptionBudget", "web", "default")["status"]["currentHealthy"] == 3
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in cluster.list("Node")} == {"v1.37.1"}


def test_security_baseline_restricted_namespace_refuses_a_plain_pod():
    """Pod Security admission at restricted: the compliant pod runs and a plain one is refused
    with the checks it fails (pod-security-admission's restricted policy checks)."""
    cluster = build("security-baseline")
    assert cluster.get("Pod", "web", "hardened")["status"]["phase"] == "Running"
    plain = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "plain", "namespace": "hardened"},
        "spec": {"containers": [{"name": "plain", "image": "nginx"}]},
    }
    with pytest.raises(ApiError, match='violates PodSecurity "restricted:latest"') as refused:
        cluster.create(plain)
    assert "allowPrivilegeEscalation != false" in str(refused.value)


def test_security_baseline_csr_pending_then_approved():
    """A new CertificateSigningRequest has no conditions (kubectl prints Pending); the
    /approval subresource adds Approved and nothing else."""
    cluster = build("security-baseline")
    csr = cluster.get("CertificateSigningRequest", "jane")
    assert not (csr.get("status") or {}).get("conditions")
    assert csr["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client"
    approval = {
        "status": {
            "conditions": [
                {"type": "Approved", "status": "True", "reason": "KubectlApprove", "message": "approved"}
            ]
        }
    }
    cluster.patch("CertificateSigningRequest", "jane", approval, patch_type="merge", subresource="approval")
    csr = cluster.get("CertificateSigningRequest", "jane")
    assert [c["type"] for c in csr["status"]["conditions"]] == ["Approved"]


def test_security_baseline_sso_binding_and_base64_secret():
    import base64

    cluster = build("security-baseline")
    binding = cluster.get("RoleBinding", "payments-developers", "payments")
    assert {(s["kind"], s["name"]) for s in binding["subjects"]} == {
        ("Group", "sso:payments-devs@vsphere.local"),
        ("User", "sso:jane@vsphere.local"),
    }
    assert binding["roleRef"]["name"] == "edit"
    secret = cluster.get("Secret", "db-credentials", "default")
    assert "stringData" not in secret
    assert base64.b64decode(secret["data"]["password"]) == b"s3cret-but-only-base64"


def test_operations_apps_run_and_the_claim_has_a_snapshot():
    cluster = build("operations")
    prometheus = pods(cluster, app="prometheus")[0]
    assert prometheus["status"]["phase"] == "Running"
    assert {v["configMap"]["name"] for v in prometheus["spec"]["volumes"] if "configMap" in v} == {
        "prometheus-config",
        "alert-rules",
    }
    ui = pods(cluster, app="restreview-ui")
    assert len(ui) == 2 and all(p["status"]["phase"] == "Running" for p in ui)
    assert ui[0]["spec"]["imagePullSecrets"] == [{"name": "harbor-pull"}]
    assert ui[0]["status"]["containerStatuses"][0]["imageID"].startswith(
        "harbor.corp.local/library/restreview-ui@sha256:"
    )
    binding = cluster.get("ClusterRoleBinding", "fleet-viewer")
    assert binding["roleRef"]["name"] == "view"
    assert cluster.get("PersistentVolumeClaim", "orders", "shop")["status"]["phase"] == "Bound"
    assert pods(cluster, "shop", "orders")[0]["status"]["phase"] == "Running"
    assert cluster.get("VolumeSnapshot", "orders-before-release", "shop")["status"]["readyToUse"] is True


def test_gateway_and_route_accepted():
    """Gateway API status: the Gateway Accepted and Programmed with an address, its listener
    counting one attached route; the HTTPRoute's parent status Accepted and ResolvedRefs."""
    cluster = build("gateway-and-cni")
    gateway = cluster.get("Gateway", "web", "gateways")
    assert condition(gateway, "Accepted")["status"] == "True"
    assert condition(gateway, "Programmed")["status"] == "True"
    assert gateway["status"]["addresses"][0]["value"]
    assert gateway["status"]["listeners"][0]["attachedRoutes"] == 1
    route = cluster.get("HTTPRoute", "storefront", "shop")
    parent = route["status"]["parents"][0]
    assert parent["parentRef"]["name"] == "web"
    assert {c["type"]: c["status"] for c in parent["conditions"]} == {
        "Accepted": "True",
        "ResolvedRefs": "True",
    }


def test_cni_pods_take_addresses_from_their_nodes_ranges():
    cluster = build("gateway-and-cni")
    spread = pods(cluster, app="spread")
    assert len({p["spec"]["nodeName"] for p in spread}) == 3
    for pod in spread:
        cidr = ipaddress.ip_network(cluster.get("Node", pod["spec"]["nodeName"])["spec"]["podCIDR"])
        assert ipaddress.ip_address(pod["status"]["podIP"]) in cidr
    flannel = cluster.get("DaemonSet", "kube-flannel-ds", "kube-flannel")
    assert flannel["status"]["numberReady"] == flannel["status"]["desiredNumberScheduled"] == 4


def test_steps_that_name_the_real_kubectl_work_with_it(request, tmp_path):
    """The steps send learners to the real kubectl for auth can-i --as (impersonation and a
    SelfSubjectAccessReview), certificate approve (the /approval subresource) and taint."""
    server = request.getfixturevalue("api_server")
    k = Kubectl(newest_kubectl(), server.sandbox("security-baseline"), tmp_path / "security")
    can_i = ("auth", "can-i", "create", "deployments", "-n", "payments", "--as")
    assert k.ok(*can_i, "sso:jane@vsphere.local") == "yes\n"
    assert k.run(*can_i, "sso:bob@vsphere.local").stdout == "no\n"
    assert (
        k.run(*can_i, "sso:bob@vsphere.local", "--as-group", "sso:payments-devs@vsphere.local").stdout
        == "yes\n"
    )
    assert k.ok("get", "csr", "jane", "-o", "jsonpath={.status}") in ("", "{}")
    assert (
        k.ok("certificate", "approve", "jane")
        == "certificatesigningrequest.certificates.k8s.io/jane approved\n"
    )
    assert k.ok("get", "csr", "jane", "-o", "jsonpath={.status.conditions[*].type}") == "Approved"
    k = Kubectl(newest_kubectl(), server.sandbox("host-health"), tmp_path / "hosts")
    assert (
        k.ok("taint", "nodes", "worker-3", "example.com/hardware-degraded=true:NoSchedule")
        == "node/worker-3 tainted\n"
    )
    assert (
        k.ok("get", "node", "worker-3", "-o", "jsonpath={.spec.taints[*].key}")
        == "example.com/hardware-degraded"
    )

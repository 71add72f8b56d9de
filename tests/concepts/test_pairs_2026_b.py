"""The ten concept pairs of issue 17's batch B: each page renders with its commands side by
side, search finds it by the vSphere word an administrator would type, its example reaches
its declared state through check_content's own code (concepts.examples.check_example), and
the example shows in the sandbox what the pair teaches."""

import ipaddress
import re

import pytest
from django.utils.html import escape

from concepts.catalogue import catalogue
from concepts.examples import check_example
from playground.engine import ApiError, Cluster
from playground.engine.podstatus import condition, pod_ready

NEW_PAIRS = (
    "vm-snapshots-volumesnapshots",
    "grow-disk-expand-pvc",
    "dpm-autoscaling",
    "hot-add-in-place-resize",
    "ha-admission-control-capacity",
    "proactive-ha-node-conditions",
    "nsx-lb-gateway-api",
    "evc-node-features",
    "distributed-switch-cni",
    "vsan-datastores-csi-driver",
)


def pair(slug):
    found = catalogue().get(slug)
    assert found is not None, f"no pair {slug!r}"
    return found


def sandbox(slug, seconds=120):
    """A fresh sandbox of the pair's profile with its example applied and time advanced."""
    p = pair(slug)
    cluster = Cluster.new(p.expect.profile, seed=1)
    cluster.apply(p.manifest)
    cluster.advance(seconds)
    return cluster


def cond(obj, type_):
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


# The catalogue --------------------------------------------------------------------------


@pytest.mark.parametrize("slug", NEW_PAIRS)
def test_each_pair_is_checked_against_current_versions_and_links_to_existing_pairs(slug):
    p = pair(slug)
    assert (p.checked.kubernetes, p.checked.vsphere) == ("1.37", "8.0")
    assert len(p.commands) >= 3
    assert p.related and all(catalogue().get(other) for other in p.related)
    assert p.differ.strip() and p.references


def test_each_pair_is_linked_back_from_an_older_pair():
    linked = {slug for other in catalogue().pairs for slug in other.related if other.slug not in NEW_PAIRS}
    assert set(NEW_PAIRS) - linked == set()


@pytest.mark.parametrize(
    ("slug", "since"),
    [
        ("hot-add-in-place-resize", "1.35"),
        ("nsx-lb-gateway-api", "March 2026"),
        ("distributed-switch-cni", "1.33"),
        ("grow-disk-expand-pvc", "1.34"),
    ],
)
def test_then_and_now_notes_date_what_changed_since_the_sources(slug, since):
    assert any(since in note.since for note in pair(slug).then_now)


# Pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", NEW_PAIRS)
def test_each_pair_page_shows_its_commands_side_by_side(client, slug):
    p = pair(slug)
    response = client.get(f"/concepts/{slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(p.vsphere.name) in html and escape(p.kubernetes.name) in html
    assert "Checked against Kubernetes 1.37, vSphere 8.0." in html
    assert "Where they differ" in html
    for command in p.commands:
        assert f"<code>{escape(command.vsphere)}</code>" in html
        assert f"<code>{escape(command.kubernetes)}</code>" in html
    assert f"it reaches <strong>{p.expect.state}</strong>" in html
    if p.then_now:
        assert "Then and now" in html


# Search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("DPM", "dpm-autoscaling"),
        ("hot-add", "hot-add-in-place-resize"),
        ("hot add", "hot-add-in-place-resize"),
        ("snapshot", "vm-snapshots-volumesnapshots"),
        ("VolumeSnapshot", "vm-snapshots-volumesnapshots"),
        ("extend disk", "grow-disk-expand-pvc"),
        ("HA admission control", "ha-admission-control-capacity"),
        ("Proactive HA", "proactive-ha-node-conditions"),
        ("quarantine mode", "proactive-ha-node-conditions"),
        ("EVC", "evc-node-features"),
        ("virtual server", "nsx-lb-gateway-api"),
        ("HTTPRoute", "nsx-lb-gateway-api"),
        ("VDS", "distributed-switch-cni"),
        ("Cloud Native Storage", "vsan-datastores-csi-driver"),
        ("CSIDriver", "vsan-datastores-csi-driver"),
    ],
)
def test_search_puts_the_pair_first_for_the_word_an_admin_types(query, slug):
    results = catalogue().search(query)
    assert results and results[0].slug == slug, [r.slug for r in results[:3]]


@pytest.mark.django_db
def test_catalogue_search_page_finds_dpm(client, htmx_headers):
    html = client.get("/concepts/", {"q": "DPM"}, **htmx_headers).content.decode()
    first = re.search(r'class="pair-card" href="([^"]+)"', html).group(1)
    assert first == "/concepts/dpm-autoscaling/"


# Examples: the declared state, through check_content's code ----------------------------------


@pytest.mark.parametrize("slug", NEW_PAIRS)
def test_each_example_reaches_its_declared_state(slug):
    check_example(pair(slug))  # raises ContentError naming what is missing


# Examples: what each one shows ------------------------------------------------------------


def test_snapshot_is_ready_and_restores_into_a_new_claim():
    """snapshot-controller (kubernetes-csi/external-snapshotter, pkg/common-controller):
    a VolumeSnapshot binds a VolumeSnapshotContent of its class's driver and reports
    readyToUse and restoreSize; a claim whose dataSource is the snapshot is provisioned from it."""
    cluster = sandbox("vm-snapshots-volumesnapshots")
    snap = cluster.get("VolumeSnapshot", "app-data-before-upgrade", "default")
    assert snap["status"]["readyToUse"] is True
    assert snap["status"]["restoreSize"] == "5Gi"
    content = cluster.get("VolumeSnapshotContent", snap["status"]["boundVolumeSnapshotContentName"])
    assert content["spec"]["driver"] == "csi.vsphere.vmware.com"
    assert content["spec"]["volumeSnapshotClassName"] == "vsphere-snapshots"
    restored = cluster.get("PersistentVolumeClaim", "app-data-restored", "default")
    original = cluster.get("PersistentVolumeClaim", "app-data", "default")
    assert restored["status"]["phase"] == "Bound"
    assert restored["spec"]["volumeName"] != original["spec"]["volumeName"]  # a new volume, not a revert


def test_expandable_class_allows_growing_its_claims():
    cluster = sandbox("grow-disk-expand-pvc")
    assert cluster.get("StorageClass", "expandable")["allowVolumeExpansion"] is True
    claim = cluster.get("PersistentVolumeClaim", "reports", "default")
    assert claim["spec"]["storageClassName"] == "expandable"
    assert claim["status"]["capacity"]["storage"] == "10Gi"


def test_hpa_adds_replicas_under_load_within_its_bounds():
    """HorizontalPodAutoscaler (pkg/controller/podautoscaler, replica_calculator.go): CPU use
    far above 60% of the requests raises the replicas, never beyond maxReplicas."""
    cluster = sandbox("dpm-autoscaling")
    assert cluster.get("Deployment", "web", "default")["spec"]["replicas"] == 2
    cluster.set_cpu_load("Deployment", "web", 1000)  # 500m a pod against 200m requests
    cluster.advance(180)
    replicas = cluster.get("Deployment", "web", "default")["spec"]["replicas"]
    assert 2 < replicas <= 10


def test_cpu_resize_in_place_keeps_the_pod_and_its_container():
    """The pod resize subresource (pkg/registry/core/pod/strategy.go, podResizeStrategy) and the
    kubelet's in-place resize: resizePolicy NotRequired for cpu applies without a restart."""
    cluster = sandbox("hot-add-in-place-resize")
    before = cluster.get("Pod", "api", "default")
    patch = {
        "spec": {
            "containers": [
                {"name": "api", "resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "500m"}}}
            ]
        }
    }
    cluster.patch("Pod", "api", patch, "default", subresource="resize")
    cluster.advance(60)
    after = cluster.get("Pod", "api", "default")
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    status = after["status"]["containerStatuses"][0]
    assert status["restartCount"] == 0
    assert status["resources"]["requests"]["cpu"] == "500m"
    assert pod_ready(after)


def test_memory_resize_restarts_the_container_as_its_resize_policy_says():
    cluster = sandbox("hot-add-in-place-resize")
    patch = {
        "spec": {
            "containers": [
                {"name": "api", "resources": {"requests": {"memory": "512Mi"}, "limits": {"memory": "512Mi"}}}
            ]
        }
    }
    cluster.patch("Pod", "api", patch, "default", subresource="resize")
    cluster.advance(60)
    status = cluster.get("Pod", "api", "default")["status"]["containerStatuses"][0]
    assert status["restartCount"] == 1
    assert status["resources"]["limits"]["memory"] == "512Mi"


def test_resize_that_can_never_fit_is_pending_as_infeasible():
    """KEP-1287: a resize beyond the node's allocatable gets PodResizePending, reason Infeasible."""
    cluster = sandbox("hot-add-in-place-resize")
    patch = {
        "spec": {
            "containers": [
                {"name": "api", "resources": {"requests": {"cpu": "500"}, "limits": {"cpu": "500"}}}
            ]
        }
    }
    cluster.patch("Pod", "api", patch, "default", subresource="resize")
    cluster.advance(30)
    pending = condition(cluster.get("Pod", "api", "default"), "PodResizePending")
    assert pending is not None and pending["reason"] == "Infeasible"


def test_pdb_allows_one_disruption_and_refuses_the_second_eviction():
    """The eviction subresource (pkg/registry/core/pod/storage/eviction.go) checks the budget:
    with minAvailable 2 of 3 healthy, one eviction passes and the next is refused with 429."""
    cluster = sandbox("ha-admission-control-capacity")
    pdb = cluster.get("PodDisruptionBudget", "web", "default")
    assert (pdb["status"]["currentHealthy"], pdb["status"]["disruptionsAllowed"]) == (3, 1)
    web = sorted(
        p["metadata"]["name"]
        for p in cluster.list("Pod", namespace="default")
        if p["metadata"]["labels"].get("app") == "web"
    )
    cluster.evict(web[0])
    with pytest.raises(ApiError) as refused:
        cluster.evict(web[1])
    assert refused.value.code == 429
    assert "Cannot evict pod as it would violate the pod's disruption budget." in str(refused.value)


def test_placeholder_pods_carry_the_negative_priority():
    cluster = sandbox("ha-admission-control-capacity")
    placeholders = [
        p
        for p in cluster.list("Pod", namespace="default")
        if p["metadata"]["labels"].get("app") == "headroom"
    ]
    assert placeholders and all(p["spec"]["priority"] == -10 for p in placeholders)


def test_tolerations_shorten_the_wait_on_a_sick_node():
    """DefaultTolerationSeconds (plugin/pkg/admission/defaulttolerationseconds) adds 300 s only
    when a pod has no toleration of its own for not-ready or unreachable."""
    cluster = sandbox("proactive-ha-node-conditions")
    for pod in cluster.list("Pod", namespace="default"):
        seconds = {
            t["key"]: t.get("tolerationSeconds")
            for t in pod["spec"]["tolerations"]
            if t.get("effect") == "NoExecute"
        }
        assert seconds == {"node.kubernetes.io/not-ready": 30, "node.kubernetes.io/unreachable": 30}


def test_no_execute_taint_empties_a_node_like_maintenance_mode():
    """Taint-based eviction (pkg/controller/tainteviction): a NoExecute taint the pods do not
    tolerate evicts them, and the Deployment replaces them on other nodes."""
    cluster = sandbox("proactive-ha-node-conditions")
    node = cluster.list("Pod", namespace="default")[0]["spec"]["nodeName"]
    taint = {"key": "example.com/hardware-degraded", "value": "true", "effect": "NoExecute"}
    cluster.patch("Node", node, {"spec": {"taints": [taint]}}, patch_type="merge")
    cluster.advance(120)
    pods = [p for p in cluster.list("Pod", namespace="default") if not p["metadata"].get("deletionTimestamp")]
    assert len(pods) == 3
    assert all(p["spec"]["nodeName"] != node for p in pods)
    assert all(pod_ready(p) for p in pods)


def test_required_cpu_feature_waits_until_a_node_carries_its_label():
    """nodeAffinity required terms (NodeAffinity filter plugin): no node has the NFD label, so
    the pod is Unschedulable until one is labelled, and then it lands there."""
    cluster = Cluster.new("default", seed=1)
    cluster.apply(
        pair("evc-node-features")
        .manifest.replace("kubernetes.io/arch", "feature.node.kubernetes.io/cpu-cpuid.AVX512F", 1)
        .replace('values: ["amd64"]', 'values: ["true"]', 1)
    )
    cluster.advance(30)
    pods = cluster.list("Pod", namespace="default")
    assert pods and all(condition(p, "PodScheduled")["reason"] == "Unschedulable" for p in pods)
    cluster.patch(
        "Node",
        "worker-2",
        {"metadata": {"labels": {"feature.node.kubernetes.io/cpu-cpuid.AVX512F": "true"}}},
        patch_type="merge",
    )
    cluster.advance(60)
    assert {p["spec"].get("nodeName") for p in cluster.list("Pod", namespace="default")} == {"worker-2"}


def test_preferred_feature_goes_to_the_labelled_node_first():
    cluster = Cluster.new("default", seed=1)
    cluster.patch(
        "Node",
        "worker-3",
        {"metadata": {"labels": {"feature.node.kubernetes.io/cpu-cpuid.AVX512F": "true"}}},
        patch_type="merge",
    )
    cluster.apply(pair("evc-node-features").manifest)
    cluster.advance(60)
    nodes = [p["spec"]["nodeName"] for p in cluster.list("Pod", namespace="default")]
    assert "worker-3" in nodes


def test_gateway_gets_an_address_and_accepts_the_app_teams_route():
    """Gateway API v1.4 status (apis/v1/gateway_types.go, httproute_types.go): the Gateway is
    Programmed with an address, its listener counts the attached route, and the route from a
    labelled namespace is Accepted with its backend resolved."""
    cluster = sandbox("nsx-lb-gateway-api")
    gateway = cluster.get("Gateway", "web", "gateways")
    assert cond(gateway, "Programmed")["status"] == "True"
    ipaddress.ip_address(gateway["status"]["addresses"][0]["value"])
    assert gateway["status"]["listeners"][0]["attachedRoutes"] == 1
    [parent] = cluster.get("HTTPRoute", "storefront", "shop")["status"]["parents"]
    reasons = {c["type"]: c["reason"] for c in parent["conditions"]}
    assert reasons == {"Accepted": "Accepted", "ResolvedRefs": "ResolvedRefs"}


def test_gateway_refuses_a_route_from_a_namespace_the_network_team_did_not_open():
    cluster = sandbox("nsx-lb-gateway-api")
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "rogue"}})
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "sneaky", "namespace": "rogue"},
        "spec": {
            "parentRefs": [{"name": "web", "namespace": "gateways"}],
            "rules": [{"backendRefs": [{"name": "x", "port": 80}]}],
        },
    }
    cluster.create(route)
    cluster.advance(30)
    [parent] = cluster.get("HTTPRoute", "sneaky", "rogue")["status"]["parents"]
    accepted = next(c for c in parent["conditions"] if c["type"] == "Accepted")
    assert (accepted["status"], accepted["reason"]) == ("False", "NotAllowedByListeners")


def test_cni_gives_each_pod_an_address_from_its_nodes_range_on_every_node():
    cluster = sandbox("distributed-switch-cni")
    pods = cluster.list("Pod", namespace="default")
    assert len({p["spec"]["nodeName"] for p in pods}) == 3
    for p in pods:
        cidr = ipaddress.ip_network(cluster.get("Node", p["spec"]["nodeName"])["spec"]["podCIDR"])
        assert ipaddress.ip_address(p["status"]["podIP"]) in cidr
    flannel = cluster.get("DaemonSet", "kube-flannel-ds", "kube-flannel")
    assert flannel["status"]["desiredNumberScheduled"] == len(cluster.list("Node"))


def test_wait_for_first_consumer_claim_is_provisioned_by_the_csi_driver_after_the_pod_is_placed():
    """The PV controller (pkg/controller/volume/persistentvolume) leaves a WaitForFirstConsumer
    claim Pending until the scheduler picks a node; then external-provisioner creates a CSI volume."""
    p = pair("vsan-datastores-csi-driver")
    cluster = Cluster.new(p.expect.profile, seed=1)
    claim_only = [doc for doc in p.manifest_documents if doc["kind"] != "Pod"]
    cluster.apply(claim_only)
    cluster.advance(30)
    assert cluster.get("PersistentVolumeClaim", "catalog-data", "default")["status"]["phase"] == "Pending"
    assert cluster.get("CSIDriver", "csi.vsphere.vmware.com")["spec"]["attachRequired"] is True
    cluster.apply([doc for doc in p.manifest_documents if doc["kind"] == "Pod"])
    cluster.advance(60)
    claim = cluster.get("PersistentVolumeClaim", "catalog-data", "default")
    assert claim["status"]["phase"] == "Bound"
    volume = cluster.get("PersistentVolume", claim["spec"]["volumeName"])
    assert volume["spec"]["csi"]["driver"] == "csi.vsphere.vmware.com"

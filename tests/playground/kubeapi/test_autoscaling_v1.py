"""autoscaling/v1 HorizontalPodAutoscalers: the stored autoscaling/v2 objects in the v1 form.

Upstream: pkg/apis/autoscaling/v1/conversion.go
(Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler and
Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler).
"""

import copy
import json

import pytest

from playground import console
from playground.engine import Cluster
from playground.engine.registry.autoscaling import hpa_v1
from playground.kubeapi import autoscalingv1, discovery
from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl
from tests.playground.kubeapi.test_handler import AGGREGATED, call, web

V1_PATH = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
V2_PATH = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"

# The Kubernetes docs' hpa-rs.yaml, as JSON.
HPA_RS = {
    "apiVersion": "autoscaling/v1",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "frontend-scaler"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "frontend"},
        "minReplicas": 3,
        "maxReplicas": 10,
        "targetCPUUtilizationPercentage": 50,
    },
}


def _cpu(percent):
    return {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": percent}},
    }


def _v2(metrics, status=None, behavior=None):
    spec = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 1,
        "maxReplicas": 5,
        "metrics": metrics,
    }
    if behavior:
        spec["behavior"] = behavior
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": spec,
        "status": status or {"currentReplicas": 2, "desiredReplicas": 2},
    }


def test_v1_cpu_target_becomes_a_v2_resource_utilization_metric():
    """Convert_v1_HorizontalPodAutoscalerSpec_To_autoscaling_HorizontalPodAutoscalerSpec."""
    v2 = autoscalingv1.to_v2(copy.deepcopy(HPA_RS))
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"]["metrics"] == [_cpu(50)]
    assert v2["spec"]["minReplicas"] == 3 and v2["spec"]["maxReplicas"] == 10
    assert "targetCPUUtilizationPercentage" not in v2["spec"]


def test_v2_cpu_utilization_reads_as_the_v1_percentages_without_annotations():
    v1 = autoscalingv1.to_v1(
        _v2(
            [_cpu(70)],
            {
                "currentReplicas": 2,
                "desiredReplicas": 3,
                "currentMetrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "current": {"averageUtilization": 90, "averageValue": "450m"},
                        },
                    }
                ],
            },
        )
    )
    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 70
    assert v1["status"]["currentCPUUtilizationPercentage"] == 90
    assert (v1["status"]["currentReplicas"], v1["status"]["desiredReplicas"]) == (2, 3)
    annotations = v1["metadata"]["annotations"]
    assert hpa_v1.METRICS not in annotations  # the cpu target is the v1 field
    # The current metrics are kept whole (the raw average value too), in v1's MetricStatus shape.
    assert json.loads(annotations[hpa_v1.CURRENT_METRICS]) == [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "currentAverageUtilization": 90, "currentAverageValue": "450m"},
        }
    ]


def test_v2_only_parts_travel_in_annotations_and_come_back():
    """Other metrics, conditions and behavior go to the autoscaling.alpha.kubernetes.io
    annotations on the way out and back into the fields on the way in."""
    memory = {
        "type": "Resource",
        "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}},
    }
    pods = {
        "type": "Pods",
        "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}},
    }
    conditions = [
        {
            "type": "AbleToScale",
            "status": "True",
            "reason": "SucceededRescale",
            "lastTransitionTime": "2026-12-01T07:00:00Z",
        }
    ]
    behavior = {
        "scaleDown": {
            "stabilizationWindowSeconds": 300,
            "selectPolicy": "Min",
            "policies": [{"type": "Pods", "value": 4, "periodSeconds": 60}],
        }
    }
    original = _v2(
        [_cpu(60), memory, pods],
        {"currentReplicas": 1, "desiredReplicas": 1, "conditions": conditions},
        behavior,
    )
    v1 = autoscalingv1.to_v1(original)
    annotations = v1["metadata"]["annotations"]
    assert json.loads(annotations[hpa_v1.METRICS]) == [
        {"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "500Mi"}},
        {"type": "Pods", "pods": {"metricName": "qps", "targetAverageValue": "10"}},
    ]
    assert json.loads(annotations[hpa_v1.CONDITIONS]) == conditions
    assert json.loads(annotations[hpa_v1.BEHAVIOR])["ScaleDown"]["Policies"][0]["PeriodSeconds"] == 60
    back = autoscalingv1.to_v2(v1)
    assert back["spec"]["metrics"] == original["spec"]["metrics"]
    assert back["spec"]["behavior"] == behavior
    assert back["status"]["conditions"] == conditions
    assert "annotations" not in back["metadata"]


def test_discovery_lists_autoscaling_v1_after_the_preferred_v2():
    group = discovery.api_group("autoscaling")
    assert [v["version"] for v in group["versions"]] == ["v2", "v1"]
    assert group["preferredVersion"]["version"] == "v2"
    [resource] = discovery.resource_list("autoscaling/v1")["resources"][:1]
    assert (resource["name"], resource["kind"], resource["shortNames"]) == (
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        ["hpa"],
    )
    assert "horizontalpodautoscalers/status" in [
        r["name"] for r in discovery.resource_list("autoscaling/v1")["resources"]
    ]


@pytest.fixture(scope="module")
def base():
    return Cluster.new("default", seed=3)


@pytest.fixture
def cluster(base):
    return Cluster.from_dict(copy.deepcopy(base.to_dict()))


def test_aggregated_discovery_lists_both_versions(cluster):
    groups = call(cluster, "GET", "/apis", accept=AGGREGATED)[1]["items"]
    autoscaling = next(g for g in groups if g["metadata"]["name"] == "autoscaling")
    assert [v["version"] for v in autoscaling["versions"]] == ["v2", "v1"]
    v1 = autoscaling["versions"][1]["resources"]
    assert [r["resource"] for r in v1] == ["horizontalpodautoscalers"]


def test_v1_paths_write_and_read_the_v1_form_stored_as_v2(cluster):
    call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web())
    status, created = call(cluster, "POST", V1_PATH, HPA_RS)
    assert status == 201, created
    assert (
        created["apiVersion"] == "autoscaling/v1" and created["spec"]["targetCPUUtilizationPercentage"] == 50
    )
    stored = call(cluster, "GET", f"{V2_PATH}/frontend-scaler")[1]
    assert stored["spec"]["metrics"] == [_cpu(50)]
    got = call(cluster, "GET", f"{V1_PATH}/frontend-scaler")[1]
    assert got["kind"] == "HorizontalPodAutoscaler" and got["spec"]["minReplicas"] == 3
    listed = call(cluster, "GET", V1_PATH)[1]
    assert [i["apiVersion"] for i in listed["items"]] == ["autoscaling/v1"]
    status, patched = call(
        cluster,
        "PATCH",
        f"{V1_PATH}/frontend-scaler",
        {"spec": {"targetCPUUtilizationPercentage": 75}},
        content_type="application/merge-patch+json",
    )
    assert status == 200 and patched["spec"]["targetCPUUtilizationPercentage"] == 75
    assert call(cluster, "GET", f"{V2_PATH}/frontend-scaler")[1]["spec"]["metrics"] == [_cpu(75)]
    got = call(cluster, "GET", f"{V1_PATH}/frontend-scaler")[1]
    got["spec"]["maxReplicas"] = 12
    status, updated = call(cluster, "PUT", f"{V1_PATH}/frontend-scaler", got)
    assert status == 200 and updated["spec"]["maxReplicas"] == 12
    assert updated["spec"]["targetCPUUtilizationPercentage"] == 75
    assert call(cluster, "DELETE", f"{V1_PATH}/frontend-scaler")[0] == 200
    assert call(cluster, "GET", f"{V2_PATH}/frontend-scaler")[0] == 404


def test_a_v1_update_keeps_the_v2_only_metrics(cluster):
    """A read-modify-write through v1 must not lose what only v2 can say."""
    memory = {
        "type": "Resource",
        "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}},
    }
    body = _v2([_cpu(60), memory])
    del body["status"]
    assert call(cluster, "POST", V2_PATH, body)[0] == 201
    got = call(cluster, "GET", f"{V1_PATH}/web")[1]
    got["spec"]["maxReplicas"] = 7
    assert call(cluster, "PUT", f"{V1_PATH}/web", got)[0] == 200
    stored = call(cluster, "GET", f"{V2_PATH}/web")[1]
    assert stored["spec"]["metrics"] == [_cpu(60), memory] and stored["spec"]["maxReplicas"] == 7
    assert hpa_v1.METRICS not in (stored["metadata"].get("annotations") or {})


@pytest.fixture
def kubectl(api_server, tmp_path):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(), tmp_path / "cache")


def test_kubectl_applies_the_docs_hpa_rs_yaml(kubectl, tmp_path):
    """`kubectl apply -f hpa-rs.yaml` (autoscaling/v1) then `kubectl get hpa`."""
    manifest = tmp_path / "hpa-rs.yaml"
    manifest.write_text(json.dumps(HPA_RS))
    assert "horizontalpodautoscaler.autoscaling/frontend-scaler created" in kubectl.ok(
        "apply", "-f", str(manifest)
    )
    listed = kubectl.ok("get", "hpa")
    assert "frontend-scaler" in listed and "ReplicaSet/frontend" in listed
    v1 = json.loads(
        kubectl.ok("get", "horizontalpodautoscalers.v1.autoscaling", "frontend-scaler", "-o", "json")
    )
    assert v1["apiVersion"] == "autoscaling/v1" and v1["spec"]["targetCPUUtilizationPercentage"] == 50
    assert "unchanged" in kubectl.ok("apply", "-f", str(manifest))


HPA_RS_YAML = """apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: frontend-scaler
spec:
  scaleTargetRef:
    kind: ReplicaSet
    name: frontend
  minReplicas: 3
  maxReplicas: 10
  targetCPUUtilizationPercentage: 50
"""


def test_the_engine_decodes_a_v1_body_as_the_v2_object(cluster):
    """The console's kubectl writes through the engine: a v1 body is the v2 object it stands for."""
    rt, obj = cluster.api.decode(copy.deepcopy(HPA_RS))
    assert (rt.api_version, obj["apiVersion"]) == ("autoscaling/v2", "autoscaling/v2")
    assert obj["spec"]["metrics"] == [_cpu(50)] and obj["metadata"]["namespace"] == "default"


def test_the_console_applies_hpa_rs_yaml_twice(cluster):
    command = console.parse("kubectl apply -f -\n" + HPA_RS_YAML)
    assert console.run(cluster, command) == "horizontalpodautoscaler.autoscaling/frontend-scaler created\n"
    stored = cluster.api.get("HorizontalPodAutoscaler", "frontend-scaler", "default")
    assert stored["spec"]["metrics"] == [_cpu(50)] and stored["spec"]["minReplicas"] == 3
    again = console.run(cluster, console.parse("kubectl apply -f -\n" + HPA_RS_YAML))
    assert again == "horizontalpodautoscaler.autoscaling/frontend-scaler unchanged\n"
    changed = console.run(cluster, console.parse("kubectl apply -f -\n" + HPA_RS_YAML.replace("50", "65")))
    assert changed == "horizontalpodautoscaler.autoscaling/frontend-scaler configured\n"
    assert cluster.api.get("HorizontalPodAutoscaler", "frontend-scaler", "default")["spec"]["metrics"] == [
        _cpu(65)
    ]

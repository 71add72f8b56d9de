import pytest

from playground.engine import ApiError

from .conftest import deployment


def test_deleting_a_namespace_terminates_its_contents_then_itself(cluster):
    cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")
    cluster.settle()
    assert cluster.get("sa", "default", "team") and cluster.get("cm", "kube-root-ca.crt", "team")
    cluster.apply(deployment(), namespace="team")
    cluster.settle()
    cluster.delete("namespace", "team")
    assert cluster.get("ns", "team")["status"]["phase"] == "Terminating"
    cluster.settle()
    with pytest.raises(ApiError) as error:
        cluster.get("ns", "team")
    assert error.value.message == 'namespaces "team" not found'
    assert cluster.list("pods", namespace="team") == []


def test_system_namespaces_cannot_be_deleted(cluster):
    with pytest.raises(ApiError) as error:
        cluster.delete("namespace", "kube-system")
    assert error.value.code == 403


def test_the_cluster_starts_with_the_standard_namespaces(cluster):
    assert [n["metadata"]["name"] for n in cluster.list("namespaces")] == [
        "default",
        "ingress-nginx",
        "kube-flannel",
        "kube-node-lease",
        "kube-public",
        "kube-system",
        "metallb-system",
    ]
    assert cluster.get("ns", "default")["metadata"]["labels"] == {"kubernetes.io/metadata.name": "default"}


SLEEPER = deployment(image="busybox:1.36").replace(
    "image: busybox:1.36", 'image: busybox:1.36\n          command: [sleep, "3600"]'
)


def _conditions(ns):
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in ns["status"].get("conditions") or []}


def test_a_terminating_namespace_reports_its_remaining_content_until_its_pods_are_gone(cluster):
    """Upstream's namespace deleter (``namespacedResourcesDeleter.Delete``, ``deleteAllContent``)
    keeps the namespace Terminating, with ``spec.finalizers: [kubernetes]``, while content
    remains, and ``namespaceConditionUpdater`` writes five conditions (the "all is well" reason
    unless ``ProcessContentTotals`` found resources remaining: "pods." for the core group). Once
    the pods have used up their grace period, ``finalizeNamespace`` drops the finalizer and
    the namespace is deleted."""
    from playground import console

    cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")
    cluster.apply(SLEEPER, namespace="team")
    cluster.settle()
    cluster.delete("namespace", "team")
    cluster.advance(1)
    ns = cluster.get("ns", "team")
    assert ns["metadata"]["deletionTimestamp"] and ns["spec"]["finalizers"] == ["kubernetes"]
    assert ns["status"]["phase"] == "Terminating"
    assert _conditions(ns) == {
        "NamespaceDeletionDiscoveryFailure": (
            "False",
            "ResourcesDiscovered",
            "All resources successfully discovered",
        ),
        "NamespaceDeletionGroupVersionParsingFailure": (
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
        ),
        "NamespaceDeletionContentFailure": (
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        ),
        "NamespaceContentRemaining": (
            "True",
            "SomeResourcesRemain",
            "Some resources are remaining: pods. has 3 resource instances",
        ),
        "NamespaceFinalizersRemaining": (
            "False",
            "ContentHasNoFinalizers",
            "All content-preserving finalizers finished",
        ),
    }
    rows = console.run(cluster, console.parse("kubectl get ns team")).splitlines()
    assert rows[1].split()[:2] == ["team", "Terminating"]
    cluster.advance(20)  # the pods' 30 s grace period is not over
    assert cluster.get("ns", "team")["status"]["phase"] == "Terminating"
    cluster.advance(15)
    with pytest.raises(ApiError):
        cluster.get("ns", "team")


def test_content_with_finalizers_holds_the_namespace(cluster):
    """``ProcessContentTotals`` counts the finalizers of what remains: "Some content in the
    namespace has finalizers remaining: <finalizer> in <n> resource instances"."""
    cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "held", "namespace": "team", "finalizers": ["example.com/hold"]},
        }
    )
    cluster.settle()
    cluster.delete("namespace", "team")
    cluster.settle()
    conditions = _conditions(cluster.get("ns", "team"))
    assert conditions["NamespaceContentRemaining"] == (
        "True",
        "SomeResourcesRemain",
        "Some resources are remaining: configmaps. has 1 resource instances",
    )
    assert conditions["NamespaceFinalizersRemaining"] == (
        "True",
        "SomeFinalizersRemain",
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
    )
    cluster.patch("configmap", "held", {"metadata": {"finalizers": None}}, namespace="team")
    cluster.settle()
    with pytest.raises(ApiError):
        cluster.get("ns", "team")


def test_creating_in_a_terminating_namespace_is_forbidden(cluster):
    """The NamespaceLifecycle admission plugin refuses creates in a Terminating namespace with
    a Forbidden error and a NamespaceTerminating cause on metadata.namespace."""
    cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")
    cluster.apply(SLEEPER, namespace="team")
    cluster.settle()
    cluster.delete("namespace", "team")
    with pytest.raises(ApiError) as error:
        cluster.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "team"}}
        )
    assert error.value.status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps "x" is forbidden: unable to create new content in namespace team because it is being terminated',
        "reason": "Forbidden",
        "details": {
            "name": "x",
            "kind": "configmaps",
            "causes": [
                {
                    "type": "NamespaceTerminating",
                    "message": "namespace team is being terminated",
                    "field": "metadata.namespace",
                }
            ],
        },
        "code": 403,
    }


QUOTAS = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: team}
spec:
  hard: {requests.cpu: "2", limits.memory: 4Gi, pods: "10"}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: besteffort, namespace: team}
spec:
  hard: {pods: "5"}
  scopes: [BestEffort]
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: team}
spec:
  limits:
    - type: Container
      default: {cpu: 500m, memory: 256Mi}
      defaultRequest: {cpu: 100m, memory: 128Mi}
      max: {cpu: "1"}
      maxLimitRequestRatio: {cpu: "4"}
    - type: Pod
      max: {memory: 1Gi}
    - type: PersistentVolumeClaim
      min: {storage: 1Gi}
"""

# What kubectl 1.37 printed for these objects against a sandbox (describeNamespace,
# DescribeResourceQuotas with helpTextForResourceQuotaScope, DescribeLimitRanges).
DESCRIBED = """Name:         team
Labels:       kubernetes.io/metadata.name=team
Annotations:  <none>
Status:       Active

Resource Quotas
  Name:    besteffort
  Scopes:  BestEffort
  * Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.
  Resource       Used  Hard
  --------       ---   ---
  pods           0     5
  Name:          compute
  Resource       Used  Hard
  --------       ---   ---
  limits.memory  0     4Gi
  pods           0     10
  requests.cpu   0     2

Resource Limits
 Type                   Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio
 ----                   --------  ---  ---  ---------------  -------------  -----------------------
 Container              cpu       -    1    100m             500m           4
 Container              memory    -    -    128Mi            256Mi          -
 Pod                    memory    -    1Gi  -                -              -
 PersistentVolumeClaim  storage   1Gi  -    -                -              -
"""


def test_describe_namespace_prints_what_kubectl_prints(cluster):
    """kubectl's ``describeNamespace``: the phase, the deletion conditions while it terminates,
    then ``DescribeResourceQuotas`` and ``DescribeLimitRanges`` (or "No resource quota." and
    "No LimitRange resource.")."""
    from playground import console

    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cluster.apply(QUOTAS)
    cluster.settle()
    assert console.run(cluster, console.parse("kubectl describe namespace team")) == DESCRIBED
    cluster.apply(SLEEPER, namespace="default")
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}})
    cluster.apply(SLEEPER, namespace="gone")
    cluster.settle()
    cluster.delete("namespace", "gone")
    cluster.advance(1)
    lines = console.run(cluster, console.parse("kubectl describe ns gone")).splitlines()
    assert lines[3:6] == [
        "Status:       Terminating",
        "Conditions:",
        "  Type                                         Status  LastTransitionTime               Reason                  Message",
    ]
    remaining = [line for line in lines if line.startswith("  NamespaceContentRemaining")][0]
    assert remaining.endswith(
        "SomeResourcesRemain     Some resources are remaining: pods. has 3 resource instances"
    )
    assert lines[-3:] == ["No resource quota.", "", "No LimitRange resource."]

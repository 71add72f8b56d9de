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

"""CustomResourceDefinitions in the engine: the CRD's own validation, the controller that
serves its kind, and custom resources' structural schema (validation, defaults, pruning)."""

import copy

import pytest

from playground.engine.cluster import Cluster
from playground.engine.errors import ApiError
from playground.engine.registry.apiextensions.customresourcedefinition import CLEANUP_FINALIZER

SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "maximum": 10},
                "ratio": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
                "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "tags": {
                    "type": "array",
                    "maxItems": 3,
                    "items": {"type": "string"},
                    "x-kubernetes-list-type": "set",
                },
                "ports": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
                    },
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                },
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "labels": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "x-kubernetes-map-type": "granular",
                },
                "replicas": {"type": "integer"},
            },
        },
        "status": {
            "type": "object",
            "properties": {"replicas": {"type": "integer"}, "phase": {"type": "string"}},
        },
    },
}


def crd(versions=None, scope="Namespaced", **names):
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": scope,
            "names": {
                "plural": "widgets",
                "kind": "Widget",
                "shortNames": ["wd"],
                "categories": ["toys"],
                **names,
            },
            "versions": versions
            or [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": copy.deepcopy(SCHEMA)},
                    "subresources": {
                        "status": {},
                        "scale": {
                            "specReplicasPath": ".spec.replicas",
                            "statusReplicasPath": ".status.replicas",
                        },
                    },
                    "additionalPrinterColumns": [
                        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                        {"name": "Color", "type": "string", "jsonPath": ".spec.color", "priority": 1},
                    ],
                }
            ],
        },
    }


def widget(_name="w", **spec):
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": _name},
        "spec": {"size": 1, **spec},
    }


@pytest.fixture
def cluster():
    c = Cluster.new(seed=3)
    c.api.create(crd())
    c.advance(0)
    return c


def invalid(cluster, obj) -> str:
    with pytest.raises(ApiError) as error:
        cluster.api.create(obj)
    assert error.value.code == 422, error.value.message
    return error.value.message


def test_the_crd_is_established_and_its_kind_served(cluster):
    stored = cluster.api.get("CustomResourceDefinition", "widgets.example.com")
    status = stored["status"]
    assert {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]} == {
        "NamesAccepted": ("True", "NoConflicts"),
        "Established": ("True", "InitialNamesAccepted"),
    }
    assert (
        status["acceptedNames"]["listKind"] == "WidgetList"
        and status["acceptedNames"]["singular"] == "widget"
    )
    assert status["storedVersions"] == ["v1"]
    assert stored["spec"]["names"]["singular"] == "widget" and stored["spec"]["conversion"] == {
        "strategy": "None"
    }
    registry = cluster.api.registry
    for name in ("widgets", "widget", "Widget", "wd", "widgets.example.com"):
        assert registry.resolve(name).kind == "Widget"
    assert registry.resolve("crd").kind == "CustomResourceDefinition"
    assert "Widget" not in Cluster.new(seed=3).api.registry  # another cluster does not serve it


def test_structural_validation_in_upstreams_words(cluster):
    assert invalid(cluster, widget(size="big")) == (
        'Widget.example.com "w" is invalid: spec.size: Invalid value: "string": '
        'spec.size in body must be of type integer: "string"'
    )
    assert "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1" in invalid(
        cluster, widget(size=0)
    )
    assert "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10" in invalid(
        cluster, widget(size=11)
    )
    assert "spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0" in invalid(
        cluster, widget(ratio=0)
    )
    assert 'spec.color: Unsupported value: "pink": supported values: "red", "blue"' in invalid(
        cluster, widget(color="pink")
    )
    assert "spec.name in body should be at least 2 chars long" in invalid(cluster, widget(name="a"))
    assert "spec.name: Too long: must have at most 5 bytes" in invalid(cluster, widget(name="abcdef"))
    assert "spec.name in body should match '^[a-z]+$'" in invalid(cluster, widget(name="AB"))
    assert 'spec.port: Invalid value: "boolean"' in invalid(cluster, widget(port=True))
    assert 'spec.tags[1]: Duplicate value: "a"' in invalid(cluster, widget(tags=["a", "a"]))
    assert "spec.tags: Too many: 4: must have at most 3 items" in invalid(
        cluster, widget(tags=["a", "b", "c", "d"])
    )
    assert "spec.ports in body should have at least 1 items" in invalid(cluster, widget(ports=[]))
    assert 'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"x"}' in invalid(
        cluster, widget(ports=[{"name": "x", "port": 1}, {"name": "x", "port": 2}])
    )
    assert 'spec.labels.a: Invalid value: "integer"' in invalid(cluster, widget(labels={"a": 1}))
    assert "spec.size: Required value" in invalid(
        cluster, {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    )
    assert 'spec.color: Invalid value: "null"' in invalid(cluster, widget(color=None))
    made = cluster.api.create(widget(port="http", note=None, extra={"anything": {"goes": 1}}))
    assert made["spec"]["port"] == "http" and made["spec"]["note"] is None
    assert made["spec"]["extra"] == {"anything": {"goes": 1}}


def test_defaults_and_pruning(cluster):
    with pytest.raises(ApiError) as strict:
        cluster.api.create(widget(shape="round"))
    assert strict.value.code == 400
    assert (
        strict.value.message
        == 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.shape"'
    )
    made = cluster.api.create({**widget(shape="round"), "top": 1}, strict=False)
    assert made["spec"] == {"size": 1, "color": "red"} and "top" not in made
    assert made["metadata"]["namespace"] == "default"


def test_status_and_scale_subresources_and_generation(cluster):
    made = cluster.api.create({**widget(replicas=1), "status": {"replicas": 5}})
    assert "status" not in made and made["metadata"]["generation"] == 1
    changed = cluster.api.update({**made, "status": {"replicas": 7}})
    assert "status" not in changed and changed["metadata"]["generation"] == 1
    status = cluster.api.update(
        {**changed, "spec": {"size": 9}, "status": {"replicas": 2}}, subresource="status"
    )
    assert status["status"] == {"replicas": 2} and status["spec"]["size"] == 1
    assert status["metadata"]["generation"] == 1
    scaled = cluster.api.scale("Widget", "w", "default", 4)
    assert scaled["spec"]["replicas"] == 4 and scaled["metadata"]["generation"] == 2
    scale = cluster.api.get_scale("Widget", "w", "default")
    assert scale["spec"] == {"replicas": 4} and scale["status"] == {"replicas": 2}


def test_printer_columns_follow_the_crd(cluster):
    cluster.api.create(widget(size=3))
    rt = cluster.api.registry["Widget"]
    obj = cluster.api.get("Widget", "w")
    assert rt.table_columns() == ["NAME", "SIZE"] and rt.table_columns(wide=True) == ["NAME", "SIZE", "COLOR"]
    assert rt.row(obj, cluster.clock, wide=True) == ["w", "3", "red"]
    plain = crd()
    del plain["spec"]["versions"][0]["additionalPrinterColumns"]
    plain["metadata"]["name"] = "gizmos.example.com"
    plain["spec"]["names"] = {"plural": "gizmos", "kind": "Gizmo"}
    cluster.api.create(plain)
    cluster.advance(0)
    assert cluster.api.registry["Gizmo"].table_columns() == ["NAME", "AGE"]
    # A changed CRD is served as it now reads.
    stored = cluster.api.get("CustomResourceDefinition", "widgets.example.com")
    stored["spec"]["versions"][0]["additionalPrinterColumns"][1]["priority"] = 0
    cluster.api.update(stored)
    cluster.advance(0)
    assert cluster.api.registry["Widget"].table_columns() == ["NAME", "SIZE", "COLOR"]


def test_several_versions_one_storage_version():
    c = Cluster.new(seed=3)
    v1 = {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": copy.deepcopy(SCHEMA)}}
    v1beta1 = {**copy.deepcopy(v1), "name": "v1beta1", "storage": False}
    c.api.create(crd(versions=[v1beta1, v1]))
    c.advance(0)
    made = c.api.create({**widget(), "apiVersion": "example.com/v1beta1"})
    assert made["apiVersion"] == "example.com/v1"  # conversion strategy None: stored as v1
    from playground.kubeapi import discovery

    served = discovery.group_versions(registry=c.api.registry)
    assert [rt.version for gv, types in served.items() for rt in types if rt.kind == "Widget"] == [
        "v1",
        "v1beta1",
    ]
    assert discovery.api_group("example.com", registry=c.api.registry)["preferredVersion"]["version"] == "v1"


def test_crd_validation_in_upstreams_words():
    c = Cluster.new(seed=3)

    def refused(obj) -> str:
        with pytest.raises(ApiError) as error:
            c.api.create(obj)
        return error.value.message

    two = crd()
    two["spec"]["versions"].append({**copy.deepcopy(two["spec"]["versions"][0]), "name": "v2"})
    assert refused(two).endswith(": must have exactly one version marked as storage version")
    assert refused(two).startswith(
        'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: spec.versions: Invalid value: '
    )
    wrong = crd()
    wrong["metadata"]["name"] = "gadgets.example.com"
    assert (
        'metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group'
        in refused(wrong)
    )
    no_schema = crd()
    del no_schema["spec"]["versions"][0]["schema"]
    assert "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required" in refused(
        no_schema
    )
    untyped = crd()
    untyped["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
        "size"
    ] = {}
    assert (
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[size].type: "
        "Required value: must not be empty for specified object fields"
    ) in refused(untyped)
    assert 'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"' in refused(
        crd(scope="Global")
    )
    bad_names = crd(plural="Widgets")
    bad_names["metadata"]["name"] = "Widgets.example.com"
    assert 'spec.names.plural: Invalid value: "Widgets": a DNS-1035 label' in refused(bad_names)
    no_group = crd()
    no_group["spec"]["group"] = "example"
    no_group["metadata"]["name"] = "widgets.example"
    assert 'spec.group: Invalid value: "example": should be a domain with at least one dot' in refused(
        no_group
    )
    scale = crd()
    scale["spec"]["versions"][0]["subresources"]["scale"]["specReplicasPath"] = ".status.replicas"
    assert (
        'specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec'
        in refused(scale)
    )
    c.api.create(crd())
    c.advance(0)
    changed = c.api.get("CustomResourceDefinition", "widgets.example.com")
    with pytest.raises(ApiError) as immutable:
        c.api.update({**changed, "spec": {**changed["spec"], "scope": "Cluster"}})
    assert 'spec.scope: Invalid value: "Cluster": field is immutable' in immutable.value.message


def _names_condition(cluster, name):
    status = cluster.api.get("CustomResourceDefinition", name)["status"]
    found = {c["type"]: c for c in status["conditions"]}
    return (
        found["NamesAccepted"]["status"],
        found["NamesAccepted"]["reason"],
        found["NamesAccepted"]["message"],
    )


def test_names_already_in_use_are_not_accepted(cluster):
    same_kind = crd(plural="gizmos", singular="gizmo", kind="Widget", shortNames=[], categories=[])
    same_kind["metadata"]["name"] = "gizmos.example.com"
    cluster.api.create(same_kind)
    cluster.advance(0)
    assert _names_condition(cluster, "gizmos.example.com") == (
        "False",
        "KindConflict",
        '"Widget" is already in use',
    )
    assert cluster.api.registry.lookup("example.com", "v1", "gizmos") is None
    short = crd(plural="gadgets", kind="Gadget", shortNames=["wd"])
    short["metadata"]["name"] = "gadgets.example.com"
    cluster.api.create(short)
    cluster.advance(0)
    assert _names_condition(cluster, "gadgets.example.com") == (
        "False",
        "ShortNamesConflict",
        '"wd" is already in use',
    )
    fine = crd(plural="things", kind="Thing", shortNames=["th"])
    fine["metadata"]["name"] = "things.example.com"
    cluster.api.create(fine)
    cluster.advance(0)
    assert _names_condition(cluster, "things.example.com") == ("True", "NoConflicts", "no conflicts found")
    assert cluster.api.registry.lookup("example.com", "v1", "things").kind == "Thing"
    # The registry resolves names across groups: another group's "widgets" is refused here.
    elsewhere = crd(kind="Sprocket", shortNames=[])
    elsewhere["spec"]["group"] = "other.example.com"
    elsewhere["metadata"]["name"] = "widgets.other.example.com"
    cluster.api.create(elsewhere)
    cluster.advance(0)
    assert _names_condition(cluster, "widgets.other.example.com")[:2] == ("False", "PluralConflict")


def test_the_cluster_serves_its_custom_kinds_after_a_round_trip(cluster):
    cluster.api.create(widget())
    restored = Cluster.from_dict(copy.deepcopy(cluster.to_dict()))
    assert restored.api.registry.resolve("wd").kind == "Widget"
    assert restored.get("wd", "w", "default")["spec"]["color"] == "red"


def test_deleting_the_crd_deletes_its_resources_then_the_kind(cluster):
    cluster.api.create(widget("a"))
    kept = widget("b")
    kept["metadata"]["finalizers"] = ["example.com/hold"]
    cluster.api.create(kept)
    cluster.api.delete("CustomResourceDefinition", "widgets.example.com")
    cluster.advance(0)
    crd_now = cluster.api.get("CustomResourceDefinition", "widgets.example.com")
    assert CLEANUP_FINALIZER in crd_now["metadata"]["finalizers"]
    terminating = {c["type"]: c for c in crd_now["status"]["conditions"]}["Terminating"]
    assert (terminating["status"], terminating["reason"]) == ("True", "InstanceDeletionInProgress")
    assert [o["metadata"]["name"] for o in cluster.store.iter("Widget")] == ["b"]
    for serving in (cluster, Cluster.from_dict(copy.deepcopy(cluster.to_dict()))):
        with pytest.raises(ApiError) as refused:
            serving.api.create(widget("c"))
        assert (refused.value.code, refused.value.message) == (
            405,
            "create not allowed while custom resource definition is terminating",
        )
    held = cluster.api.get("Widget", "b")
    cluster.api.update({**held, "metadata": {**held["metadata"], "finalizers": []}})
    cluster.advance(0)
    assert list(cluster.store.iter("Widget")) == []
    assert cluster.store.get("CustomResourceDefinition", "", "widgets.example.com") is None
    assert "Widget" not in cluster.api.registry


def test_namespace_deletion_and_garbage_collection_reach_custom_resources(cluster):
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "toys"}})
    owner = cluster.api.create({**widget("owner"), "metadata": {"name": "owner", "namespace": "toys"}})
    ref = {"apiVersion": "example.com/v1", "kind": "Widget", "name": "owner", "uid": owner["metadata"]["uid"]}
    cluster.api.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "child", "namespace": "toys", "ownerReferences": [ref]},
        }
    )
    cluster.api.delete("Widget", "owner", "toys")
    cluster.settle()
    assert cluster.store.get("ConfigMap", "toys", "child") is None
    cluster.api.create({**widget("left"), "metadata": {"name": "left", "namespace": "toys"}})
    cluster.api.delete("Namespace", "toys")
    cluster.settle()
    assert list(cluster.store.iter("Widget", "toys")) == []
    assert cluster.store.get("Namespace", "", "toys") is None


def test_the_consoles_kubectl_knows_custom_resources(cluster):
    from playground import console

    def run(line):
        return console.run(cluster, console.parse(line))

    cluster.api.create(widget("w", size=3, replicas=1))
    table = run("kubectl get wd").splitlines()
    assert table[0].split() == ["NAME", "SIZE"] and table[1].split() == ["w", "3"]
    assert run("kubectl get widgets -o wide").splitlines()[0].split() == ["NAME", "SIZE", "COLOR"]
    assert run("kubectl get widget.example.com -o name") == "widget.example.com/w\n"
    resources = [line.split() for line in run("kubectl api-resources").splitlines()]
    assert ["widgets", "wd", "example.com/v1", "true", "Widget"] in resources
    assert run("kubectl scale widget w --replicas=2") == "widget.example.com/w scaled\n"
    assert cluster.api.get("Widget", "w")["spec"]["replicas"] == 2
    assert run("kubectl delete wd w") == 'widget.example.com "w" deleted\n'


def test_an_hpa_scales_a_custom_resource_through_its_scale_subresource():
    from tests.playground.engine.conftest import deployment

    c = Cluster.new(seed=3)
    definition = crd()
    definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"][
        "selector"
    ] = {"type": "string"}
    definition["spec"]["versions"][0]["subresources"]["scale"]["labelSelectorPath"] = ".status.selector"
    c.api.create(definition)
    c.apply(deployment(replicas=2, cpu="200m"))
    c.settle()
    made = c.api.create(widget("w", replicas=2))
    c.api.update({**made, "status": {"replicas": 2, "selector": "app=web"}}, subresource="status")
    assert c.api.get_scale("Widget", "w", "default")["status"] == {"replicas": 2, "selector": "app=web"}
    c.apply("""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: w}
spec:
  scaleTargetRef: {apiVersion: example.com/v1, kind: Widget, name: w}
  minReplicas: 1
  maxReplicas: 6
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
""")
    c.settle(timeout=30)
    c.set_cpu_load("widget", "w", 400)  # 200m per pod of app=web = 100% of requests
    c.advance(20)
    assert c.get("hpa", "w")["status"]["desiredReplicas"] == 4
    assert c.api.get("Widget", "w")["spec"]["replicas"] == 4


def test_the_console_completes_custom_kinds_and_their_objects(cluster):
    from playground.console import complete

    cluster.create(widget("alpha"))
    cluster.create(widget("beta"))
    assert "widgets" in complete(cluster, "kubectl get wid")["candidates"]
    assert complete(cluster, "kubectl get wd")["candidates"] == ["widgets"]  # the short name
    assert complete(cluster, "kubectl describe widgets ")["candidates"] == ["alpha", "beta"]
    assert complete(cluster, "kubectl get widget/b")["candidates"] == ["widget/beta"]
    # Another sandbox without the CRD offers nothing of it.
    assert "widgets" not in complete(Cluster.new(seed=4), "kubectl get wid")["candidates"]

"""The kind registry: every built-in kind is complete, and one Strategy is all a new kind needs."""

import json

import pytest

from playground.engine import ApiError, Cluster, printers
from playground.engine.errors import FieldError, invalid, required
from playground.engine.kinds import BY_KIND, TYPES, ResourceType, resolve
from playground.engine.registry import BUILTIN, Registry, Strategy, no_validation
from playground.inventory import COUNTERPART
from playground.kubeapi import discovery, handler, protobuf
from playground.kubeapi.handler import ApiRequest

STRATEGIES = list(BUILTIN)
IDS = [s.kind for s in STRATEGIES]
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def _minimal(strategy) -> dict:
    meta = {"name": "x", "creationTimestamp": "2024-01-01T00:00:00Z", "uid": "u"}
    if strategy.namespaced:
        meta["namespace"] = "default"
    return {"apiVersion": strategy.api_version, "kind": strategy.kind, "metadata": meta}


# Every built-in kind has every part -------------------------------------------------------------


def test_the_registry_is_the_kinds_table():
    assert len(STRATEGIES) >= 33
    assert list(TYPES) == STRATEGIES
    assert all(isinstance(s, Strategy) and isinstance(s, ResourceType) for s in STRATEGIES)
    assert set(BY_KIND) == set(IDS) and all(BY_KIND[s.kind] is s for s in STRATEGIES)
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_every_kind_has_every_part(strategy):
    # Names and scope.
    assert strategy.kind[0].isupper() and strategy.plural == strategy.plural.lower()
    assert strategy.resource == strategy.plural and strategy.scope in ("Namespaced", "Cluster")
    assert strategy.scope == ("Namespaced" if strategy.namespaced else "Cluster")
    for name in (
        strategy.kind,
        strategy.singular,
        strategy.plural,
        strategy.qualified_plural,
        *strategy.short_names,
    ):
        assert resolve(name) is strategy, name
    assert set(strategy.verbs) <= {
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    }
    if "status" in strategy.subresources:
        assert strategy.has_status
    # Defaulting and validation are declared, and run on a bare object.
    assert callable(strategy.defaulter) and callable(strategy.validator)
    obj = _minimal(strategy)
    strategy.default(obj)
    errors = strategy.validate(obj) + strategy.validate_update(obj, obj)
    assert all(isinstance(e, FieldError) for e in errors)
    # Table columns: NAME first (an Event's row starts with when it was seen), no repeats,
    # and the printer fills exactly the columns, -o wide ones after.
    assert strategy.columns and strategy.columns[0] in ("NAME", "LAST SEEN")
    both = strategy.table_columns(wide=True)
    assert len(set(both)) == len(both) and both[: len(strategy.columns)] == list(strategy.columns)
    cells = strategy.row(obj, 1_704_067_260.0, wide=True)
    assert len(cells) == len(both) and all(isinstance(c, str) for c in cells)
    assert len(strategy.row(obj, 1_704_067_260.0)) == len(strategy.columns)
    assert printers.columns(strategy.kind, wide=True) == both
    # The vSphere counterpart is declared: a phrase, or None (then the pages show none).
    assert strategy.counterpart is None or (isinstance(strategy.counterpart, str) and strategy.counterpart)
    assert COUNTERPART.get(strategy.kind) == strategy.counterpart
    # Protobuf: every built-in kind has its generated message (upstream generated.proto),
    # starting with the metadata.
    if strategy.group != "apiextensions.k8s.io":  # CRDs: kubectl sends them as JSON
        message = protobuf.messages()[strategy.kind]
        assert protobuf.MESSAGES[message][1][:2] == ("metadata", "meta.v1.ObjectMeta")


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_discovery_says_what_the_strategy_says(strategy):
    resources = discovery.resource_list(strategy.api_version)["resources"]
    entry = next(r for r in resources if r["name"] == strategy.plural)
    assert entry["kind"] == strategy.kind and entry["singularName"] == strategy.singular
    assert entry["namespaced"] == strategy.namespaced
    assert entry.get("shortNames", []) == list(strategy.short_names)
    assert entry.get("categories", []) == list(strategy.categories)
    assert entry["verbs"] == sorted(strategy.verbs)
    served = {r["name"].split("/", 1)[1] for r in resources if r["name"].startswith(strategy.plural + "/")}
    assert served == {s.name for s in discovery.subresources(strategy)}
    legacy = strategy.group == ""
    groups = discovery.aggregated(legacy)["items"]
    group = next(g for g in groups if g["metadata"]["name"] == strategy.group)
    version = next(v for v in group["versions"] if v["version"] == strategy.version)
    agg = next(r for r in version["resources"] if r["resource"] == strategy.plural)
    assert agg["scope"] == strategy.scope and agg["responseKind"]["kind"] == strategy.kind
    assert discovery.lookup(strategy.group, strategy.version, strategy.plural) is strategy


def test_generation_and_status_rules_come_from_the_strategy(cluster):
    assert {s.kind for s in STRATEGIES if s.generation} == {
        "CustomResourceDefinition",
        "Deployment",
        "ReplicaSet",
        "PodDisruptionBudget",
        "PriorityClass",
        # issue 15 §3e: their strategies' PrepareForCreate set generation 1 too.
        "ReplicationController",
        "PodTemplate",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    }
    cm = cluster.api.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    )
    assert "generation" not in cm["metadata"]
    pc = cluster.api.create(
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "p"}, "value": 5}
    )
    assert pc["metadata"]["generation"] == 1
    changed = cluster.api.update({**pc, "description": "now described"})
    assert changed["metadata"]["generation"] == 2
    same = cluster.api.update({**changed, "metadata": {**changed["metadata"], "labels": {"a": "b"}}})
    assert same["metadata"]["generation"] == 2
    with pytest.raises(ApiError) as err:
        cluster.api.update({**same, "value": 6})
    assert err.value.code == 422 and "value: Forbidden: may not be changed in an update." in err.value.message


def test_a_name_already_known_is_refused():
    registry = BUILTIN.overlay()
    pod = BUILTIN["Pod"]
    with pytest.raises(ValueError, match="already registered"):
        registry.register(pod)
    clash = Strategy(**{**_toy_fields(), "kind": "Gadget", "plural": "gadgets", "short_names": ("po",)})
    with pytest.raises(ValueError, match="'po' already names Pod"):
        registry.register(clash)
    with pytest.raises(TypeError):
        registry.register(ResourceType("Plain", "", "v1", "plains", True))
    with pytest.raises(TypeError):  # a kind without its printer does not construct
        Strategy(**{k: v for k, v in _toy_fields().items() if k != "printer"})
    assert registry.get("Gadget") is None and len(registry) == len(BUILTIN)


# A toy kind: one Strategy, and the API server serves it ------------------------------------------


def _toy_default(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("size", 1)


def _toy_validate(obj: dict) -> list:
    color = (obj.get("spec") or {}).get("color")
    if not color:
        return [required("spec.color", "")]
    if color not in ("red", "blue"):
        return [invalid("spec.color", color, "must be red or blue")]
    return []


def _toy_update(new: dict, old: dict) -> list:
    if (new.get("spec") or {}).get("color") != (old.get("spec") or {}).get("color"):
        return [invalid("spec.color", new["spec"].get("color"), "field is immutable")]
    return []


def _toy_printer(obj: dict, now: float) -> list[str]:
    spec = obj.get("spec") or {}
    return [
        obj["metadata"]["name"],
        spec.get("color", ""),
        str(spec.get("size")),
        printers.age(obj, now),
        str((obj.get("status") or {}).get("painted", False)),
    ]


def _toy_fields() -> dict:
    return dict(
        kind="Widget",
        group="toys.example.com",
        version="v1",
        plural="widgets",
        namespaced=True,
        short_names=("wdg",),
        categories=("all",),
        subresources=("status",),
        defaulter=_toy_default,
        validator=_toy_validate,
        update_validator=_toy_update,
        generation=True,
        initial_status=lambda obj: obj.__setitem__("status", {"painted": False}),
        columns=("NAME", "COLOR", "SIZE", "AGE"),
        wide_columns=("PAINTED",),
        printer=_toy_printer,
        counterpart="a toy",
    )


def _widget(name="w", color="red", **spec) -> dict:
    return {
        "apiVersion": "toys.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"color": color, **spec},
    }


def test_a_kind_registered_on_one_cluster_is_served_by_it_alone():
    cluster, other = Cluster.new("default", seed=1), Cluster.new("default", seed=1)
    registry = cluster.api.registry
    assert isinstance(registry, Registry) and registry.parent is BUILTIN
    before = registry.revision
    toy = registry.register(Strategy(**_toy_fields()))
    assert registry.revision == before + 1 and BUILTIN.get("Widget") is None

    # create: defaults, validation, initial status, generation
    created = cluster.api.create({**_widget(), "status": {"painted": True}})
    assert created["spec"] == {"color": "red", "size": 1}
    assert created["status"] == {"painted": False} and created["metadata"]["generation"] == 1
    assert created["metadata"]["namespace"] == "default"
    with pytest.raises(ApiError) as err:
        cluster.api.create(_widget("bad", color="green"))
    assert err.value.code == 422
    assert (
        'Widget.toys.example.com "bad" is invalid: spec.color: Invalid value: "green": must be red or blue'
        in (err.value.message)
    )
    with pytest.raises(ApiError) as err:
        cluster.api.create({**_widget("Bad_Name")})
    assert err.value.code == 422 and "metadata.name" in err.value.message

    # get, list
    assert cluster.api.get("Widget", "w", "default")["spec"]["size"] == 1
    cluster.api.create(_widget("v", color="blue", size=3))
    assert [w["metadata"]["name"] for w in cluster.api.list("Widget", "default")] == ["v", "w"]

    # update: status is reset from the old object, generation follows the spec, immutables hold
    current = cluster.api.get("Widget", "w", "default")
    bigger = cluster.api.update({**current, "spec": {"color": "red", "size": 2}, "status": {"painted": True}})
    assert bigger["metadata"]["generation"] == 2 and bigger["status"] == {"painted": False}
    with pytest.raises(ApiError) as err:
        cluster.api.update({**bigger, "spec": {"color": "blue", "size": 2}})
    assert err.value.code == 422 and "field is immutable" in err.value.message
    painted = cluster.api.update(
        {**bigger, "spec": {"color": "blue"}, "status": {"painted": True}}, subresource="status"
    )
    assert painted["status"] == {"painted": True} and painted["spec"] == {"color": "red", "size": 2}
    assert painted["metadata"]["generation"] == 2

    # Table, names, discovery: all from the one Strategy
    assert printers.columns("Widget", registry=registry) == ["NAME", "COLOR", "SIZE", "AGE"]
    assert printers.row("Widget", painted, cluster.clock, wide=True, registry=registry)[:3] == [
        "w",
        "red",
        "2",
    ]
    assert printers.row("Widget", painted, cluster.clock, wide=True, registry=registry)[-1] == "True"
    assert resolve("wdg", registry) is toy and resolve("widgets.toys.example.com", registry) is toy
    assert discovery.lookup("toys.example.com", "v1", "widgets", registry=registry) is toy
    assert discovery.api_group("toys.example.com", registry=registry)["preferredVersion"]["version"] == "v1"
    names = [
        r["name"] for r in discovery.resource_list("toys.example.com/v1", registry=registry)["resources"]
    ]
    assert names == ["widgets", "widgets/status"]

    # The other cluster, and the built-in registry, know nothing of it.
    assert resolve("wdg") is None and discovery.lookup("toys.example.com", "v1", "widgets") is None
    assert discovery.resource_list("toys.example.com/v1") is None
    with pytest.raises(ApiError) as err:
        other.api.create(_widget())
    assert err.value.code == 404 and 'no matches for kind "Widget" in version "toys.example.com/v1"' in (
        err.value.message
    )

    # Unregistered (its CRD deleted): gone from discovery at once.
    registry.unregister("Widget")
    assert discovery.lookup("toys.example.com", "v1", "widgets", registry=registry) is None
    with pytest.raises(ApiError):
        cluster.api.get("Widget", "w", "default")


@pytest.fixture
def widgets_everywhere():
    """The toy kind as a built-in one, for the HTTP facade (which routes with BUILTIN)."""
    BUILTIN.register(Strategy(**{**_toy_fields(), "validator": no_validation}))
    try:
        yield
    finally:
        BUILTIN.unregister("Widget")
    assert discovery.lookup("toys.example.com", "v1", "widgets") is None


def _call(cluster, method, path, body=None, accept="application/json"):
    raw = json.dumps(body).encode() if body is not None else b""
    req = ApiRequest(method, path, {}, "application/json", accept, raw, "/k8s/t")
    static = handler.static(req)
    if static is not None:
        return static.status, json.loads(static.body)
    try:
        target = handler.route(path)
        response = (handler.write if handler.is_write(req) else handler.read)(cluster, target, req)
    except ApiError as error:
        response = handler.error_response(error)
    return response.status, json.loads(response.body)


def test_a_registered_kind_is_served_over_http_with_its_table(widgets_everywhere):
    cluster = Cluster.new("default", seed=2)
    base = "/apis/toys.example.com/v1/namespaces/default/widgets"
    status, created = _call(cluster, "POST", base, _widget("w", color="blue"))
    assert status == 201 and created["spec"] == {"color": "blue", "size": 1}
    status, got = _call(cluster, "GET", f"{base}/w")
    assert status == 200 and got["metadata"]["uid"] == created["metadata"]["uid"]
    status, listed = _call(cluster, "GET", base)
    assert status == 200 and listed["kind"] == "WidgetList" and len(listed["items"]) == 1
    status, table = _call(cluster, "GET", base, accept=TABLE)
    assert status == 200 and table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Color", "Size", "Age", "Painted"]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 0, 1]
    assert table["rows"][0]["cells"][:3] == ["w", "blue", "1"]
    status, resources = _call(cluster, "GET", "/apis/toys.example.com/v1")
    assert status == 200 and resources["resources"][0]["shortNames"] == ["wdg"]

"""Declarative checks: assertions on a sandbox's cluster state, never scripts.

Each assertion names what it looks at and says, in a learner's words, what is missing
when it fails (`says`), optionally pointing at the hint that helps (`hint`, 1-based).

  object:    objects selected by kind and name or labels (and namespace): how many,
             and fields/conditions/labels each one must have
  spread:    pods selected by labels sit on distinct values of a node field (or, with
             `same: true`, all on one value; with `max_per: N`, at most N on each)
  endpoints: a Service has at least `min` ready endpoints
  node:      a node is cordoned, and optionally holds only DaemonSet pods
  event:     an event with this reason (on this kind, named object, message containing
             text) happened
  trace:     a request from `source` reaches `destination` (the network view's trace),
             or a LoadBalancer Service's external address (`load_balancer`, `port`);
             with `dropped_by: COMPONENT`, the request is stopped at that hop instead
             (`network-policy`: a NetworkPolicy drops it)
  access:    whether an identity may do something, as the API server's RBAC authorizer
             answers `kubectl auth can-i VERB RESOURCE -n NAMESPACE --as USER`: `user`
             (with `groups`) or `service_account: NAMESPACE/NAME`, `verb`, `resource`
             (plural; `group` for its API group), `namespace`, and `allowed` (true unless
             the check wants a refusal)

When the object an assertion is about does not exist at all (a named object, a Service,
a node, the pods a selector picks, the object an event names), the result says so ("There
is no pod hello yet.") instead of `says`, which describes the object's state and would
mislead before it exists. An assertion that wants the object gone (`count: 0`) is exempt.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from playground.engine import ApiError
from playground.engine.podstatus import node_ready
from playground.engine.quantity import QuantityError
from playground.engine.quantity import parse as parse_quantity
from playground.engine.selectors import parse_label_selector

KINDS = ("object", "spread", "endpoints", "node", "event", "trace", "access")
# The hops of a trace where a request can be stopped (network.trace's components).
TRACE_COMPONENTS = (
    "dns",
    "gateway",
    "ingress-controller",
    "kube-proxy",
    "network",
    "network-policy",
    "node",
    "pod",
)
_COMPARE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$")
_OPS = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}


class CheckError(ValueError):
    """A check that cannot be evaluated as written (a content error, not a learner's)."""


@dataclass(frozen=True)
class Result:
    ok: bool
    says: str
    hint: int | None = None
    missing: bool = False  # failed because the object it is about does not exist yet


class Missing(str):
    """An evaluator's failure because its object does not exist: what to say instead."""


def missing(kind: str, name: str = "", namespace: str | None = None, selector: str | None = None) -> Missing:
    """What is missing in a learner's words ("There is no pod hello yet.")."""
    from playground.engine.kinds import resolve

    rt = resolve(kind)
    spelled = rt.kind if rt else kind
    if spelled in ("Pod", "Node", "Namespace"):
        spelled = spelled.lower()
    where = ""
    if (rt is None or rt.namespaced) and namespace not in (None, "", "default", "*"):
        where = f" in {namespace}"
    # Words for the learner's page, in its language (the kind and names stay as typed).
    from django.utils.translation import gettext

    if name and where:
        return Missing(
            gettext("There is no %(kind)s %(name)s in %(namespace)s yet.")
            % {"kind": spelled, "name": name, "namespace": namespace}
        )
    if name:
        return Missing(gettext("There is no %(kind)s %(name)s yet.") % {"kind": spelled, "name": name})
    if selector and where:
        return Missing(
            gettext("There is no %(kind)s labelled %(selector)s in %(namespace)s yet.")
            % {"kind": spelled, "selector": selector, "namespace": namespace}
        )
    if selector:
        return Missing(
            gettext("There is no %(kind)s labelled %(selector)s yet.")
            % {"kind": spelled, "selector": selector}
        )
    if where:
        return Missing(
            gettext("There is no %(kind)s in %(namespace)s yet.") % {"kind": spelled, "namespace": namespace}
        )
    return Missing(gettext("There is no %(kind)s yet.") % {"kind": spelled})


def _exists(cluster, kind: str, name: str, namespace: str = "default") -> bool:
    try:
        cluster.get(kind, name, namespace)
    except ApiError as error:
        if error.code == 404:
            return False
        raise
    return True


def field(obj, path: str):
    """A value by dotted path with [index], [key=value] and ["dotted.key"] steps, or None."""
    node = obj
    for part in re.findall(r"[^.\[\]]+|\[[^\]]*\]", path):
        if part.startswith("[") and part[1:2] in ("'", '"'):
            node = node.get(part[2:-2]) if isinstance(node, dict) else None  # ["requests.cpu"]
        elif part.startswith("["):
            inner = part[1:-1]
            if not isinstance(node, list):
                return None
            if "=" in inner:
                key, _, value = inner.partition("=")
                node = next((i for i in node if isinstance(i, dict) and str(i.get(key)) == value), None)
            else:
                index = int(inner)
                node = node[index] if -len(node) <= index < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(parse_quantity(str(value)))
    except (QuantityError, ValueError):
        return None


def compare(actual, expected) -> bool:
    """`expected` is a plain value (equality; quantities compare by value, so "2" equals
    "2000m") or a string such as ">= 3"."""
    found = _COMPARE.match(expected) if isinstance(expected, str) else None
    if found:
        if actual is None:
            return False
        op, wanted = _OPS[found.group(1)], found.group(2)
        a, b = _number(actual), _number(wanted)
        return op(a, b) if a is not None and b is not None else op(str(actual), wanted)
    if actual is None or isinstance(expected, bool) or isinstance(actual, bool):
        return actual == expected
    if str(actual) == str(expected):
        return True
    a, b = _number(actual), _number(expected)
    return a is not None and b is not None and a == b


def _select(cluster, spec: dict) -> list[dict]:
    kind = spec.get("kind")
    if not kind:
        raise CheckError("an object assertion needs a kind")
    namespace = spec.get("namespace", "default")
    try:
        if spec.get("name"):
            return [cluster.get(kind, spec["name"], namespace)]
        selector = spec.get("selector") or ""
        items = cluster.list(kind, None if namespace == "*" else namespace, selector or None)
    except ApiError as error:
        if error.code == 404:
            return []
        raise
    return [o for o in items if not (o["metadata"].get("deletionTimestamp") and spec.get("live", True))]


def _matches(obj: dict, spec: dict) -> bool:
    for path, expected in (spec.get("fields") or {}).items():
        if not compare(field(obj, path), expected):
            return False
    for ctype, status in (spec.get("conditions") or {}).items():
        conditions = (obj.get("status") or {}).get("conditions") or []
        if not any(c.get("type") == ctype and c.get("status") == status for c in conditions):
            return False
    labels = obj["metadata"].get("labels") or {}
    return all(key in labels for key in spec.get("labels") or [])


def _object(cluster, spec: dict) -> bool | Missing:
    """Every selected object must match (`every`, the default), or, with `every: false`,
    `count` counts the ones that match."""
    found = _select(cluster, spec)
    count = spec.get("count", ">= 1")
    if not found and not compare(0, count):
        return missing(
            spec["kind"], spec.get("name", ""), spec.get("namespace", "default"), spec.get("selector")
        )
    matching = [obj for obj in found if _matches(obj, spec)]
    if spec.get("every", True):
        return len(matching) == len(found) and compare(len(found), count)
    return compare(len(matching), count)


def _running_pods(cluster, selector: str, namespace: str) -> list[dict]:
    return [
        p
        for p in cluster.list("Pod", namespace, selector)
        if (p.get("status") or {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
    ]


def _spread(cluster, spec: dict) -> bool | Missing:
    namespace = spec.get("namespace", "default")
    if not cluster.list("Pod", namespace, spec["pods"]):
        return missing("Pod", namespace=namespace, selector=spec["pods"])
    pods = _running_pods(cluster, spec["pods"], namespace)
    if len(pods) < spec.get("min", 2):
        return False
    key = spec.get("by", "spec.nodeName")
    if key.startswith("node."):
        nodes = {n["metadata"]["name"]: n for n in cluster.list("Node")}
        values = [field(nodes.get(p["spec"].get("nodeName"), {}), key[5:]) for p in pods]
    else:
        values = [field(p, key) for p in pods]
    if None in values:
        return False
    if spec.get("same"):
        return len(set(values)) == 1  # kept together (affinity), rather than apart
    if "max_per" in spec:  # evened out (topology spread): no value holds more than max_per
        return max(values.count(v) for v in set(values)) <= spec["max_per"]
    return len(set(values)) == len(values)


def _endpoints(cluster, spec: dict) -> bool | Missing:
    namespace = spec.get("namespace", "default")
    if not _exists(cluster, "Service", spec["service"], namespace):
        return missing("Service", spec["service"], namespace)
    ready = 0
    for slice_ in cluster.list("EndpointSlice", namespace, f"kubernetes.io/service-name={spec['service']}"):
        for endpoint in slice_.get("endpoints") or []:
            if (endpoint.get("conditions") or {}).get("ready"):
                ready += 1
    return ready >= spec.get("min", 1)


def _node(cluster, spec: dict) -> bool | Missing:
    try:
        node = cluster.get("Node", spec["name"])
    except ApiError:
        return missing("Node", spec["name"])
    if "cordoned" in spec and bool((node.get("spec") or {}).get("unschedulable")) != spec["cordoned"]:
        return False
    if spec.get("only_daemonset_pods"):
        for pod in cluster.list("Pod", None, field_selector=f"spec.nodeName={spec['name']}"):
            if pod["metadata"].get("deletionTimestamp"):
                continue
            owners = pod["metadata"].get("ownerReferences") or []
            if not any(o.get("kind") == "DaemonSet" for o in owners):
                return False
    if "ready" in spec:
        if node_ready(node) != spec["ready"]:
            return False
    return True


def _event(cluster, spec: dict) -> bool | Missing:
    """With `kind` and `name`, the event must be about that object; while it has not
    happened and the object does not exist either, the object is what is missing."""
    namespace = None if spec.get("namespace") == "*" else spec.get("namespace")
    for event in cluster.events(namespace):
        involved = event.get("involvedObject") or {}
        if event.get("reason") != spec["reason"]:
            continue
        if spec.get("kind") and involved.get("kind") != spec["kind"]:
            continue
        if spec.get("name") and involved.get("name") != spec["name"]:
            continue
        if spec.get("message") and spec["message"] not in (event.get("message") or ""):
            continue
        return True
    if spec.get("kind") and spec.get("name"):
        if not _exists(cluster, spec["kind"], spec["name"], namespace or "default"):
            return missing(spec["kind"], spec["name"], namespace)
    return False


def _trace(cluster, spec: dict) -> bool | Missing:
    """`destination` as the network view takes it; `load_balancer: NAME` (with `port`)
    stands for that Service's external address, which is only known once assigned."""
    destination = spec.get("destination")
    if spec.get("load_balancer"):
        namespace = spec.get("namespace", "default")
        try:
            svc = cluster.get("Service", spec["load_balancer"], namespace)
        except ApiError:
            return missing("Service", spec["load_balancer"], namespace)
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        if not ingress or not ingress[0].get("ip"):
            return False
        destination = f"{ingress[0]['ip']}:{spec.get('port', 80)}"
    result = cluster.trace(spec.get("source", "outside"), destination)
    if spec.get("dropped_by"):  # the request must stop at this hop (a NetworkPolicy, …)
        hops = result.get("hops") or []
        return not result.get("ok") and bool(hops) and hops[-1].get("component") == spec["dropped_by"]
    return bool(result.get("ok"))


def _access(cluster, spec: dict) -> bool:
    """rbac.authorize for the identity, as a SubjectAccessReview would answer it."""
    from playground.engine import rbac

    if spec.get("service_account"):
        namespace, _, name = spec["service_account"].partition("/")
        user = rbac.service_account_user(namespace, name)
    else:
        user = rbac.User(spec["user"], (*spec.get("groups", ()), rbac.AUTHENTICATED))
    attributes = rbac.Attributes(
        verb=spec["verb"],
        api_group=spec.get("group", ""),
        resource=spec["resource"],
        namespace=spec.get("namespace", ""),
        name=spec.get("name", ""),
    )
    return rbac.authorize(cluster.store, user, attributes).allowed == spec.get("allowed", True)


_EVALUATORS = {
    "object": _object,
    "spread": _spread,
    "endpoints": _endpoints,
    "node": _node,
    "event": _event,
    "trace": _trace,
    "access": _access,
}


def validate(assertion: dict, where: str) -> None:
    kinds = [k for k in KINDS if k in assertion]
    if len(kinds) != 1:
        raise CheckError(f"{where}: name exactly one of {', '.join(KINDS)}")
    if not assertion.get("says"):
        raise CheckError(f"{where}: says (what a learner reads when it fails) is required")
    body = assertion[kinds[0]]
    if not isinstance(body, dict):
        raise CheckError(f"{where}: {kinds[0]} must be a mapping")
    required = {
        "spread": "pods",
        "endpoints": "service",
        "node": "name",
        "event": "reason",
    }
    if kinds[0] in required and required[kinds[0]] not in body:
        raise CheckError(f"{where}: {kinds[0]} needs {required[kinds[0]]}")
    if kinds[0] == "access":
        if not body.get("verb") or not body.get("resource"):
            raise CheckError(f"{where}: access needs verb and resource")
        if bool(body.get("user")) == bool(body.get("service_account")):
            raise CheckError(f"{where}: access names a user or a service_account (NAMESPACE/NAME)")
        if body.get("service_account") and "/" not in body["service_account"]:
            raise CheckError(f"{where}: service_account is NAMESPACE/NAME")
    if kinds[0] == "trace" and not (body.get("destination") or body.get("load_balancer")):
        raise CheckError(f"{where}: trace needs destination or load_balancer")
    if kinds[0] == "trace" and "dropped_by" in body and body["dropped_by"] not in TRACE_COMPONENTS:
        raise CheckError(f"{where}: dropped_by is one of {', '.join(TRACE_COMPONENTS)}")
    if kinds[0] == "object":
        _select_check(body, where)
    if kinds[0] == "event" and body.get("name") and not body.get("kind"):
        raise CheckError(f"{where}: an event's name needs the kind of the object it names")
    for label in (body.get("selector"), body.get("pods")):
        if label:
            parse_label_selector(label)


def _select_check(body: dict, where: str) -> None:
    from playground.engine.kinds import resolve

    rt = resolve(body.get("kind") or "")
    if rt is None:
        crd = addon_crd(body.get("kind") or "")
        if crd is None:
            raise CheckError(f"{where}: unknown kind {body.get('kind')!r}")
        version = next(v for v in crd["spec"]["versions"] if v.get("storage"))
        root = ((version.get("schema") or {}).get("openAPIV3Schema")) or {}
        for path in body.get("fields") or {}:
            if path.startswith("metadata."):  # every kind's ObjectMeta, which a CRD leaves out
                if not field_exists("ConfigMap", "v1", path):
                    raise CheckError(f"{where}: {crd['spec']['names']['kind']} has no field {path}")
            elif not _walk(root, path):
                raise CheckError(f"{where}: {crd['spec']['names']['kind']} has no field {path}")
        return
    for path in body.get("fields") or {}:
        if not field_exists(rt.kind, rt.api_version, path):
            raise CheckError(f"{where}: {rt.kind} has no field {path}")


def addon_crd(name: str) -> dict | None:
    """The CustomResourceDefinition of an addon kind a profile installs (Gateway API,
    VolumeSnapshots, VM Service, VKS), by any name kubectl accepts for it."""
    from playground.engine.addons import gateway_api, vks, vm_service, volume_snapshots

    wanted = name.lower()
    for module in (gateway_api, volume_snapshots, vm_service, vks):
        for crd in module.crds():
            names = crd["spec"]["names"]
            spelled = {names["kind"].lower(), names["plural"], names.get("singular", "")}
            if wanted in spelled.union(names.get("shortNames") or ()):
                return crd
    return None


def field_exists(kind: str, api_version: str, path: str) -> bool:
    """Whether a check's field path names a real field of the kind, by the v1.37 schemas."""
    from playground.engine import schema
    from playground.engine.patch import resolve_schema

    node = schema.root(kind, api_version)
    if node is None:
        return True  # no schema to hold it against
    return _walk(node, path, resolve_schema)


def _walk(node: dict, path: str, resolve_schema=lambda node: node) -> bool:
    """Whether a field path leads somewhere in an OpenAPI schema; below a node that keeps
    unknown fields (a custom resource's free-form part) every path does."""
    for part in re.findall(r"[^.\[\]]+|\[[^\]]*\]", path):
        node = resolve_schema(node)
        if not isinstance(node, dict):
            return False
        if node.get("x-kubernetes-preserve-unknown-fields") and not node.get("properties"):
            return True
        if part.startswith("["):
            keyed = part[1:2] in ("'", '"')
            nxt = node.get("additionalProperties") if keyed else node.get("items")
            if not isinstance(nxt, dict):
                return False
            node = nxt
            continue
        properties = node.get("properties")
        if properties is not None:
            if part not in properties:
                return bool(node.get("x-kubernetes-preserve-unknown-fields"))
            node = properties[part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]  # a map: labels, annotations, data, …
        else:
            return False
    return True


def evaluate(cluster, assertions: list[dict]) -> list[Result]:
    results = []
    for assertion in assertions:
        kind = next(k for k in KINDS if k in assertion)
        outcome = _EVALUATORS[kind](cluster, assertion[kind])
        if isinstance(outcome, Missing):
            results.append(Result(False, str(outcome), assertion.get("hint"), missing=True))
        else:
            results.append(Result(bool(outcome), assertion["says"], assertion.get("hint")))
    return results

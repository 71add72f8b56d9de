"""Checks on the kinds a profile's addons install as custom resources (Gateway API,
VolumeSnapshots, VM Service, VKS): the kind is known by any name kubectl takes for it, and a
field path is held against the CRD's own schema."""

import pytest

from playground.labs.checks import CheckError, addon_crd, validate


@pytest.mark.parametrize("name", ["Gateway", "gateways", "gtw", "HTTPRoute", "VolumeSnapshot", "vs"])
def test_addon_kinds_resolve_by_any_name(name):
    assert addon_crd(name) is not None


def test_an_unknown_kind_is_still_refused():
    assert addon_crd("Gatewayz") is None
    with pytest.raises(CheckError, match=r"here: unknown kind 'Gatewayz'"):
        validate({"object": {"kind": "Gatewayz"}, "says": "s"}, "here")


def test_fields_of_an_addon_kind_are_held_against_its_crd_schema():
    fine = {
        "spec.gatewayClassName": "sandbox",
        "spec.listeners[name=http].port": 80,
        "status.addresses[0].type": "IPAddress",
        "metadata.labels.team": "web",
    }
    validate({"object": {"kind": "Gateway", "fields": fine}, "says": "s"}, "here")
    route = {"status.parents[0].conditions[type=Accepted].reason": "Accepted"}
    validate({"object": {"kind": "HTTPRoute", "fields": route}, "says": "s"}, "here")
    with pytest.raises(CheckError, match=r"here: Gateway has no field spec.gatewayClass$"):
        validate({"object": {"kind": "Gateway", "fields": {"spec.gatewayClass": "x"}}, "says": "s"}, "here")
    with pytest.raises(CheckError, match=r"here: VolumeSnapshot has no field metadata.label.x"):
        validate(
            {"object": {"kind": "VolumeSnapshot", "fields": {"metadata.label.x": "y"}}, "says": "s"}, "here"
        )


# A trace that must be stopped ------------------------------------------------------------

APP = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: "postgres:16", ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Pod
metadata: {name: probe}
spec: {containers: [{name: probe, image: "busybox:1.36", command: [sleep, infinity]}]}
"""
DENY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def test_a_trace_can_require_a_networkpolicy_to_drop_the_request():
    """`dropped_by: network-policy` passes only when the trace stops at that hop: not when the
    request gets through, nor when it fails somewhere else (a name that does not resolve)."""
    from playground.engine import Cluster
    from playground.labs.checks import evaluate

    cluster = Cluster.new("vsphere", seed=3)  # NSX enforces NetworkPolicies; Flannel would not
    cluster.apply(APP)
    cluster.settle()
    dropped = {
        "trace": {"source": "default/probe", "destination": "db.shop:5432", "dropped_by": "network-policy"},
        "says": "s",
    }
    elsewhere = {
        "trace": {"source": "default/probe", "destination": "nope.shop:5432", "dropped_by": "network-policy"},
        "says": "s",
    }
    validate(dropped, "here")
    assert [r.ok for r in evaluate(cluster, [dropped, elsewhere])] == [False, False]
    cluster.apply(DENY)
    cluster.settle()
    assert [r.ok for r in evaluate(cluster, [dropped, elsewhere])] == [True, False]
    with pytest.raises(CheckError, match=r"here: dropped_by is one of dns, "):
        validate({"trace": {"destination": "db.shop:5432", "dropped_by": "firewall"}, "says": "s"}, "here")

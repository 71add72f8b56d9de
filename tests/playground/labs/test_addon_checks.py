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

"""The generic protobuf decoder and its generated schema (playground/kubeapi/protobuf_schema.py,
written by scripts/gen_protobuf_schema.py from k8s.io/api's generated.proto and types.go).

Upstream: the gogo-generated Unmarshal methods in k8s.io/api/*/v1/generated.pb.go decode
each field by number; encoding/json then writes the Go object (json tags, `,inline`
embedded structs, omitempty, pointers). The special JSON forms are apimachinery's
metav1.Time.MarshalJSON, metav1.MicroTime.MarshalJSON, metav1.Duration.MarshalJSON,
resource.Quantity.MarshalJSON, intstr.IntOrString.MarshalJSON and runtime.RawExtension.
"""

import pytest

from playground.engine.errors import ApiError
from playground.kubeapi import protobuf
from playground.kubeapi.openapi import _bytes, _key, _str, _varint
from playground.kubeapi.protobuf_schema import MESSAGES, PACKAGES


def _int(number: int, value: int) -> bytes:
    return _key(number, 0) + _varint(value & ((1 << 64) - 1))


def _body(kind: str, api_version: str, raw: bytes) -> bytes:
    return protobuf.MAGIC + _bytes(1, _str(1, api_version) + _str(2, kind)) + _bytes(2, raw)


def _meta(name: str) -> bytes:
    return _bytes(1, _str(1, name))


def test_schema_has_upstream_field_numbers():
    """Spot checks against k8s.io/api v1.37 generated.proto: JobSpec's podReplacementPolicy
    is 14 (what kubectl 1.32+ sends with `create job --from`), managedBy 15; Role rules 2;
    IngressRule's embedded IngressRuleValue 2, inlined in JSON; Volume's VolumeSource 2."""
    assert MESSAGES["batch.v1.JobSpec"][14] == ("podReplacementPolicy", "string", "", "*o")
    assert MESSAGES["batch.v1.JobSpec"][15][0] == "managedBy"
    assert MESSAGES["rbac.v1.Role"][2] == ("rules", "rbac.v1.PolicyRule", "[]", "")
    assert MESSAGES["networking.v1.IngressRule"][2][1:] == ("networking.v1.IngressRuleValue", "", "i")
    assert MESSAGES["core.v1.Volume"][2][1:] == ("core.v1.VolumeSource", "", "i")
    assert MESSAGES["core.v1.EphemeralContainer"][1][3] == "i"
    assert PACKAGES["rbac.authorization.k8s.io/v1"] == "rbac.v1" and PACKAGES["v1"] == "core.v1"
    # Every message a field names is in the schema (nothing the decoder could not follow).
    for fields in MESSAGES.values():
        for _name, typ, _card, _flags in fields.values():
            assert typ in MESSAGES or typ in ("string", "bytes", "bool", "int32", "int64", "double")


def test_inline_pointer_and_omitempty():
    """A Volume's hostPath sits beside its name (VolumeSource is inlined); a pointer's zero
    (automountServiceAccountToken: false) is kept while an omitempty zero is left out; a
    non-omitempty zero (containerPort 0 is not, name "" is) is written as Go writes it."""
    host_path = _str(1, "/")  # HostPathVolumeSource.path
    volume = _str(1, "root") + _bytes(2, _bytes(1, host_path))  # VolumeSource.hostPath = 1
    container = _str(1, "c") + _str(2, "busybox") + _str(5, "") + _bytes(6, _int(3, 8080))
    spec = (
        _bytes(1, volume)
        + _bytes(2, container)
        + _key(21, 0)
        + b"\x00"  # automountServiceAccountToken: false, a *bool
        + _key(11, 0)
        + b"\x00"  # hostNetwork: false, omitempty
        + _int(4, 0)  # terminationGracePeriodSeconds: 0, a *int64
    )
    pod = protobuf.decode(_body("Pod", "v1", _meta("p") + _bytes(2, spec)))
    assert pod["spec"] == {
        "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
        "containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 8080}]}],
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 0,
    }


def test_special_json_forms():
    """Time and MicroTime as RFC 3339, Duration as Go prints it, Quantity as its string,
    IntOrString as int or string, negative int32 by two's complement, packed repeated ints,
    RawExtension as the JSON it carries."""
    assert [protobuf.go_duration(n) for n in (0, 90 * 10**9, 1_500_000_000, 5 * 10**8, 3600 * 10**9)] == [
        "0s",
        "1m30s",
        "1.5s",
        "500ms",
        "1h0m0s",
    ]
    # Event (core/v1): eventTime is a MicroTime, lastTimestamp a Time.
    event = protobuf.decode(
        _body(
            "Event",
            "v1",
            _meta("e")
            + _bytes(7, _int(1, 1_704_067_260))
            + _bytes(10, _int(1, 1_704_067_260) + _int(2, 250_000_000))
            + _int(8, 3),
        )
    )
    assert event["lastTimestamp"] == "2024-01-01T00:01:00Z"
    assert event["eventTime"] == "2024-01-01T00:01:00.250000Z" and event["count"] == 3
    # ResourceQuota hard: map<string, Quantity>.
    quota = protobuf.decode(
        _body(
            "ResourceQuota", "v1", _meta("q") + _bytes(2, _bytes(1, _str(1, "cpu") + _bytes(2, _str(1, "2"))))
        )
    )
    assert quota["spec"] == {"hard": {"cpu": "2"}}
    # PodFailurePolicy onExitCodes values: repeated int32, packed, one negative.
    requirement = _str(2, "In") + _bytes(3, _varint(42) + _varint((-1) & ((1 << 64) - 1)))
    rule = _str(1, "FailJob") + _bytes(2, requirement)
    job = protobuf.decode(_body("Job", "batch/v1", _meta("j") + _bytes(2, _bytes(11, _bytes(1, rule)))))
    assert job["spec"]["podFailurePolicy"] == {
        "rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42, -1]}}]
    }
    # ServicePort targetPort: IntOrString, named.
    port = _int(3, 80) + _bytes(4, _int(1, 1) + _str(3, "http"))
    service = protobuf.decode(_body("Service", "v1", _meta("s") + _bytes(2, _bytes(1, port))))
    assert service["spec"]["ports"] == [{"port": 80, "targetPort": "http"}]
    # ControllerRevision data: a RawExtension.
    revision = protobuf.decode(
        _body(
            "ControllerRevision",
            "apps/v1",
            _meta("r") + _bytes(2, _bytes(1, b'{"spec":{"a":1}}')) + _int(3, 2),
        )
    )
    assert revision["data"] == {"spec": {"a": 1}} and revision["revision"] == 2


def test_refusals():
    """A custom resource has no layout (415, JSON instead); a wrong wire type or a
    truncated body is a 400."""
    with pytest.raises(ApiError) as custom:
        protobuf.decode(_body("Widget", "example.com/v1", b""))
    assert custom.value.code == 415 and "send JSON instead" in custom.value.message
    with pytest.raises(ApiError) as wire:
        protobuf.decode(_body("ConfigMap", "v1", _int(1, 5)))  # metadata as a varint
    assert wire.value.code == 400 and "wrong wire type" in wire.value.message
    with pytest.raises(ApiError) as deep:
        protobuf.decode(protobuf.MAGIC + b"\x12\x05ab")
    assert deep.value.code == 400

"""Decode Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`).

kubectl 1.32 and later send what their typed clients create as protobuf (`kubectl create
deployment|role|ingress|job --from …`, `debug`, `auth can-i`, …) and client-go 1.34 and
later a delete's options too; a 415 does not make them fall back to JSON. The wire format
is the 4-byte magic `k8s\\0` and a runtime.Unknown message (TypeMeta, raw object bytes).

Every message layout comes from ``protobuf_schema`` (generated from upstream's
generated.proto and the Go structs' tags by scripts/gen_protobuf_schema.py); the decoding
is generic: the JSON an object decodes to is what the API server's JSON encoding of the
decoded Go object writes (JSON names, inlined embedded structs, omitempty, pointers).
A field number outside the layout (a client newer than the schema) is refused by number
rather than silently dropped.
"""

from __future__ import annotations

import base64
import json
import struct

from playground.engine.errors import ApiError
from playground.engine.util import rfc3339, rfc3339_micro
from playground.kubeapi.protobuf_schema import MESSAGES, PACKAGES

MAGIC = b"k8s\x00"


def message_for(api_version: str, kind: str) -> str | None:
    """The schema's message for a kind of a group version, None when it has none (a custom
    resource, a version the schema does not carry)."""
    package = PACKAGES.get(api_version)
    name = f"{package}.{kind}" if package else None
    return name if name in MESSAGES else None


def messages(registry=None) -> dict[str, str]:
    """kind → its top-level message, for every registered kind whose protobuf body is decoded."""
    from playground.engine.registry import BUILTIN

    found = {}
    for strategy in BUILTIN if registry is None else registry:
        name = message_for(strategy.api_version, strategy.kind)
        if name is not None:
            found[strategy.kind] = name
    return found


class ProtobufError(Exception):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ProtobufError("varint too long")


def _fields(data: bytes):
    """(field number, wire type, value) triples of one message."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated field")
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        yield number, wire, value


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


_UNITS = (("h", 3600 * 10**9), ("m", 60 * 10**9))


def go_duration(nanoseconds: int) -> str:
    """A metav1.Duration's JSON form: Go's time.Duration.String() ("1h30m0s", "1.5s", "500ms")."""
    if nanoseconds == 0:
        return "0s"
    sign, n = ("-", -nanoseconds) if nanoseconds < 0 else ("", nanoseconds)
    if n < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if n >= size:
                return sign + _decimal(n, size) + unit
    text = ""
    for unit, size in _UNITS:
        if n >= size or text:
            text += f"{n // size}{unit}"
            n %= size
    return sign + text + _decimal(n, 10**9) + "s"


def _decimal(n: int, size: int) -> str:
    whole, fraction = divmod(n, size)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(size)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def _wire_scalar(typ: str, wire: int, value, where: str):
    if typ in ("string", "bytes"):
        if wire != 2:
            raise ProtobufError(f"{where}: wrong wire type {wire} for a {typ}")
        if typ == "bytes":
            return base64.b64encode(value).decode()
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtobufError(f"{where}: not a UTF-8 string") from None
    if typ == "double":
        if wire != 1:
            raise ProtobufError(f"{where}: wrong wire type {wire} for a double")
        return struct.unpack("<d", value)[0]
    if wire != 0:
        raise ProtobufError(f"{where}: wrong wire type {wire} for a {typ}")
    if typ == "bool":
        return bool(value)
    return _int32(value) if typ == "int32" else _signed(value)


def _packed(typ: str, data: bytes, where: str) -> list:
    """A repeated number field written packed (proto3 style), which decoders must accept."""
    out, pos = [], 0
    while pos < len(data):
        value, pos = _varint(data, pos)
        out.append(_wire_scalar(typ, 0, value, where))
    return out


def _one(data: bytes) -> dict[int, object]:
    return {n: v for n, _w, v in _fields(data)}


def _special(name: str, data: bytes, where: str):
    """The apimachinery types whose JSON form is not an object; NotImplemented otherwise."""
    if name in ("meta.v1.Time", "meta.v1.MicroTime"):
        found = _one(data)
        seconds = _signed(found.get(1, 0))
        if not seconds and not found.get(2):
            return None  # the zero time, which JSON writes as null
        if name == "meta.v1.Time":
            return rfc3339(seconds)
        return rfc3339_micro(seconds + _int32(found.get(2, 0)) / 1e9)
    if name == "meta.v1.Duration":
        return go_duration(_signed(_one(data).get(1, 0)))
    if name == "resource.Quantity":
        text = _one(data).get(1, b"0")
        return _wire_scalar("string", 2, text, where) if isinstance(text, bytes) else "0"
    if name == "intstr.IntOrString":
        found = _one(data)
        if found.get(1, 0) == 1:
            return _wire_scalar("string", 2, found.get(3, b""), where)
        return _int32(found.get(2, 0))
    if name in ("runtime.RawExtension", "meta.v1.FieldsV1"):
        raw = _one(data).get(1, b"")
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ProtobufError(f"{where}: raw JSON does not parse") from None
    if name in _STRING_LISTS:
        return [_wire_scalar("string", w, v, where) for n, w, v in _fields(data) if n == 1]
    return NotImplemented


# Go named slices of strings, which protobuf wraps in a message of their items.
_STRING_LISTS = {"meta.v1.Verbs"} | {name for name in MESSAGES if name.endswith(".ExtraValue")}
_ZERO = ("", 0, False)
MAX_DEPTH = 64


def _value(typ: str, wire: int, value, where: str, depth: int):
    if typ in MESSAGES:
        if wire != 2:
            raise ProtobufError(f"{where}: wrong wire type {wire} for a message")
        return _message(typ, value, where, depth + 1)
    return _wire_scalar(typ, wire, value, where)


def _message(name: str, data: bytes, where: str, depth: int = 0):
    if depth > MAX_DEPTH:
        raise ProtobufError(f"{where}: nested deeper than {MAX_DEPTH} messages")
    special = _special(name, data, where)
    if special is not NotImplemented:
        return special
    layout = MESSAGES[name]
    out: dict = {}
    for number, wire, value in _fields(data):
        spec = layout.get(number)
        if spec is None:
            short = name.rsplit(".", 1)[-1]
            raise ProtobufError(
                f"{where or short}: field number {number} of {short} is not supported by the sandbox"
            )
        field, typ, cardinality, flags = spec
        if "-" in flags:
            continue
        path = f"{where}.{field}" if where else field
        if cardinality == "{}":
            entry = {n: (w, v) for n, w, v in _fields(value)}
            key = _wire_scalar("string", 2, entry.get(1, (2, b""))[1], path)
            item = entry.get(2)
            if item is None:
                item = (2, b"") if typ in MESSAGES or typ in ("string", "bytes") else (0, 0)
            out.setdefault(field, {})[key] = _value(typ, *item, f"{path}[{key}]", depth)
        elif cardinality == "[]":
            if wire == 2 and typ not in MESSAGES and typ not in ("string", "bytes"):
                out.setdefault(field, []).extend(_packed(typ, value, path))
            else:
                out.setdefault(field, []).append(_value(typ, wire, value, path, depth))
        else:
            decoded = _value(typ, wire, value, path, depth)
            if decoded is None:
                continue
            if "i" in flags and isinstance(decoded, dict):
                out.update(decoded)
                continue
            if decoded in _ZERO and not isinstance(decoded, dict) and "*" not in flags and "o" in flags:
                continue  # a Go zero value JSON leaves out; a pointer's zero was set on purpose
            out[field] = decoded
    return out


def _unknown(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw object) of the runtime.Unknown a protobuf body wraps."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "BadRequest", "the protobuf body does not start with the k8s magic prefix")
    found = _one(body[len(MAGIC) :])
    type_meta = found.get(1, b"")
    raw = found.get(2, b"")
    if not isinstance(type_meta, bytes) or not isinstance(raw, bytes):
        raise ProtobufError("the runtime.Unknown envelope is malformed")
    meta = _one(type_meta)
    api_version = _wire_scalar("string", 2, meta.get(1, b""), "apiVersion")
    kind = _wire_scalar("string", 2, meta.get(2, b""), "kind")
    return api_version, kind, raw


def decode_options(body: bytes, kind: str = "DeleteOptions") -> dict:
    """The JSON-shaped options (meta/v1 DeleteOptions) a protobuf request body carries."""
    try:
        _api_version, found, raw = _unknown(body)
        if found != kind:
            raise ApiError(400, "BadRequest", f"expected a {kind} body, not {found or 'an untyped one'}")
        return _message(f"meta.v1.{kind}", raw, "")
    except ProtobufError as error:
        raise ApiError(400, "BadRequest", f"error decoding protobuf body: {error}") from None


def decode(body: bytes) -> dict:
    """The JSON-shaped object a protobuf request body carries, as the API server's protobuf
    serializer decodes it into the Go type and its JSON encoding writes it."""
    try:
        api_version, kind, raw = _unknown(body)
        name = message_for(api_version, kind)
        if name is None:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"the sandbox has no protobuf layout for {kind or 'an untyped object'} in "
                f"{api_version or 'no group version'} (only built-in kinds have one); send JSON instead "
                "(kubectl create … --dry-run=client -o yaml | kubectl apply -f -)",
            )
        obj = _message(name, raw, "")
    except ProtobufError as error:
        raise ApiError(400, "BadRequest", f"error decoding protobuf body: {error}") from None
    return {"apiVersion": api_version, "kind": kind, **obj}

"""Parse the YAML a learner pastes: multi-document, size-limited, safe against alias bombs.

Errors name the line, in the words kubectl uses ("error converting YAML to JSON:
yaml: line 3: …"), and nothing is applied when any document is broken.

Also the one JSON decoder of request bodies (`loads_json`): nesting is bounded (MAX_DEPTH,
checked without recursion before decoding), numbers too big for Go's int64/float64 and
NaN/Infinity are refused, and a lone UTF-16 surrogate escape becomes U+FFFD, as Go's
encoding/json (and so kube-apiserver) decodes it, so nothing undecodable reaches the engine.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate

import yaml

from playground.engine.errors import ApiError, bad_request

MAX_BYTES = 1024 * 1024
MAX_DOCUMENTS = 200
MAX_NODES = 200_000
# How deep objects and lists may nest. kube-apiserver's decoders stop at 10,000 (sigs.k8s.io/json's
# maxNestingDepth, go-yaml's max_flow_level); the engine walks objects recursively in Python, so it
# stops far sooner. The deepest real objects (a CRD's openAPIV3Schema) stay well under this.
MAX_DEPTH = 100
MAX_NUMBER_DIGITS = 1000  # longer numbers are refused before Python's int-string limit (4300) bites

_JSON_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}\n]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1, "\n": 0}
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


class DecodeError(ValueError):
    """A JSON body that cannot be decoded; the message is Go-like and names the line where it can."""


def too_deep(text: str) -> int | None:
    """The line of the first bracket nested deeper than MAX_DEPTH in JSON text, or None.

    Without recursion: strings are blanked out, everything but brackets and newlines dropped,
    and the running depth summed in C; only a body that is too deep is walked to find the line."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if max(accumulate(map(_STEP.__getitem__, brackets)), default=0) <= MAX_DEPTH:
        return None
    level, line = 0, 1
    for char in brackets:
        level += _STEP[char]
        line += char == "\n"
        if level > MAX_DEPTH:
            return line
    return None  # pragma: no cover - the sum above said otherwise


def _go_int(text: str):
    if len(text) > MAX_NUMBER_DIGITS:
        raise DecodeError(f"json: cannot unmarshal number {text[:40]}... into Go value of type float64")
    return int(text)


def _go_float(text: str):
    value = float(text) if len(text) <= MAX_NUMBER_DIGITS else math.inf
    if math.isinf(value):
        raise DecodeError(f"json: cannot unmarshal number {text[:40]} into Go value of type float64")
    return value


def _no_constant(text: str):
    raise DecodeError(f"invalid character '{text[0]}' looking for beginning of value")


def _replace_surrogates(value):
    """Lone surrogates (from escapes such as \\ud800) as U+FFFD, without recursion."""
    stack = [value]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, item in list(items):
            if isinstance(item, str):
                if _SURROGATE.search(item):
                    node[key] = _SURROGATE.sub("\ufffd", item)
            elif isinstance(item, (dict, list)):
                stack.append(item)
            if isinstance(key, str) and _SURROGATE.search(key):
                node[_SURROGATE.sub("\ufffd", key)] = node.pop(key)
    return value


def loads_json(data: bytes | str):
    """Decode a JSON body as kube-apiserver would, or raise DecodeError (a ValueError)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    line = too_deep(text)
    if line is not None:
        raise DecodeError(f"line {line}: exceeded max depth of {MAX_DEPTH}")
    try:
        value = json.loads(text, parse_int=_go_int, parse_float=_go_float, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise DecodeError(f"line {error.lineno}: {error.msg}") from None
    except RecursionError:  # pragma: no cover - too_deep() refuses these first
        raise DecodeError(f"exceeded max depth of {MAX_DEPTH}") from None
    if _SURROGATE_ESCAPE.search(text):
        value = _replace_surrogates([value])[0]
    return value


def depth(value, limit: int = MAX_DEPTH) -> int:
    """How deep value nests (a scalar is 0), counted without recursion and stopping past limit."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def check_depth(value, what: str = "the object") -> None:
    """Refuse (400) data nested deeper than MAX_DEPTH, whatever decoded it."""
    if depth(value) > MAX_DEPTH:
        raise bad_request(f"{what} exceeded max depth of {MAX_DEPTH}")


class _GuardedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses documents that expand past MAX_NODES (billion laughs)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._expanded = 0
        self._sizes: dict[int, int] = {}
        self._depth = 0
        self._open: list[str | None] = []  # anchors of the collections being composed

    def construct_object(self, node, deep=False):
        self._expanded += 1
        if self._expanded > MAX_NODES:
            raise yaml.YAMLError("document expands to too many nodes (alias bomb?)")
        return super().construct_object(node, deep)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open:
                # `a: &a [*a]`: a collection that holds itself has no JSON form (go-yaml's words).
                raise yaml.YAMLError(
                    f"line {event.start_mark.line + 1}: anchor '{event.anchor}' value contains itself"
                )
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._expanded += _expanded_size(node, self._sizes)
                if self._expanded > MAX_NODES:
                    raise yaml.YAMLError(
                        f"line {event.start_mark.line + 1}: aliases expand to more than {MAX_NODES} nodes (alias bomb?)"
                    )
        elif self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            # The composer recurses once per level: refuse deep nesting before Python's stack does.
            if self._depth >= MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"line {mark.line + 1}: exceeded max depth of {MAX_DEPTH}")
            self._depth += 1
            self._open.append(self.peek_event().anchor)
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
                self._open.pop()
        return super().compose_node(parent, index)

    # Scalars become what sigs.k8s.io/yaml (go-yaml, then JSON) makes of them: plain JSON values.

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(value, str) and _SURROGATE.search(value):
            raise yaml.constructor.ConstructorError(
                None, None, "found invalid Unicode character escape code", node.start_mark
            )
        return value

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if len(text) > MAX_NUMBER_DIGITS:
            return text  # go-yaml: neither an int64 nor a finite float64, so a string
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if math.isinf(value) or math.isnan(value):
            text = self.construct_scalar(node)
            if text.lower().lstrip("+-") in (".inf", ".nan"):
                shown = "NaN" if math.isnan(value) else "+Inf" if value > 0 else "-Inf"
                raise yaml.constructor.ConstructorError(
                    None, None, f"json: unsupported value: {shown}", node.start_mark
                )
            return text  # too big for a float64: go-yaml leaves it a string
        return value

    def construct_yaml_timestamp(self, node, values=None):
        return self.construct_scalar(node)  # a string, as go-yaml decodes into interface{}

    def construct_yaml_binary(self, node):
        return super().construct_yaml_binary(node).decode("utf-8", "replace")

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep)
        if all(isinstance(key, str) for key in mapping):
            return mapping
        return {_key(key): value for key, value in mapping.items()}


def _key(key) -> str:
    """A non-string mapping key as a string, as converting YAML to JSON makes it."""
    if isinstance(key, str):
        return key
    if isinstance(key, (bool, type(None), int, float)):
        return json.dumps(key)
    raise yaml.YAMLError(f"invalid map key: {key!r}")


for _tag, _method in (
    ("int", _GuardedLoader.construct_yaml_int),
    ("float", _GuardedLoader.construct_yaml_float),
    ("timestamp", _GuardedLoader.construct_yaml_timestamp),
    ("binary", _GuardedLoader.construct_yaml_binary),
):
    _GuardedLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _method)


def _expanded_size(node, sizes: dict) -> int:
    """How many nodes this node stands for once every alias in it is expanded."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if isinstance(node, yaml.ScalarNode):
        total = 1
    else:
        total = 1
        sizes[key] = MAX_NODES + 1  # a node that contains itself expands forever
        for item in node.value:
            if isinstance(item, tuple):
                total += _expanded_size(item[0], sizes) + _expanded_size(item[1], sizes)
            else:
                total += _expanded_size(item, sizes)
            if total > MAX_NODES:
                break
    sizes[key] = total
    return total


def _line_of(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is not None:
        return f"yaml: line {mark.line + 1}: {problem}"
    return f"yaml: {problem}"


def load(text: str | bytes, max_bytes: int = MAX_BYTES, max_documents: int = MAX_DOCUMENTS) -> list[dict]:
    if isinstance(text, bytes):
        if len(text) > max_bytes:
            raise ApiError(
                413,
                "RequestEntityTooLarge",
                f"the manifest is {len(text)} bytes; the limit is {max_bytes} bytes",
            )
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("the manifest is not valid UTF-8 text") from None
    if len(text.encode("utf-8")) > max_bytes:
        raise ApiError(
            413,
            "RequestEntityTooLarge",
            f"the manifest is {len(text.encode())} bytes; the limit is {max_bytes} bytes",
        )
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = loads_json(text)
        except DecodeError as exc:
            raise bad_request(f"error parsing JSON: {exc}") from None
        documents = data if isinstance(data, list) else [data]
    else:
        documents = []
        loader = _GuardedLoader(text)
        try:
            while loader.check_data():
                doc = loader.get_data()
                if doc is not None:
                    documents.append(doc)
                if len(documents) > max_documents:
                    raise ApiError(
                        413, "RequestEntityTooLarge", f"more than {max_documents} documents in one manifest"
                    )
        except yaml.YAMLError as exc:
            raise bad_request(f"error converting YAML to JSON: {_line_of(exc)}") from None
        except (ValueError, TypeError, RecursionError) as exc:  # a constructor's own error, e.g. a bad date
            raise bad_request(f"error converting YAML to JSON: yaml: {exc}") from None
        finally:
            loader.dispose()
    result = []
    for number, doc in enumerate(documents, start=1):
        if isinstance(doc, dict) and doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            result.extend(doc["items"])
            continue
        if not isinstance(doc, dict):
            raise bad_request(
                f"error validating data: document {number} is not a Kubernetes object (a mapping)"
            )
        result.append(doc)
    return result

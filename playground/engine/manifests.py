"""Parse the YAML a learner pastes: multi-document, size-limited, safe against alias bombs.

Errors name the line, in the words kubectl uses ("error converting YAML to JSON:
yaml: line 3: …"), and nothing is applied when any document is broken.
"""

from __future__ import annotations

import json

import yaml

from playground.engine.errors import ApiError, bad_request

MAX_BYTES = 1024 * 1024
MAX_DOCUMENTS = 200
MAX_NODES = 200_000


class _GuardedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses documents that expand past MAX_NODES (billion laughs)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._expanded = 0
        self._sizes: dict[int, int] = {}

    def construct_object(self, node, deep=False):
        self._expanded += 1
        if self._expanded > MAX_NODES:
            raise yaml.YAMLError("document expands to too many nodes (alias bomb?)")
        return super().construct_object(node, deep)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._expanded += _expanded_size(node, self._sizes)
                if self._expanded > MAX_NODES:
                    raise yaml.YAMLError(
                        f"line {event.start_mark.line + 1}: aliases expand to more than {MAX_NODES} nodes (alias bomb?)"
                    )
        return super().compose_node(parent, index)


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
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise bad_request(f"error parsing JSON: line {exc.lineno}: {exc.msg}") from None
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

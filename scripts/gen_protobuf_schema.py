#!/usr/bin/env python3
"""Write playground/kubeapi/protobuf_schema.py from upstream's API definitions.

Usage: scripts/gen_protobuf_schema.py API_GIT_DIR APIMACHINERY_GIT_DIR [TAG]

API_GIT_DIR and APIMACHINERY_GIT_DIR are git clones (bare or not) of k8s.io/api and
k8s.io/apimachinery (the published staging repositories of kubernetes/kubernetes); TAG
(default v0.37.0-beta.0) is read from both with `git show`, so nothing is checked out.

What it reads, for every stable group version (v1, v2) of k8s.io/api and the
apimachinery packages they import (meta/v1, api/resource, util/intstr, runtime):

* ``generated.proto``: each message's fields, their numbers, types and whether they
  are repeated or maps. This is the wire layout the protobuf decoder needs.
* the Go ``types.go`` structs' tags (``json:"replicas,omitempty" protobuf:"varint,1,…"``):
  what the proto file does not say but the JSON form of an object depends on: the JSON
  name, whether the Go field is a pointer (a zero value sent on purpose is kept),
  ``omitempty``, and embedded structs whose fields JSON inlines (``VolumeSource`` in a
  Volume, ``EphemeralContainerCommon``, ``IngressRuleValue``).
* ``register.go``: the group name of each package.

The output is a committed data module; nothing reads upstream at run time or in tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TAG = "v0.37.0-beta.0"
OUT = Path(__file__).resolve().parent.parent / "playground" / "kubeapi" / "protobuf_schema.py"
APIMACHINERY_PACKAGES = ["pkg/apis/meta/v1", "pkg/api/resource", "pkg/util/intstr", "pkg/runtime"]
SCALARS = {"string", "bytes", "bool", "int32", "int64", "double", "float"}

FIELD = re.compile(r"^\s*(optional|required|repeated)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;")
MAP_FIELD = re.compile(r"^\s*map<\s*(\w+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;")
GO_TYPE = re.compile(r"^type\s+(\w+)\s+struct\s*{")
GO_FIELD = re.compile(r'^\s*(?:(\w+)\s+)?(\*?)([\w.\[\]*]+)\s+`[^`]*?json:"([^"]*)"[^`]*?protobuf:"([^"]*)"')


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def short(name: str) -> str:
    """k8s.io.api.apps.v1.Deployment → apps.v1.Deployment; apimachinery's packages lose
    their path (meta.v1.ObjectMeta, resource.Quantity, intstr.IntOrString)."""
    name = name.lstrip(".")
    for prefix in (
        "k8s.io.api.",
        "k8s.io.apimachinery.pkg.apis.",
        "k8s.io.apimachinery.pkg.api.",
        "k8s.io.apimachinery.pkg.util.",
        "k8s.io.apimachinery.pkg.",
    ):
        if name.startswith(prefix):
            return name[len(prefix) :]
    raise SystemExit(f"unexpected proto package of {name}")


def parse_proto(text: str) -> tuple[str, dict[str, dict[int, tuple[str, str, str]]]]:
    """(package, message → number → (proto name, type, cardinality))."""
    package = re.search(r"^package\s+([\w.]+);", text, re.M).group(1)
    messages: dict[str, dict[int, tuple[str, str, str]]] = {}
    current = None
    for line in text.splitlines():
        line = line.split("//", 1)[0]
        if m := re.match(r"^message\s+(\w+)\s*{", line):
            current = messages.setdefault(m.group(1), {})
        elif line.startswith("}"):
            current = None
        elif current is not None and (m := FIELD.match(line)):
            label, typ, name, number = m.groups()
            current[int(number)] = (name, typ, "[]" if label == "repeated" else "")
        elif current is not None and (m := MAP_FIELD.match(line)):
            key, value, name, number = m.groups()
            assert key == "string", line
            current[int(number)] = (name, value, "{}")
    return package, messages


def parse_go(text: str) -> dict[str, dict[int, tuple[str, str]]]:
    """struct → protobuf number → (JSON name, flags): * pointer, o omitempty, i inline, - not JSON."""
    structs: dict[str, dict[int, tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        if m := GO_TYPE.match(line):
            current = structs.setdefault(m.group(1), {})
        elif line.startswith("}"):
            current = None
        elif current is not None and (m := GO_FIELD.match(line)):
            field_name, pointer, _typ, json_tag, proto_tag = m.groups()
            number = int(proto_tag.split(",")[1])
            parts = json_tag.split(",")
            flags = ""
            if pointer:
                flags += "*"
            if "omitempty" in parts[1:] or "omitzero" in parts[1:]:
                flags += "o"
            if (field_name is None and not parts[0]) or "inline" in parts[1:]:
                flags += "i"
            if parts[0] == "-":
                flags += "-"
            current[number] = (parts[0], flags)
    return structs


def read_package(repo: str, tag: str, path: str) -> tuple[str, dict, dict]:
    package, messages = parse_proto(git(repo, "show", f"{tag}:{path}/generated.proto"))
    go: dict = {}
    for name in git(repo, "ls-tree", "--name-only", f"{tag}:{path}").split():
        if (
            name.endswith(".go")
            and not name.endswith("_test.go")
            and not name.startswith(("zz_", "generated"))
        ):
            go.update(parse_go(git(repo, "show", f"{tag}:{path}/{name}")))
    return package, messages, go


def main(api: str, apimachinery: str, tag: str = TAG) -> None:
    packages: list[tuple[str, str]] = []  # (repo, path)
    group_versions: dict[str, str] = {}
    for path in sorted(git(api, "ls-tree", "-d", "--name-only", f"{tag}:").split()):
        for version in sorted(git(api, "ls-tree", "-d", "--name-only", f"{tag}:{path}").split()):
            if not re.fullmatch(r"v\d+", version):
                continue
            register = git(api, "show", f"{tag}:{path}/{version}/register.go")
            group = re.search(r'GroupName\s*=\s*"([^"]*)"', register).group(1)
            if group in ("admission.k8s.io", "apidiscovery.k8s.io"):
                continue  # webhook payloads and discovery documents, never request bodies
            group_versions[f"{group}/{version}" if group else version] = f"{path}.{version}"
            packages.append((api, f"{path}/{version}"))
    packages += [(apimachinery, p) for p in APIMACHINERY_PACKAGES]

    schema: dict[str, dict[int, tuple[str, str, str, str]]] = {}
    for repo, path in packages:
        package, messages, go = read_package(repo, tag, path)
        for message, fields in messages.items():
            tags = go.get(message, {})
            out = {}
            for number, (name, typ, card) in sorted(fields.items()):
                if typ not in SCALARS:
                    typ = short(typ if "." in typ else f"{package}.{typ}")
                json_name, flags = tags.get(number, (name, ""))
                out[number] = (json_name or name, typ, card, flags)
            schema[short(f"{package}.{message}")] = out

    lines = [
        f'"""The protobuf layout of every stable built-in kind: generated by scripts/gen_protobuf_schema.py\n'
        f"from k8s.io/api and k8s.io/apimachinery {tag} (generated.proto for the field numbers and\n"
        'types, the Go structs\' tags for JSON names and flags). Do not edit by hand."""',
        "",
        "# ruff: noqa: E501",
        "",
        "# apiVersion → proto package (as the message names below abbreviate it).",
        "PACKAGES = {",
        *(f"    {gv!r}: {pkg!r}," for gv, pkg in sorted(group_versions.items())),
        "}",
        "",
        "# message → field number → (JSON name, type, cardinality, flags). Type: a scalar",
        '# (string, bytes, bool, int32, int64) or a message. Cardinality: "" one, "[]" repeated,',
        '# "{}" a map with string keys. Flags: "*" a Go pointer (a zero value sent is kept),',
        '# "o" omitempty, "i" an embedded struct JSON inlines, "-" not in JSON.',
        "MESSAGES = {",
    ]
    for message in sorted(schema):
        lines.append(f"    {message!r}: {{")
        lines += [f"        {n}: {t!r}," for n, t in schema[message].items()]
        lines.append("    },")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")
    subprocess.run([str(Path(sys.executable).parent / "ruff"), "format", "-q", str(OUT)], check=False)
    print(f"{OUT}: {len(schema)} messages, {len(group_versions)} group versions")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    main(*sys.argv[1:])

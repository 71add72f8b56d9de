"""The layers, checked on the import graph: every module is parsed with `ast` (nothing is
imported), so a violation in a module no test loads is still caught.

The rules:

1. playground/engine is the mini Kubernetes: it imports nothing from Django and nothing
   from playground outside playground.engine (relative imports resolved). One known
   exception is pinned, not allowed to grow: Cluster's convenience methods (apply, cordon,
   uncordon, drain, set_image, rollout_*) import kubectl's client side lazily and delegate
   to it (KNOWN_UPWARD). They are kept because the views, scenarios and ~200 tests call
   cluster.apply(...) and friends; moving those callers to playground.kubectl is the way
   to empty the list, and the test fails if the list no longer matches the code.
2. playground/kubectl is kubectl's client side. It imports no Django, and from playground
   only playground.kubectl and the engine's public modules: no module path with a part
   starting with "_" (other than __init__), not playground.engine.store (a client goes
   through Cluster and its API, never the storage), and no imported name starting with "_".
   It reads no `.store` attribute.
3. playground/kubectl, playground/kubeapi, playground/console.py and playground/labs use the
   engine's public API: no name starting with "_" imported from playground.engine, and no
   private attribute access `x._name` (one leading underscore; dunders are fine) unless x is
   `self`/`cls` or a module of the checking module's own package (a package's privates are
   its own business). This is stricter than "private attributes of engine objects", which
   ast cannot tell apart without types: any other `x._name` is refused.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "playground"


def _modules(*relative: str) -> list[Path]:
    found = []
    for rel in relative:
        path = ROOT / rel
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(path: Path, tree: ast.Module):
    """(line, module, imported name or None) for every import, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = _package(path).split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([module] if module else []))
            for alias in node.names:
                yield node.lineno, module, alias.name


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _is_private(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not name.startswith("__")


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


# (module, what it imports) the engine may still import from outside itself: see rule 1.
KNOWN_UPWARD = {
    ("playground.engine.cluster", "playground.kubectl"),
    ("playground.engine.cluster", "playground.kubectl.apply"),
    ("playground.engine.cluster", "playground.kubectl.drain"),
    ("playground.engine.cluster", "playground.kubectl.set_image"),
}


def test_the_engine_imports_nothing_from_django_or_the_rest_of_playground():
    bad, upward = [], set()
    for path in _modules("playground/engine"):
        for line, module, name in _imports(path, _parse(path)):
            full = f"{module}.{name}" if module == "playground" and name else module
            if module.split(".")[0] == "django":
                bad.append(f"{_where(path, line)} imports {module}")
            elif full.split(".")[0] == "playground" and not full.startswith("playground.engine"):
                if (_module_name(path), module) in KNOWN_UPWARD:
                    upward.add((_module_name(path), module))
                else:
                    bad.append(f"{_where(path, line)} imports {full}")
    assert not bad, "\n".join(bad)
    assert upward == KNOWN_UPWARD, "KNOWN_UPWARD lists imports the engine no longer makes: remove them"


def test_kubectl_uses_only_the_engines_public_modules_and_no_django():
    bad = []
    for path in _modules("playground/kubectl"):
        tree = _parse(path)
        for line, module, name in _imports(path, tree):
            top = module.split(".")[0]
            if top == "django":
                bad.append(f"{_where(path, line)} imports {module}")
            elif module == "playground" or (
                top == "playground" and not module.startswith(("playground.engine", "playground.kubectl"))
            ):
                bad.append(f"{_where(path, line)} imports {module} {name or ''}".strip())
            elif module.startswith("playground.engine"):
                parts = module.split(".")
                if any(_is_private(p) for p in parts) or module == "playground.engine.store":
                    bad.append(f"{_where(path, line)} imports the engine's internal {module}")
                if name == "store" or _is_private(name):
                    bad.append(f"{_where(path, line)} imports {name} from {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                bad.append(f"{_where(path, node.lineno)} reads {ast.unparse(node)}")
    assert not bad, "\n".join(bad)


def _own_package_modules(path: Path, tree: ast.Module) -> set[str]:
    """Names bound in this module to modules of its own package (`from . import handler`)."""
    package = _package(path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([module] if module else []))
            if module == package:
                names |= {alias.asname or alias.name for alias in node.names}
    return names


def test_the_engines_neighbours_use_its_public_api():
    bad = []
    for path in _modules(
        "playground/kubectl", "playground/kubeapi", "playground/console.py", "playground/labs"
    ):
        tree = _parse(path)
        for line, module, name in _imports(path, tree):
            if module.startswith("playground.engine") and _is_private(name):
                bad.append(f"{_where(path, line)} imports {name} from {module}")
        own = _own_package_modules(path, tree) | {"self", "cls"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _is_private(node.attr):
                if isinstance(node.value, ast.Name) and node.value.id in own:
                    continue
                bad.append(f"{_where(path, node.lineno)} reaches into {ast.unparse(node)}")
    assert not bad, "\n".join(bad)


def test_the_checks_catch_what_they_are_for(tmp_path):
    """The rules fire on a made-up offender (so a quiet run means a clean tree)."""
    source = "from playground.engine.patch import _resolve\nx = cluster.api._update\n"
    tree = ast.parse(source)
    names = [name for _line, _module, name in _imports(PLAYGROUND / "labs" / "x.py", tree)]
    private_attrs = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and _is_private(n.attr)]
    assert names == ["_resolve"] and private_attrs == ["_update"]
    relative = ast.parse("from ..kubeapi import views\n")
    resolved = list(_imports(PLAYGROUND / "engine" / "registry" / "x.py", relative))
    assert resolved == [(1, "playground.engine.kubeapi", "views")]

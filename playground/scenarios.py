"""Scenarios: a starting cluster as data (profile, manifests, actions), each tied to the
concept pairs it illustrates. Files live in playground/scenarios/*.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from concepts import i18n

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
MANIFEST_DIR = Path(__file__).resolve().parent / "manifests"
ACTIONS = {
    "settle",
    "advance",
    "fail_node",
    "recover_node",
    "cordon",
    "drain",
    "add_node",
    "scale",
    "set_cpu_load",
}


class ScenarioError(ValueError):
    pass


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: str
    summary: str
    pairs: tuple[str, ...]
    profile: str
    manifests: str
    actions: tuple[dict, ...]
    steps: tuple[str, ...]


def _load_file(path: Path, language: str = i18n.ENGLISH) -> Scenario:
    where = path.name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: must be a mapping")
    if language != i18n.ENGLISH:
        data = i18n.localize(i18n.KIND["scenario"], path, data, language)
    for field in ("title", "summary", "pairs"):
        if not data.get(field):
            raise ScenarioError(f"{where}: {field} is required")
    manifests = data.get("manifests", "")
    for name in data.get("manifest_files") or []:
        manifests += "\n---\n" + (MANIFEST_DIR / name).read_text(encoding="utf-8")
    actions = data.get("actions") or []
    for index, action in enumerate(actions):
        if not isinstance(action, dict) or len(action) != 1 or next(iter(action)) not in ACTIONS:
            raise ScenarioError(f"{where}: actions[{index}]: one of {', '.join(sorted(ACTIONS))}")
    return Scenario(
        slug=path.stem,
        title=data["title"],
        summary=data["summary"],
        pairs=tuple(data["pairs"]),
        profile=data.get("profile", "default"),
        manifests=manifests,
        actions=tuple(actions),
        steps=tuple(data.get("steps") or ()),
    )


def scenarios(language: str | None = None) -> dict[str, Scenario]:
    """Every scenario, in `language` (default: the request's language)."""
    return _scenarios(language or i18n.active_language())


@lru_cache(maxsize=4)
def _scenarios(language: str) -> dict[str, Scenario]:
    return {path.stem: _load_file(path, language) for path in sorted(SCENARIO_DIR.glob("*.yaml"))}


scenarios.cache_clear = _scenarios.cache_clear


def for_pair(slug: str) -> Scenario | None:
    for scenario in scenarios().values():
        if slug in scenario.pairs:
            return scenario
    return None


def run_actions(cluster, actions) -> None:
    for action in actions:
        ((name, value),) = action.items()
        if name == "settle":
            cluster.settle(timeout=value or 300)
        elif name == "advance":
            cluster.advance(value)
        elif name in ("fail_node", "recover_node", "cordon"):
            getattr(cluster, name)(value)
        elif name == "drain":
            cluster.drain(value, ignore_daemonsets=True)
        elif name == "add_node":
            cluster.add_node(value or None)
        elif name == "scale":
            cluster.scale(
                value["kind"], value["name"], value["replicas"], namespace=value.get("namespace", "default")
            )
        elif name == "set_cpu_load":
            cluster.set_cpu_load(
                value["kind"], value["name"], value["millicores"], namespace=value.get("namespace", "default")
            )

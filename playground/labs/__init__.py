"""Labs: a starting sandbox and ordered tasks, each with a declarative check, hints, a
solution that can be shown and applied, and an explanation tied back to vSphere.

Files live in playground/labs/content/*.yaml; Markdown bodies are rendered by the views.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from playground.labs.checks import CheckError, validate
from playground.scenarios import ACTIONS, MANIFEST_DIR

CONTENT = Path(__file__).resolve().parent / "content"


class LabError(ValueError):
    pass


@dataclass(frozen=True)
class Task:
    title: str
    instructions: str
    check: tuple[dict, ...]
    hints: tuple[str, ...]
    commands: tuple[str, ...]  # the solution as kubectl lines
    actions: tuple[dict, ...]  # the solution's host actions (fail a node, …)
    explanation: str


@dataclass(frozen=True)
class Lab:
    slug: str
    title: str
    summary: str
    pairs: tuple[str, ...]
    minutes: int
    profile: str
    manifests: str
    actions: tuple[dict, ...]
    tasks: tuple[Task, ...]


def _actions(items, where: str) -> tuple[dict, ...]:
    for index, action in enumerate(items or []):
        if not isinstance(action, dict) or len(action) != 1 or next(iter(action)) not in ACTIONS:
            raise LabError(f"{where}[{index}]: one of {', '.join(sorted(ACTIONS))}")
    return tuple(items or ())


def load(path: Path) -> Lab:
    where = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise LabError(f"{where}:{line}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict):
        raise LabError(f"{where}: must be a mapping")
    for key in ("title", "summary", "pairs", "minutes", "tasks"):
        if not data.get(key):
            raise LabError(f"{where}: {key} is required")
    start = data.get("start") or {}
    manifests = start.get("manifests", "")
    for name in start.get("manifest_files") or []:
        manifests += "\n---\n" + (MANIFEST_DIR / name).read_text(encoding="utf-8")
    tasks = []
    for number, task in enumerate(data["tasks"], 1):
        here = f"{where}: tasks[{number}]"
        for key in ("title", "instructions", "check", "hints", "solution", "explanation"):
            if not task.get(key):
                raise LabError(f"{here}: {key} is required")
        for index, assertion in enumerate(task["check"]):
            try:
                validate(assertion, f"{here}.check[{index}]")
            except CheckError as error:
                raise LabError(str(error)) from None
            hint = assertion.get("hint")
            if hint is not None and not 1 <= hint <= len(task["hints"]):
                raise LabError(f"{here}.check[{index}]: hint {hint} does not exist")
        solution = task["solution"]
        commands = tuple(solution.get("commands") or ())
        for name in solution.get("manifest_files") or []:
            # Shipped manifests, applied as a learner would paste them into kubectl apply -f -.
            commands += ("kubectl apply -f -\n" + (MANIFEST_DIR / name).read_text(encoding="utf-8"),)
        if not commands and not solution.get("actions"):
            raise LabError(f"{here}: the solution needs commands or actions")
        tasks.append(
            Task(
                title=task["title"],
                instructions=task["instructions"],
                check=tuple(task["check"]),
                hints=tuple(task["hints"]),
                commands=commands,
                actions=_actions(solution.get("actions"), f"{here}.solution.actions"),
                explanation=task["explanation"],
            )
        )
    return Lab(
        slug=path.stem,
        title=data["title"],
        summary=data["summary"],
        pairs=tuple(data["pairs"]),
        minutes=int(data["minutes"]),
        profile=start.get("profile", "default"),
        manifests=manifests,
        actions=_actions(start.get("actions"), f"{where}: start.actions"),
        tasks=tuple(tasks),
    )


@lru_cache(maxsize=1)
def labs() -> dict[str, Lab]:
    return {path.stem: load(path) for path in sorted(CONTENT.glob("*.yaml"))}


# Guided paths ---------------------------------------------------------------------------------

PATHS = Path(__file__).resolve().parent / "paths"


@dataclass(frozen=True)
class Step:
    kind: str  # "concept" or "lab"
    slug: str
    intro: str


@dataclass(frozen=True)
class LearningPath:
    slug: str
    title: str
    summary: str
    steps: tuple[Step, ...]


def load_path(path: Path) -> LearningPath:
    where = path.name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("title") or not data.get("steps"):
        raise LabError(f"{where}: a path needs a title and steps")
    steps = []
    for number, step in enumerate(data["steps"], 1):
        kinds = [k for k in ("concept", "lab") if k in step]
        if len(kinds) != 1:
            raise LabError(f"{where}: steps[{number}]: name a concept or a lab")
        slug = step[kinds[0]]
        if kinds[0] == "lab" and slug not in labs():
            raise LabError(f"{where}: steps[{number}]: unknown lab {slug!r}")
        steps.append(Step(kinds[0], slug, step.get("intro", "")))
    return LearningPath(path.stem, data["title"], data.get("summary", ""), tuple(steps))


@lru_cache(maxsize=1)
def paths() -> dict[str, LearningPath]:
    return {path.stem: load_path(path) for path in sorted(PATHS.glob("*.yaml"))}

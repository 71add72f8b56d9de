"""Labs: a starting sandbox and ordered tasks, each with a declarative check, hints, a
solution that can be shown and applied, and an explanation tied back to vSphere.

Files live in playground/labs/content/*.yaml; Markdown bodies are rendered by the views.
Each lab has a level and may name prerequisite labs; `labs()` returns them in curriculum
order (level, then prerequisites first, then slug). A task marked `must_hold` must still
pass at the end for the lab to be complete; other tasks count once they have passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from concepts import i18n
from playground.labs.checks import CheckError, validate
from playground.scenarios import ACTIONS, MANIFEST_DIR

CONTENT = Path(__file__).resolve().parent / "content"
LEVELS = ("beginner", "intermediate", "advanced")


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
    must_hold: bool = False  # must still pass at the end, not only once


@dataclass(frozen=True)
class Facilitator:
    """Notes for whoever runs the lab in a classroom; shown to instructors only."""

    minutes_in_class: int  # time to allow in a workshop, explanations and questions included
    mistakes: tuple[str, ...]  # what learners commonly get wrong
    projector: str  # what to put on the projector (Markdown)


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
    level: str = "beginner"
    prerequisites: tuple[str, ...] = ()
    facilitator: Facilitator | None = None


FACILITATOR_KEYS = ("minutes_in_class", "mistakes", "projector")


def _facilitator(data, where: str) -> Facilitator | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise LabError(f"{where}: must be a mapping of {', '.join(FACILITATOR_KEYS)}")
    unknown = sorted(set(data) - set(FACILITATOR_KEYS))
    if unknown:
        raise LabError(f"{where}: unknown field {unknown[0]!r} (use {', '.join(FACILITATOR_KEYS)})")
    minutes = data.get("minutes_in_class")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        raise LabError(f"{where}.minutes_in_class: a whole number of minutes, at least 1")
    mistakes = data.get("mistakes")
    if not isinstance(mistakes, list) or not mistakes:
        raise LabError(f"{where}.mistakes: a list of at least one common mistake")
    for index, mistake in enumerate(mistakes):
        if not isinstance(mistake, str) or not mistake.strip():
            raise LabError(f"{where}.mistakes[{index}]: must be non-empty text")
    projector = data.get("projector")
    if not isinstance(projector, str) or not projector.strip():
        raise LabError(f"{where}.projector: non-empty text saying what to show on the projector")
    return Facilitator(minutes, tuple(mistakes), projector)


def _actions(items, where: str) -> tuple[dict, ...]:
    for index, action in enumerate(items or []):
        if not isinstance(action, dict) or len(action) != 1 or next(iter(action)) not in ACTIONS:
            raise LabError(f"{where}[{index}]: one of {', '.join(sorted(ACTIONS))}")
    return tuple(items or ())


def load(path: Path, language: str = i18n.ENGLISH) -> Lab:
    """A lab file; in another language, with its translation overlaid (concepts.i18n)."""
    where = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise LabError(f"{where}:{line}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict):
        raise LabError(f"{where}: must be a mapping")
    if language != i18n.ENGLISH:
        data = i18n.localize(i18n.KIND["lab"], path, data, language)
    for key in ("title", "summary", "pairs", "minutes", "level", "tasks"):
        if not data.get(key):
            raise LabError(f"{where}: {key} is required")
    if data["level"] not in LEVELS:
        raise LabError(f"{where}: level must be one of {', '.join(LEVELS)}, not {data['level']!r}")
    prerequisites = data.get("prerequisites") or []
    if not isinstance(prerequisites, list) or not all(isinstance(p, str) for p in prerequisites):
        raise LabError(f"{where}: prerequisites must be a list of lab slugs")
    if path.stem in prerequisites:
        raise LabError(f"{where}: a lab cannot be its own prerequisite")
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
        if not isinstance(task.get("must_hold", False), bool):
            raise LabError(f"{here}: must_hold is true or false")
        tasks.append(
            Task(
                title=task["title"],
                instructions=task["instructions"],
                check=tuple(task["check"]),
                hints=tuple(task["hints"]),
                commands=commands,
                actions=_actions(solution.get("actions"), f"{here}.solution.actions"),
                explanation=task["explanation"],
                must_hold=task.get("must_hold", False),
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
        level=data["level"],
        prerequisites=tuple(dict.fromkeys(prerequisites)),
        facilitator=_facilitator(data.get("facilitator"), f"{where}: facilitator"),
    )


def curriculum(found: dict[str, Lab]) -> list[Lab]:
    """Labs in teaching order: every prerequisite before the labs that need it, and
    otherwise beginner first, then by slug. Unknown prerequisites, a prerequisite above
    the lab's own level, and cycles are errors."""
    rank = {level: index for index, level in enumerate(LEVELS)}
    for lab in found.values():
        for slug in lab.prerequisites:
            if slug not in found:
                raise LabError(f"{lab.slug}.yaml: unknown prerequisite {slug!r}")
            if rank[found[slug].level] > rank[lab.level]:
                raise LabError(
                    f"{lab.slug}.yaml: a {lab.level} lab cannot require the {found[slug].level} lab {slug!r}"
                )
    ordered: list[Lab] = []
    placed: set[str] = set()
    waiting = dict(found)
    while waiting:
        ready = [lab for lab in waiting.values() if placed.issuperset(lab.prerequisites)]
        if not ready:
            raise LabError(f"prerequisites form a cycle among: {', '.join(sorted(waiting))}")
        first = min(ready, key=lambda lab: (rank[lab.level], lab.slug))
        ordered.append(first)
        placed.add(first.slug)
        del waiting[first.slug]
    return ordered


def load_all(directory: Path, language: str = i18n.ENGLISH) -> dict[str, Lab]:
    """Every lab in a directory, checked together and keyed by slug in curriculum order."""
    found = {path.stem: load(path, language) for path in sorted(directory.glob("*.yaml"))}
    return {lab.slug: lab for lab in curriculum(found)}


def labs(language: str | None = None) -> dict[str, Lab]:
    """Every lab, in curriculum order, in `language` (default: the request's language)."""
    return _labs(language or i18n.active_language())


@lru_cache(maxsize=4)
def _labs(language: str) -> dict[str, Lab]:
    return load_all(CONTENT, language)


labs.cache_clear = _labs.cache_clear  # forget every language's labs (tests swap CONTENT)


def following(slug: str) -> Lab | None:
    """The lab after this one in curriculum order, if any."""
    order = list(labs())
    index = order.index(slug) if slug in order else -1
    return labs()[order[index + 1]] if 0 <= index < len(order) - 1 else None


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


def load_path(path: Path, language: str = i18n.ENGLISH) -> LearningPath:
    where = path.name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("title") or not data.get("steps"):
        raise LabError(f"{where}: a path needs a title and steps")
    if language != i18n.ENGLISH:
        data = i18n.localize(i18n.KIND["path"], path, data, language)
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


def paths(language: str | None = None) -> dict[str, LearningPath]:
    """Every guided path, in `language` (default: the request's language)."""
    return _paths(language or i18n.active_language())


@lru_cache(maxsize=4)
def _paths(language: str) -> dict[str, LearningPath]:
    return {path.stem: load_path(path, language) for path in sorted(PATHS.glob("*.yaml"))}


paths.cache_clear = _paths.cache_clear

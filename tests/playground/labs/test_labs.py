"""Every lab end to end: its checks fail at the start and pass after its solutions."""

import dataclasses
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

import playground.labs
from playground.labs import LabError, labs, load, load_all
from playground.labs.runner import start, status, verify

LABS = sorted(labs())


@pytest.mark.parametrize("slug", LABS)
def test_every_lab_starts_failing_and_is_solved_by_its_solutions(slug):
    assert verify(labs()[slug]) == []


def test_verify_catches_a_solution_that_does_not_solve():
    lab = labs()["self-healing"]
    broken_task = dataclasses.replace(lab.tasks[0], commands=("kubectl get pods",), actions=())
    broken = dataclasses.replace(lab, tasks=(broken_task, *lab.tasks[1:]))
    problems = verify(broken)
    assert problems and "task 1 still fails after its solution" in problems[0]


def test_a_failing_task_says_which_assertion_failed_and_which_hint_helps():
    lab = labs()["maintenance-mode"]
    states = status(start(lab), lab)
    assert [s.passed for s in states] == [False, False, False]
    failing = states[0].failing
    assert failing.says.startswith("There is no PodDisruptionBudget web") and failing.hint == 2


@pytest.mark.parametrize("slug", LABS)
def test_every_task_has_hints_from_a_nudge_to_the_command(slug):
    """Issue 17 §5: at least two hints per task, progressing from a nudge to a pointer to the
    command; the first hint never gives a command away, the last one names what to run or do."""
    for number, task in enumerate(labs()[slug].tasks, start=1):
        where = f"{slug} task {number}"
        assert len(task.hints) >= 2, f"{where} has fewer than two hints"
        assert "kubectl " not in task.hints[0] and "`" not in task.hints[0], (
            f"{where}: the first hint is not a nudge"
        )
        assert "kubectl " in task.hints[-1] or "**" in task.hints[-1] or "`" in task.hints[-1], (
            f"{where}: the last hint does not point to a command, a manifest or a button"
        )


def test_the_validator_command():
    call_command("check_labs")


def test_lab_file_errors_name_the_place(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: t\nsummary: s\npairs: [vm-pod]\nminutes: 5\nlevel: beginner\ntasks:\n  - title: x\n"
    )
    with pytest.raises(LabError, match=r"bad.yaml: tasks\[1\]: instructions is required"):
        load(bad)
    bad.write_text(
        "title: t\nsummary: s\npairs: [vm-pod]\nminutes: 5\nlevel: beginner\ntasks:\n"
        "  - {title: x, instructions: i, hints: [h], explanation: e, solution: {commands: [k]},\n"
        "     check: [{object: {kind: Pod}, says: s, hint: 2}]}\n"
    )
    with pytest.raises(LabError, match=r"check\[0\]: hint 2 does not exist"):
        load(bad)


def test_broken_yaml_in_a_lab_names_the_line(tmp_path: Path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("title: t\nsummary: s\ntasks:\n  - hints: [Add `command: x`]\n    x: : y\n")
    with pytest.raises(LabError, match=r"broken.yaml: line \d+: not valid YAML"):
        load(bad)


TASK = (
    "tasks:\n"
    "  - {title: x, instructions: i, hints: [h], explanation: e, solution: {commands: [k]},\n"
    "     check: [{object: {kind: Pod, name: p}, says: s}]}\n"
)


def lab_file(directory: Path, slug: str, head: str) -> Path:
    path = directory / f"{slug}.yaml"
    path.write_text(f"title: {slug}\nsummary: s\npairs: [vm-pod]\nminutes: 5\n{head}" + TASK)
    return path


def test_level_and_must_hold_are_validated_on_load(tmp_path: Path):
    with pytest.raises(LabError, match=r"a.yaml: level is required"):
        load(lab_file(tmp_path, "a", ""))
    with pytest.raises(
        LabError, match=r"a.yaml: level must be one of beginner, intermediate, advanced, not 'expert'"
    ):
        load(lab_file(tmp_path, "a", "level: expert\n"))
    with pytest.raises(LabError, match=r"a.yaml: prerequisites must be a list of lab slugs"):
        load(lab_file(tmp_path, "a", "level: beginner\nprerequisites: first-pod\n"))
    with pytest.raises(LabError, match=r"a.yaml: a lab cannot be its own prerequisite"):
        load(lab_file(tmp_path, "a", "level: beginner\nprerequisites: [a]\n"))
    path = lab_file(tmp_path, "a", "level: advanced\nprerequisites: [b, b]\n")
    path.write_text(path.read_text().replace("title: x,", "title: x, must_hold: yes please,"))
    with pytest.raises(LabError, match=r"tasks\[1\]: must_hold is true or false"):
        load(path)
    path.write_text(path.read_text().replace("must_hold: yes please,", "must_hold: true,"))
    lab = load(path)
    assert lab.level == "advanced" and lab.prerequisites == ("b",) and lab.tasks[0].must_hold


def test_prerequisites_must_exist_sit_no_higher_and_form_no_cycle(tmp_path: Path):
    lab_file(tmp_path, "a", "level: beginner\nprerequisites: [nope]\n")
    with pytest.raises(LabError, match=r"a.yaml: unknown prerequisite 'nope'"):
        load_all(tmp_path)
    lab_file(tmp_path, "a", "level: beginner\nprerequisites: [b]\n")
    lab_file(tmp_path, "b", "level: intermediate\n")
    with pytest.raises(LabError, match=r"a.yaml: a beginner lab cannot require the intermediate lab 'b'"):
        load_all(tmp_path)
    lab_file(tmp_path, "b", "level: beginner\nprerequisites: [c]\n")
    lab_file(tmp_path, "c", "level: beginner\nprerequisites: [a]\n")
    with pytest.raises(LabError, match=r"prerequisites form a cycle among: a, b, c"):
        load_all(tmp_path)


def test_labs_load_in_curriculum_order(tmp_path: Path):
    lab_file(tmp_path, "a-advanced", "level: advanced\n")
    lab_file(tmp_path, "b-basics", "level: beginner\nprerequisites: [z-start]\n")
    lab_file(tmp_path, "m-middle", "level: intermediate\nprerequisites: [b-basics]\n")
    lab_file(tmp_path, "z-start", "level: beginner\n")
    # Alphabetically b-basics would come first; its prerequisite z-start goes before it.
    assert list(load_all(tmp_path)) == ["z-start", "b-basics", "m-middle", "a-advanced"]
    assert list(labs())[0] == "first-pod"


def test_check_labs_fails_on_an_unknown_prerequisite(tmp_path: Path, monkeypatch):
    lab_file(tmp_path, "a", "level: beginner\nprerequisites: [missing-lab]\n")
    monkeypatch.setattr(playground.labs, "CONTENT", tmp_path)
    labs.cache_clear()
    try:
        with pytest.raises(CommandError, match="unknown prerequisite 'missing-lab'"):
            call_command("check_labs")
    finally:
        monkeypatch.undo()
        labs.cache_clear()
    assert "first-pod" in labs()


def test_verify_requires_must_hold_tasks_to_hold_at_the_end():
    lab = labs()["rolling-update"]
    assert not lab.tasks[0].must_hold and lab.tasks[1].must_hold
    # Task 1 (roll out 1.27) is undone by task 2 (roll back): fine unless it must hold.
    held = dataclasses.replace(lab.tasks[0], must_hold=True)
    problems = verify(dataclasses.replace(lab, tasks=(held, *lab.tasks[1:])))
    assert problems == [
        "rolling-update: task 1 must hold but fails at the end: web is not fully rolled out to nginx:1.27 yet."
    ]

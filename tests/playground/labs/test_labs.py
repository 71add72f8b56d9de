"""Every lab end to end: its checks fail at the start and pass after its solutions."""

import dataclasses
from pathlib import Path

import pytest
from django.core.management import call_command

from playground.labs import LabError, labs, load
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
    assert failing.says.startswith("There is no PodDisruptionBudget web") and failing.hint == 1


def test_the_validator_command():
    call_command("check_labs")


def test_lab_file_errors_name_the_place(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: t\nsummary: s\npairs: [vm-pod]\nminutes: 5\ntasks:\n  - title: x\n")
    with pytest.raises(LabError, match=r"bad.yaml: tasks\[1\]: instructions is required"):
        load(bad)
    bad.write_text(
        "title: t\nsummary: s\npairs: [vm-pod]\nminutes: 5\ntasks:\n"
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

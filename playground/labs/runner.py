"""Running a lab against a cluster: its starting state, each task's status, and solutions.

Plain Python over the engine (no Django), so the validator, the tests and the views
all exercise the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground import console
from playground.engine import ApiError
from playground.labs import Lab, Task
from playground.labs.checks import Result, evaluate
from playground.scenarios import run_actions


@dataclass(frozen=True)
class TaskStatus:
    task: Task
    number: int
    results: tuple[Result, ...]

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failing(self) -> Result | None:
        return next((r for r in self.results if not r.ok), None)


def status(cluster, lab: Lab) -> list[TaskStatus]:
    return [
        TaskStatus(task, number, tuple(evaluate(cluster, list(task.check))))
        for number, task in enumerate(lab.tasks, 1)
    ]


def solve(cluster, task: Task) -> list[str]:
    """Apply a task's solution as a learner would: its kubectl lines, then host actions.
    Returns what each command printed."""
    printed = []
    for line in task.commands:
        try:
            printed.append(console.run(cluster, console.parse(line)).rstrip("\n"))
        except (ApiError, console.ConsoleError) as error:
            raise SolutionError(f"{line}: {error}") from None
    run_actions(cluster, list(task.actions))
    return printed


class SolutionError(RuntimeError):
    pass


def start(lab: Lab, seed: int = 0):
    """The lab's starting cluster, built as a sandbox's would be."""
    from playground.sandboxes import build

    return build(lab.profile, seed, lab)


def verify(lab: Lab, seed: int = 0) -> list[str]:
    """Problems with a lab: a check that passes before the learner did anything, a
    solution that fails, a check that still fails after its solution, or a task that
    must hold and no longer passes once every solution is applied."""
    problems = []
    cluster = start(lab, seed)
    for state in status(cluster, lab):
        if state.passed:
            problems.append(f"{lab.slug}: task {state.number} passes before the learner did anything")
    for number, task in enumerate(lab.tasks, 1):
        try:
            solve(cluster, task)
        except SolutionError as error:
            problems.append(f"{lab.slug}: task {number}'s solution fails: {error}")
            break
        results = evaluate(cluster, list(task.check))
        for result in results:
            if not result.ok:
                problems.append(f"{lab.slug}: task {number} still fails after its solution: {result.says}")
    else:
        for state in status(cluster, lab):
            if state.task.must_hold and not state.passed:
                problems.append(
                    f"{lab.slug}: task {state.number} must hold but fails at the end: {state.failing.says}"
                )
    return problems

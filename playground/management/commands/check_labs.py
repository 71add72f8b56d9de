"""Validate every lab: its file, every check against real fields, every solution.

Builds each lab's starting sandbox, requires every task's check to fail there, applies
the solutions in order and requires each task's check to pass after its own.
"""

from django.core.management.base import BaseCommand, CommandError

from playground.labs import LabError, labs


class Command(BaseCommand):
    help = "Check that every lab loads, starts failing, and is solved by its solutions."

    def handle(self, *args, **options):
        from concepts.catalogue import catalogue
        from playground.labs.runner import verify

        try:
            found = labs()
        except LabError as error:
            raise CommandError(str(error)) from None
        problems = []
        for lab in found.values():
            for pair in lab.pairs:
                if catalogue().get(pair) is None:
                    problems.append(f"{lab.slug}: unknown concept pair {pair!r}")
            problems += verify(lab)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {len(found)} labs")
        self.stdout.write(
            f"{len(found)} labs, {sum(len(lab.tasks) for lab in found.values())} tasks: all verified"
        )

"""PrioritySort: the active queue pops the highest spec.priority first, then the oldest."""

from __future__ import annotations

from playground.engine.scheduler.framework import QUEUE_SORT, Plugin


class PrioritySort(Plugin):
    name = "PrioritySort"
    extension_points = (QUEUE_SORT,)

    @staticmethod
    def sort_key(priority: int, seq: int) -> tuple[int, int]:
        """The heap key: ``less(a, b)`` is ``sort_key(a) < sort_key(b)``."""
        return (-priority, seq)

    def less(self, a: tuple[int, int], b: tuple[int, int]) -> bool:
        """a and b are (priority, sequence) of two queued pods."""
        return self.sort_key(*a) < self.sort_key(*b)

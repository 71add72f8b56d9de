"""Snapshot labels in the visitor's language (issue 19).

A snapshot's label is stored data (``Snapshot.label``): the English that
``sandboxes.change(…, label)`` and the rewind, reset, lab and mirror-copy paths write. It
stays English in the database, so old rows and new ones read the same, and is translated
when shown: :func:`describe` matches it against the known label shapes below (English
templates with ``%(name)s`` for what varies: node, kind and object names stay as they are)
and renders the matching one with gettext. A label no shape matches (a console command
such as ``kubectl scale …``, or one cut at 200 characters) shows as it was stored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.utils.translation import gettext, gettext_noop

# Every shape a label is stored in. Who writes them: playground/views.py (Apply YAML, host
# actions from NODE_ACTIONS, Add host, Edit settings, Edit resource settings, Scheduler
# configuration, Step, Settle), sandboxes.py (Reset, Before going back to), lab_attempts.py
# (Lab solution, Before the instructor reset this lab), kubeapi/handler.describe (kubectl:
# create/replace/patch/delete), translator/views.py (Apply translation of) and
# mirror/copy.py (As copied from).
SHAPES = (
    gettext_noop("Apply YAML"),
    gettext_noop("Add host"),
    gettext_noop("Step"),
    gettext_noop("Settle"),
    gettext_noop("Reset"),
    gettext_noop("Scheduler configuration"),
    gettext_noop("Before the instructor reset this lab"),
    gettext_noop("Enter maintenance mode: %(node)s"),
    gettext_noop("Exit maintenance mode: %(node)s"),
    gettext_noop("Simulate host failure: %(node)s"),
    gettext_noop("Power on: %(node)s"),
    gettext_noop("Edit settings: %(kind)s %(name)s"),
    gettext_noop("Edit resource settings: %(namespace)s"),
    gettext_noop("Lab solution: %(task)s"),
    gettext_noop("Apply translation of %(file)s"),
    gettext_noop("As copied from %(cluster)s"),
    gettext_noop("kubectl: create %(resource)s"),
    gettext_noop("kubectl: replace %(resource)s"),
    gettext_noop("kubectl: patch %(resource)s"),
    gettext_noop("kubectl: delete %(resource)s"),
    # A label inside a label: the snapshot rewind keeps of where it went back from.
    gettext_noop("Before going back to: %(label)s"),
)

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A kind is one word; any other value is the rest of its part of the label.
_VALUE = {"kind": r"\S+"}


@functools.cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    patterns = []
    for shape in SHAPES:
        regex, at = "", 0
        for found in _PLACEHOLDER.finditer(shape):
            regex += re.escape(shape[at : found.start()])
            name = found.group(1)
            regex += f"(?P<{name}>{_VALUE.get(name, '.+')})"
            at = found.end()
        regex += re.escape(shape[at:])
        patterns.append((re.compile(regex, re.DOTALL), shape))
    return patterns


def describe(label: str, translate: Callable[[str], str] = gettext) -> str:
    """The label in the language of `translate` (gettext: the active language); a label no
    shape matches comes back unchanged."""
    for pattern, shape in _patterns():
        found = pattern.fullmatch(label)
        if found is None:
            continue
        values = found.groupdict()
        if "label" in values:
            values["label"] = describe(values["label"], translate)
        try:
            return translate(shape) % values
        except (KeyError, TypeError, ValueError):  # a broken translation must not break the page
            return label
    return label

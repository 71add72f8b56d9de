"""`{{ step|narration }}`: a control loop's step in the visitor's language, and
`{{ snap.label|snapshot_label }}`: a snapshot's stored label the same way.

Steps keep their English "message" (stored states, the API, the English pages); a step the
engine wrote as a ``playground.engine.text.Text`` also carries "text", which is rendered
here with gettext. Older steps, and messages Kubernetes itself prints, show in English.
Snapshot labels are stored in English and matched to their known shapes when shown
(playground/snapshot_labels.py).
"""

from django import template
from django.utils.translation import gettext

from playground.engine.text import narrate
from playground.snapshot_labels import describe

register = template.Library()


@register.filter
def narration(step: dict) -> str:
    return narrate(step, gettext)


@register.filter
def snapshot_label(label: str) -> str:
    return describe(label or "", gettext)

"""`{{ step|narration }}`: a control loop's step in the visitor's language.

Steps keep their English "message" (stored states, the API, the English pages); a step the
engine wrote as a ``playground.engine.text.Text`` also carries "text", which is rendered
here with gettext. Older steps, and messages Kubernetes itself prints, show in English.
"""

from django import template
from django.utils.translation import gettext

from playground.engine.text import narrate

register = template.Library()


@register.filter
def narration(step: dict) -> str:
    return narrate(step, gettext)

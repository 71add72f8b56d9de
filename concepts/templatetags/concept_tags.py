"""Template helpers for rendering teaching content."""

from functools import lru_cache

import markdown as markdown_lib
from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter(name="markdown")
def render_markdown(text: str) -> str:
    """Markdown from the repository's own content files to HTML.

    Only content that ships in this repository passes through here; it is
    reviewed like code, so its HTML is trusted. Never use this on user input.
    """
    return mark_safe(_html(str(text)))  # noqa: S308


@lru_cache(maxsize=4096)
def _html(text: str) -> str:
    """Converted once per text and process: a lab's task list, polled by every learner,
    shows the same few paragraphs each time (the whole shipped content, in every
    language, is a few thousand texts). Keyed by the text itself, never by a lazy
    translation, whose words depend on the language active when it is read."""
    return markdown_lib.markdown(text, extensions=["sane_lists"])

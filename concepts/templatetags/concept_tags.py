"""Template helpers for rendering teaching content."""

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
    return mark_safe(markdown_lib.markdown(text, extensions=["sane_lists"]))  # noqa: S308

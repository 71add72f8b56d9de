"""Render graphviz DOT to inline SVG with the `dot` program.

Diagrams are drawn server-side so pages stay static and work offline. A rendered
SVG is cached by its DOT source: the same source always gives the same picture.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache

RENDER_TIMEOUT_SECONDS = 20


class DiagramError(RuntimeError):
    """`dot` is missing or failed; the message says which and how to fix it."""


def dot_path(program: str = "dot") -> str | None:
    return shutil.which(program)


def quote(text: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


@lru_cache(maxsize=256)
def render_svg(source: str, program: str = "dot") -> str:
    """The SVG for a DOT source, ready to inline in HTML (no XML prolog)."""
    executable = dot_path(program)
    if executable is None:
        raise DiagramError(
            f"The graphviz program {program!r} was not found; install it with "
            "'sudo apt-get install graphviz'."
        )
    try:
        completed = subprocess.run(
            [executable, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=RENDER_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DiagramError(f"graphviz took longer than {RENDER_TIMEOUT_SECONDS} s") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise DiagramError(f"graphviz failed: {message}")
    svg = completed.stdout.decode("utf-8")
    # Drop the XML declaration, DOCTYPE and comments: they are invalid inside HTML.
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    return svg.strip()

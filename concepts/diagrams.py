"""Render graphviz DOT to inline SVG with the `dot` program.

Diagrams are built with the `graphviz` package (graphviz.Digraph does the DOT syntax and
quoting) and drawn server-side so pages stay static and work offline. A rendered SVG is
cached by its DOT source: the same source always gives the same picture. `dot` runs with
a time limit, and a source or a picture beyond a size limit is refused, not drawn.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache

RENDER_TIMEOUT_SECONDS = 20
MAX_SOURCE_BYTES = 2 * 1024 * 1024
MAX_SVG_BYTES = 16 * 1024 * 1024


class DiagramError(RuntimeError):
    """`dot` is missing or failed; the message says which and how to fix it."""


def dot_path(program: str = "dot") -> str | None:
    return shutil.which(program)


@lru_cache(maxsize=256)
def render_svg(source: str, program: str = "dot") -> str:
    """The SVG for a DOT source (str, or a graphviz.Digraph's .source), ready to inline in
    HTML (no XML prolog)."""
    data = source.encode("utf-8")
    if len(data) > MAX_SOURCE_BYTES:
        raise DiagramError(
            f"the diagram is too large to draw ({len(data)} bytes of DOT; the limit is {MAX_SOURCE_BYTES})"
        )
    executable = dot_path(program)
    if executable is None:
        raise DiagramError(
            f"The graphviz program {program!r} was not found; install it with "
            "'sudo apt-get install graphviz'."
        )
    try:
        completed = subprocess.run(
            [executable, "-Tsvg"],
            input=data,
            capture_output=True,
            timeout=RENDER_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DiagramError(f"graphviz took longer than {RENDER_TIMEOUT_SECONDS} s") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise DiagramError(f"graphviz failed: {message}")
    if len(completed.stdout) > MAX_SVG_BYTES:
        raise DiagramError(f"the drawing is too large to show ({len(completed.stdout)} bytes of SVG)")
    svg = completed.stdout.decode("utf-8")
    # Drop the XML declaration, DOCTYPE and comments: they are invalid inside HTML.
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    return svg.strip()

"""System checks: the app cannot draw its diagrams without graphviz's `dot`."""

from django.conf import settings
from django.core.checks import Error, register

from concepts.diagrams import dot_path


@register()
def graphviz_dot_installed(app_configs, **kwargs):
    program = getattr(settings, "GRAPHVIZ_DOT", "dot")
    if dot_path(program) is not None:
        return []
    return [
        Error(
            f"The graphviz program {program!r} was not found on the PATH; the architecture "
            "and topology diagrams cannot be drawn.",
            hint="Install it with 'sudo apt-get install graphviz' (Debian/Ubuntu), or set "
            "GRAPHVIZ_DOT to the full path of dot.",
            id="concepts.E001",
        )
    ]

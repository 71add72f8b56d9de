"""kubectl api-resources: every type the API server serves."""

from __future__ import annotations

from playground.engine import printers
from playground.kubectl.cmd.registry import OUTPUT_UNSUPPORTED, Unsupported, Verb, register
from playground.kubectl.cmd.util import Command


def run(cluster, command: Command) -> str:
    rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    for rt in sorted(cluster.api.registry, key=lambda t: (t.group, t.plural)):  # custom resources too
        rows.append(
            [rt.plural, ",".join(rt.short_names), rt.api_version, str(rt.namespaced).lower(), rt.kind]
        )
    return printers.render(rows)


register(
    Verb(
        "api-resources",
        run,
        (),
        "kubectl api-resources [flags] [options]",
        "Print the supported API resources on the server.",
        unsupported=(
            Unsupported("namespaced", instead="the NAMESPACED column shows it for every resource"),
            Unsupported("api-group", instead="the APIVERSION column shows each resource's group"),
            OUTPUT_UNSUPPORTED,
        ),
    )
)

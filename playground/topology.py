"""The topology diagram: hosts holding their pods, Services pointing at their endpoints,
Ingresses at Services, load-balancer and NodePort entry points. Drawn with graphviz;
beyond 12 pods on a host they are grouped by owner so it stays readable."""

from __future__ import annotations

from concepts.diagrams import quote, render_svg
from playground.engine.util import controller_of
from playground.inventory import node_state, pod_state

TONE_COLOURS = {
    "ok": ("#e7f6ee", "#1f7a4d"),
    "warn": ("#fff4d6", "#9a6700"),
    "bad": ("#fde8e7", "#b42318"),
    "muted": ("#eef0f3", "#6b7280"),
}
GROUP_ABOVE = 12
HIGHLIGHT = ', penwidth=4, color="#c026d3", class="highlight"'


def highlights(cluster, record: dict | None) -> set[str]:
    """The diagram keys a control-loop step touched: the object, its pods, their hosts."""
    if not record or not record.get("kind"):
        return set()
    kind, ns, name = record["kind"], record.get("namespace") or "", record.get("name") or ""
    keys: set[str] = set()
    if kind == "Node":
        keys.add(f"node/{name}")
    elif kind == "Service":
        keys.add(f"svc/{ns}/{name}")
    elif kind == "Ingress":
        keys.add(f"ing/{ns}/{name}")
    pods = []
    if kind == "Pod":
        pods = [p for p in cluster.store.iter("Pod", ns) if p["metadata"]["name"] == name]
    elif kind in ("ReplicaSet", "DaemonSet", "StatefulSet", "Job", "Deployment"):
        owners = {name}
        if kind == "Deployment":
            owners |= {
                rs["metadata"]["name"]
                for rs in cluster.store.iter("ReplicaSet", ns)
                if (controller_of(rs) or {}).get("name") == name
            }
        pods = [p for p in cluster.store.iter("Pod", ns) if (controller_of(p) or {}).get("name") in owners]
    for pod in pods:
        keys.add(f"pod/{pod['metadata']['namespace']}/{pod['metadata']['name']}")
        if kind == "Pod" and (pod.get("spec") or {}).get("nodeName"):
            keys.add(f"node/{pod['spec']['nodeName']}")
    return keys


def to_dot(cluster, url, highlight: set[str] = frozenset()) -> str:
    lines = [
        "digraph topology {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, bgcolor="transparent", nodesep=0.15, ranksep=0.6, compound=true];',
        '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", margin="0.08,0.03"];',
        '  edge [color="#8a94a3", arrowsize=0.6];',
    ]
    ids: dict[str, str] = {}

    def ident(key: str) -> str:
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    for node in sorted(cluster.store.iter("Node"), key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        text, tone = node_state(cluster, node)
        fill, colour = TONE_COLOURS[tone]
        lines.append(f"  subgraph cluster_{ident('node/' + name)} {{")
        lines.append(
            f'    label={quote(name + chr(10) + text)}; style="rounded,filled"; fillcolor="#f6f9fe"; color={quote(colour)}; '
            f'penwidth=2; URL={quote(url("Node", "", name))}; target="_top"; tooltip={quote("Node " + name + " (ESXi host): " + text)};'
        )
        if f"node/{name}" in highlight:
            lines.append('    penwidth=4; color="#c026d3"; class="highlight";')
        pods = sorted(
            cluster.store.pods_on(name), key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"])
        )
        if len(pods) > GROUP_ABOVE:
            groups: dict[str, list] = {}
            for pod in pods:
                owner = controller_of(pod)
                groups.setdefault(
                    f"{pod['metadata']['namespace']}/{owner['name'] if owner else pod['metadata']['name']}",
                    [],
                ).append(pod)
            for label, members in sorted(groups.items()):
                tones = [pod_state(p)[1] for p in members]
                tone = "bad" if "bad" in tones else "warn" if "warn" in tones else "ok"
                fill, colour = TONE_COLOURS[tone]
                for pod in members:
                    ids[f"pod/{pod['metadata']['namespace']}/{pod['metadata']['name']}"] = ident(
                        f"group/{name}/{label}"
                    )
                lit = any(
                    f"pod/{p['metadata']['namespace']}/{p['metadata']['name']}" in highlight for p in members
                )
                lines.append(
                    f"    {ident('group/' + name + '/' + label)} [label={quote(label.split('/')[1] + ' ×' + str(len(members)))}, "
                    f"fillcolor={quote(fill)}, color={quote(colour)}{HIGHLIGHT if lit else ''}];"
                )
        else:
            for pod in pods:
                text, tone = pod_state(pod)
                fill, colour = TONE_COLOURS[tone]
                key = f"pod/{pod['metadata']['namespace']}/{pod['metadata']['name']}"
                lines.append(
                    f"    {ident(key)} [label={quote(pod['metadata']['name'] + chr(10) + text)}, fillcolor={quote(fill)}, color={quote(colour)}, "
                    f'URL={quote(url("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"]))}, target="_top", '
                    f"tooltip={quote('Pod (VM) ' + pod['metadata']['name'] + ': ' + text)}{HIGHLIGHT if key in highlight else ''}];"
                )
        if not pods:
            lines.append(
                f'    {ident("empty/" + name)} [label="no pods", style=dashed, color="#b8c1cc", fontcolor="#6b7280"];'
            )
        lines.append("  }")
    for svc in sorted(
        cluster.store.iter("Service"), key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])
    ):
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        if ns == "default" and name == "kubernetes":
            continue
        spec = svc.get("spec") or {}
        key = f"svc/{ns}/{name}"
        label = f"{name}\n{spec.get('type', 'ClusterIP')} {spec.get('clusterIP', '')}"
        lines.append(
            f'  {ident(key)} [shape=ellipse, label={quote(label)}, fillcolor="#e4ecfb", color="#2456b8", '
            f'URL={quote(url("Service", ns, name))}, target="_top", tooltip={quote("Service " + name + " (one-armed load balancer)")}'
            f"{HIGHLIGHT if key in highlight else ''}];"
        )
        targets = set()
        for es in cluster.store.iter("EndpointSlice", ns):
            if (es["metadata"].get("labels") or {}).get("kubernetes.io/service-name") != name:
                continue
            for ep in es.get("endpoints") or []:
                ref = ep.get("targetRef") or {}
                pod_key = f"pod/{ref.get('namespace')}/{ref.get('name')}"
                if pod_key in ids and ids[pod_key] not in targets:
                    targets.add(ids[pod_key])
                    style = "" if (ep.get("conditions") or {}).get("ready") else ", style=dashed"
                    lines.append(f'  {ident(key)} -> {ids[pod_key]} [color="#2456b8"{style}];')
        for ingress in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
            lb = f"lb/{ingress.get('ip')}"
            lines.append(
                f'  {ident(lb)} [shape=cds, label={quote("load balancer " + str(ingress.get("ip")))}, fillcolor="#fff6dc", color="#9a6700"];'
            )
            lines.append(f'  {ident(lb)} -> {ident(key)} [color="#9a6700"];')
        ports = [p.get("nodePort") for p in spec.get("ports") or [] if p.get("nodePort")]
        if ports and spec.get("type") == "NodePort":
            np = f"nodeport/{ns}/{name}"
            lines.append(
                f'  {ident(np)} [shape=cds, label={quote("NodePort " + ", ".join(map(str, ports)) + " on every node")}, fillcolor="#fff6dc", color="#9a6700"];'
            )
            lines.append(f'  {ident(np)} -> {ident(key)} [color="#9a6700"];')
    for ing in sorted(
        cluster.store.iter("Ingress"), key=lambda i: (i["metadata"]["namespace"], i["metadata"]["name"])
    ):
        ns, name = ing["metadata"]["namespace"], ing["metadata"]["name"]
        key = f"ing/{ns}/{name}"
        hosts = [r.get("host") or "*" for r in (ing.get("spec") or {}).get("rules") or []]
        lines.append(
            f'  {ident(key)} [shape=hexagon, label={quote("Ingress " + name + chr(10) + chr(10).join(hosts))}, fillcolor="#f3e8ff", color="#7c3aed", '
            f'URL={quote(url("Ingress", ns, name))}, target="_top"{HIGHLIGHT if key in highlight else ""}];'
        )
        for rule in (ing.get("spec") or {}).get("rules") or []:
            for path in ((rule.get("http") or {}).get("paths")) or []:
                backend = ((path.get("backend") or {}).get("service") or {}).get("name")
                if backend and f"svc/{ns}/{backend}" in ids:
                    lines.append(
                        f'  {ident(key)} -> {ids["svc/" + ns + "/" + backend]} [color="#7c3aed", label={quote((rule.get("host") or "*") + path.get("path", "/"))}, fontsize=8];'
                    )
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg(cluster, url, program: str = "dot", highlight: set[str] = frozenset()) -> str:
    return render_svg(to_dot(cluster, url, highlight), program)

"""The topology diagram: hosts holding their pods, Services pointing at their endpoints,
Ingresses at Services, load-balancer and NodePort entry points. Drawn with graphviz;
beyond 12 pods on a host they are grouped by owner so it stays readable.

The layout is pinned so that a change of state never moves things around: entry points
sit in the left column, Services in the middle, hosts in the right column stacked in
name order (invisible edges chain them top to bottom), pods in namespace/name order.
Which edges exist (a pod leaving a Service's endpoints when its host fails) no longer
decides which column a host lands in.

A traced request (Cluster.trace) can be laid over the picture as numbered edges.
"""

from __future__ import annotations

import graphviz
from django.utils.translation import gettext

from concepts.diagrams import render_svg
from playground.engine.util import controller_of
from playground.inventory import node_state, pod_state

TONE_COLOURS = {
    "ok": ("#e7f6ee", "#1f7a4d"),
    "warn": ("#fff4d6", "#9a6700"),
    "bad": ("#fde8e7", "#b42318"),
    "muted": ("#eef0f3", "#6b7280"),
}
GROUP_ABOVE = 12
HIGHLIGHT = {"penwidth": "4", "color": "#c026d3", "class": "highlight"}
TRACE_COLOUR = "#0e7490"
TRACE_FAILED_COLOUR = "#b42318"
SERVICE_COLOUR = "#2456b8"
ENTRY_COLOUR = "#9a6700"
INGRESS_COLOUR = "#7c3aed"


def text(*lines) -> str:
    """A label whose lines are shown as written: no DOT escapes, never an HTML label."""
    return graphviz.nohtml("\\n".join(graphviz.escape(str(line)) for line in lines))


def ident(key: str) -> str:
    """A stable DOT id for a diagram key (graphviz's edge syntax reads ':' as a port)."""
    return key.replace(":", "_")


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


def _by_name(objects) -> list[dict]:
    return sorted(objects, key=lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"]))


def _pod_key(pod: dict) -> str:
    return f"pod/{pod['metadata']['namespace']}/{pod['metadata']['name']}"


class _Drawing:
    """Builds the graphviz.Digraph; `ids` maps each diagram key to the DOT node drawn for it."""

    def __init__(self, cluster, url, highlight):
        self.cluster, self.url, self.highlight = cluster, url, highlight
        self.ids: dict[str, str] = {}
        self.entries: list[str] = []  # left column
        self.services: list[str] = []  # middle column
        self.hosts: list[tuple[str, list[str]]] = []  # right column: (host key, its nodes in order)
        self.dot = graphviz.Digraph(
            "topology",
            graph_attr={
                "rankdir": "LR",
                "newrank": "true",
                "compound": "true",
                "fontname": "Helvetica",
                "fontsize": "11",
                "bgcolor": "transparent",
                "nodesep": "0.15",
                "ranksep": "0.6",
            },
            node_attr={
                "fontname": "Helvetica",
                "fontsize": "10",
                "shape": "box",
                "style": "rounded,filled",
                "margin": "0.08,0.03",
            },
            edge_attr={"color": "#8a94a3", "arrowsize": "0.6"},
        )

    def lit(self, keys, attrs: dict | None = None) -> dict:
        """`attrs` with the step highlight's colour and class when any of `keys` is lit."""
        return {**(attrs or {}), **(HIGHLIGHT if any(k in self.highlight for k in keys) else {})}

    def hosts_and_pods(self) -> None:
        for node in _by_name(self.cluster.store.iter("Node")):
            name = node["metadata"]["name"]
            state, tone = node_state(self.cluster, node)
            _fill, colour = TONE_COLOURS[tone]
            key = f"node/{name}"
            with self.dot.subgraph(name=ident(f"cluster_{key}")) as host:
                host.attr(
                    **self.lit(
                        [key],
                        dict(
                            label=text(name, state),
                            style="rounded,filled",
                            fillcolor="#f6f9fe",
                            color=colour,
                            penwidth="2",
                            URL=self.url("Node", "", name),
                            target="_top",
                            tooltip=text(
                                gettext("Node %(name)s (ESXi host): %(state)s")
                                % {"name": name, "state": state}
                            ),
                            id=ident(f"host-{name}"),
                        ),
                    )
                )
                self.hosts.append((key, self.pods_in(host, name, self.cluster.store.pods_on(name))))
        unscheduled = [p for p in self.cluster.store.iter("Pod") if not (p.get("spec") or {}).get("nodeName")]
        if unscheduled:
            with self.dot.subgraph(name="cluster_unscheduled") as box:
                box.attr(
                    label=text(gettext("not on a host yet"), gettext("(waiting for the scheduler)")),
                    style="rounded,dashed",
                    color="#9a6700",
                    penwidth="1.5",
                    id="host-unscheduled",
                )
                self.hosts.append(("unscheduled", self.pods_in(box, "unscheduled", unscheduled)))

    def pods_in(self, host, host_name: str, pods) -> list[str]:
        pods = _by_name(pods)
        drawn: list[str] = []
        if len(pods) > GROUP_ABOVE:
            groups: dict[tuple[str, str], list] = {}
            for pod in pods:
                owner = controller_of(pod)
                owner_name = owner["name"] if owner else pod["metadata"]["name"]
                groups.setdefault((pod["metadata"]["namespace"], owner_name), []).append(pod)
            for (ns, owner_name), members in sorted(groups.items()):
                group_id = ident(f"group/{host_name}/{ns}/{owner_name}")
                tones = [pod_state(p)[1] for p in members]
                tone = "bad" if "bad" in tones else "warn" if "warn" in tones else "ok"
                fill, colour = TONE_COLOURS[tone]
                for pod in members:
                    self.ids[_pod_key(pod)] = group_id
                host.node(
                    group_id,
                    **self.lit(
                        [_pod_key(p) for p in members],
                        dict(
                            label=text(f"{owner_name} ×{len(members)}"),
                            fillcolor=fill,
                            color=colour,
                            tooltip=text(
                                gettext("%(count)s pods of %(owner)s")
                                % {"count": len(members), "owner": f"{ns}/{owner_name}"}
                            ),
                        ),
                    ),
                )
                drawn.append(group_id)
        else:
            for pod in pods:
                ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
                state, tone = pod_state(pod)
                fill, colour = TONE_COLOURS[tone]
                key = _pod_key(pod)
                self.ids[key] = ident(key)
                host.node(
                    ident(key),
                    **self.lit(
                        [key],
                        dict(
                            label=text(name, state),
                            fillcolor=fill,
                            color=colour,
                            URL=self.url("Pod", ns, name),
                            target="_top",
                            tooltip=text(
                                gettext("Pod (VM) %(name)s: %(state)s") % {"name": name, "state": state}
                            ),
                        ),
                    ),
                )
                drawn.append(ident(key))
        if not drawn:
            empty = ident(f"empty/{host_name}")
            host.node(empty, label=gettext("no pods"), style="dashed", color="#b8c1cc", fontcolor="#6b7280")
            drawn.append(empty)
        return drawn

    def services_and_entries(self) -> None:
        for svc in _by_name(self.cluster.store.iter("Service")):
            ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
            if ns == "default" and name == "kubernetes":
                continue
            spec = svc.get("spec") or {}
            key = f"svc/{ns}/{name}"
            self.ids[key] = ident(key)
            self.services.append(ident(key))
            self.dot.node(
                ident(key),
                **self.lit(
                    [key],
                    dict(
                        shape="ellipse",
                        label=text(
                            name, f"{spec.get('type', 'ClusterIP')} {spec.get('clusterIP', '')}".strip()
                        ),
                        fillcolor="#e4ecfb",
                        color=SERVICE_COLOUR,
                        URL=self.url("Service", ns, name),
                        target="_top",
                        tooltip=text(gettext("Service %(name)s (one-armed load balancer)") % {"name": name}),
                    ),
                ),
            )
            self.endpoints(svc, key)
            for ingress in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                lb = f"lb/{ingress.get('ip')}"
                self.entry(lb, text(gettext("load balancer %(ip)s") % {"ip": ingress.get("ip")}))
                self.dot.edge(ident(lb), ident(key), color=ENTRY_COLOUR)
            ports = [p.get("nodePort") for p in spec.get("ports") or [] if p.get("nodePort")]
            if ports and spec.get("type") == "NodePort":
                np = f"nodeport/{ns}/{name}"
                self.entry(
                    np,
                    text(gettext("NodePort %(ports)s on every node") % {"ports": ", ".join(map(str, ports))}),
                )
                self.dot.edge(ident(np), ident(key), color=ENTRY_COLOUR)

    def entry(self, key: str, label: str, **attrs) -> None:
        if key in self.ids:
            return
        self.ids[key] = ident(key)
        self.entries.append(ident(key))
        attrs = {"shape": "cds", "fillcolor": "#fff6dc", "color": ENTRY_COLOUR, **attrs}
        self.dot.node(ident(key), label=label, **attrs)

    def endpoints(self, svc: dict, key: str) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        targets: set[str] = set()
        slices = [
            es
            for es in _by_name(self.cluster.store.iter("EndpointSlice", ns))
            if (es["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == name
        ]
        for es in slices:
            for ep in es.get("endpoints") or []:
                ref = ep.get("targetRef") or {}
                target = self.ids.get(f"pod/{ref.get('namespace')}/{ref.get('name')}")
                if target and target not in targets:
                    targets.add(target)
                    ready = (ep.get("conditions") or {}).get("ready")
                    self.dot.edge(
                        ident(key), target, color=SERVICE_COLOUR, **({} if ready else {"style": "dashed"})
                    )

    def ingresses(self) -> None:
        for ing in _by_name(self.cluster.store.iter("Ingress")):
            ns, name = ing["metadata"]["namespace"], ing["metadata"]["name"]
            key = f"ing/{ns}/{name}"
            rules = (ing.get("spec") or {}).get("rules") or []
            self.entry(
                key,
                text(f"Ingress {name}", *[r.get("host") or "*" for r in rules]),
                **self.lit(
                    [key],
                    dict(
                        shape="hexagon",
                        fillcolor="#f3e8ff",
                        color=INGRESS_COLOUR,
                        URL=self.url("Ingress", ns, name),
                        target="_top",
                    ),
                ),
            )
            for rule in rules:
                for path in ((rule.get("http") or {}).get("paths")) or []:
                    backend = ((path.get("backend") or {}).get("service") or {}).get("name")
                    if backend and f"svc/{ns}/{backend}" in self.ids:
                        self.dot.edge(
                            ident(key),
                            self.ids[f"svc/{ns}/{backend}"],
                            color=INGRESS_COLOUR,
                            label=text((rule.get("host") or "*") + path.get("path", "/")),
                            fontsize="8",
                        )

    def pin_layout(self) -> None:
        """Three fixed columns, hosts stacked in name order: nothing moves when state changes.

        Left to right: entry points, Services, the hosts with their pods. The hosts' order
        top to bottom, and the pods' within each host, is held by an invisible spine right
        of them: one point per pod, chained in order, each pod tied to its point. dot keeps
        the spine's order (its edges lie within one rank) and would have to cross those
        ties to reorder anything, so the Services' edges (which change as endpoints come
        and go) no longer decide where a host or a pod is drawn.
        """
        for members in (self.entries, self.services, [m for _k, ms in self.hosts for m in ms]):
            if members:
                with self.dot.subgraph() as column:
                    column.attr(rank="same")
                    for member in members:
                        column.node(member)
        members = [m for _k, ms in self.hosts for m in ms]
        spine = [ident(f"spine/{member}") for member in members]
        with self.dot.subgraph() as column:
            column.attr(rank="same")
            for point in spine:
                column.node(point, style="invis", shape="point", width="0", label="")
        for member, point in zip(members, spine, strict=True):
            self.dot.edge(member, point, style="invis", weight="100")
        for column in (self.entries, self.services, spine):
            for upper, lower in zip(column, column[1:], strict=False):
                self.dot.edge(upper, lower, style="invis")

    def trace(self, result: dict) -> None:
        """Number the hops of a traced request on the picture; a failed request ends in red."""
        route = result.get("route") or {}
        stops: list[tuple[str, str]] = []  # (DOT node, what the hop does)
        if route.get("source"):
            source = self.ids.get(f"pod/{route['source']}")
            if source:
                stops.append((source, "leaves pod"))
        else:
            self.entry(
                "client",
                text(gettext("client outside"), gettext("the cluster")),
                shape="box",
                fillcolor="#ffffff",
            )
            stops.append((self.ids["client"], ""))
        if route.get("ingress"):
            stops.append((self.ids.get(f"ing/{route['ingress']}", ""), "DNS → ingress controller"))
        elif route.get("lb"):
            stops.append((self.ids.get(f"lb/{route['lb']}", ""), "to the load balancer"))
        if route.get("node") and route.get("entry") in ("node-port", "load-balancer"):
            stops.append((self.ids.get(f"node/{route['node']}", ""), f"NodePort on {route['node']}"))
        if route.get("service"):
            stops.append((self.ids.get(f"svc/{route['service']}", ""), "to the Service"))
        pod = None
        if route.get("endpoint"):
            pod = next(
                (
                    p
                    for p in self.cluster.store.iter("Pod")
                    if (p.get("status") or {}).get("podIP") == route["endpoint"]
                    and not p["spec"].get("hostNetwork")
                ),
                None,
            )
            if pod is not None and _pod_key(pod) in self.ids:
                stops.append((self.ids[_pod_key(pod)], f"kube-proxy → {route['endpoint']}"))
        stops = [(node, what) for node, what in stops if node]
        failed = not result.get("ok")
        for number, ((tail, _), (head, what)) in enumerate(zip(stops, stops[1:], strict=False), start=1):
            last = number == len(stops) - 1
            colour = TRACE_FAILED_COLOUR if failed and last else TRACE_COLOUR
            attrs = {
                "label": text(f"{number} {what}".strip() + (" ✗" if failed and last else "")),
                "color": colour,
                "fontcolor": colour,
                "penwidth": "2.5",
                "fontsize": "9",
                "constraint": "false",
                "class": "trace-hop" + (" trace-failed" if failed and last else ""),
                "id": f"trace-hop-{number}",
            }
            if tail.startswith("node/"):  # a host: the edge starts and ends at its border
                attrs["ltail"], tail = ident(f"cluster_{tail}"), self.hosts_first(tail)
            if head.startswith("node/"):
                attrs["lhead"], head = ident(f"cluster_{head}"), self.hosts_first(head)
            self.dot.edge(tail, head, **attrs)
        if pod is not None and pod["spec"].get("nodeName"):
            # The host that runs the chosen pod is outlined in the trace colour.
            with self.dot.subgraph(name=ident(f"cluster_node/{pod['spec']['nodeName']}")) as host:
                host.attr(color=TRACE_COLOUR, penwidth="3", **{"class": "trace-host"})

    def hosts_first(self, host_key: str) -> str:
        return next(members[0] for key, members in self.hosts if key == host_key)


def build(cluster, url, highlight: set[str] = frozenset(), trace: dict | None = None) -> graphviz.Digraph:
    """The topology as a graphviz.Digraph; `url(kind, namespace, name)` links each object."""
    drawing = _Drawing(cluster, url, highlight)
    drawing.hosts_and_pods()
    for key, _members in drawing.hosts:
        drawing.ids.setdefault(key, key)
    drawing.services_and_entries()
    drawing.ingresses()
    if trace is not None:
        drawing.trace(trace)
    drawing.pin_layout()
    return drawing.dot


def to_dot(cluster, url, highlight: set[str] = frozenset(), trace: dict | None = None) -> str:
    return build(cluster, url, highlight, trace).source


def svg(
    cluster, url, program: str = "dot", highlight: set[str] = frozenset(), trace: dict | None = None
) -> str:
    return render_svg(to_dot(cluster, url, highlight, trace), program)

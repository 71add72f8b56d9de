"""A simulated Gateway API implementation (gateway.networking.k8s.io/v1).

Not part of Kubernetes: an implementation (Envoy Gateway, Cilium, NGINX Gateway Fabric,
Avi's AKO, ...) watches the GatewayClasses naming its ``controllerName`` and programs a
data plane for their Gateways. This one answers to the profile's controller name
(addons/gateway_api.py: ``controller_name``) and writes the status the Gateway API spec
(apis/v1/gateway_types.go, httproute_types.go, shared_types.go) defines:

* GatewayClass: ``Accepted=True`` (reason Accepted);
* Gateway: ``status.addresses`` (an IPAddress from the profile's load-balancer pool, the one
  MetalLB or NSX hands out to LoadBalancer Services), ``Accepted`` (Accepted, or
  ListenersNotValid) and ``Programmed`` (Programmed, Invalid, AddressNotAssigned,
  AddressNotUsable), and per listener ``supportedKinds``, ``attachedRoutes`` and the
  conditions Accepted (UnsupportedProtocol), Programmed (Invalid), ResolvedRefs
  (InvalidRouteKinds, InvalidCertificateRef, RefNotPermitted) and Conflicted
  (ProtocolConflict, HostnameConflict, NoConflicts);
* HTTPRoute and GRPCRoute: one ``status.parents[]`` entry per parentRef to a Gateway of ours,
  with ``controllerName`` and the conditions Accepted (Accepted, NotAllowedByListeners,
  NoMatchingParent, NoMatchingListenerHostname) and ResolvedRefs (ResolvedRefs,
  BackendNotFound, InvalidKind, RefNotPermitted; a ReferenceGrant permits a cross-namespace
  backend).

``match_request`` picks the Gateway, listener, route rule and backend for a request with the
spec's precedence (exact hostname over wildcard, Exact path over the longest PathPrefix,
then the oldest route); ``network.trace`` uses it.

Everything is one key: a change to a class, Gateway, route, ReferenceGrant, Service, Secret
or Namespace recomputes all statuses (level-based), writing only what changed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

from playground.engine.addons.gateway_api import GROUP, controller_name
from playground.engine.controllers.base import Controller, Result
from playground.engine.selectors import compile_label_selector, matches
from playground.engine.text import _, say
from playground.engine.util import deep_copy, key_of, object_key

ROUTE_KINDS = ("HTTPRoute", "GRPCRoute")
PROTOCOL_KINDS = {"HTTP": ("HTTPRoute", "GRPCRoute"), "HTTPS": ("HTTPRoute", "GRPCRoute")}
KEY = "all"


def _set(conditions: list[dict], type_: str, status: str, reason: str, message: str, generation, now) -> None:
    for cond in conditions:
        if cond.get("type") == type_:
            if cond.get("status") != status:
                cond["lastTransitionTime"] = now
            cond.update(status=status, reason=reason, message=message, observedGeneration=generation)
            return
    conditions.append(
        {
            "type": type_,
            "status": status,
            "reason": reason,
            "message": message,
            "observedGeneration": generation,
            "lastTransitionTime": now,
        }
    )


def _conditions(old: list | None, wanted: list[tuple], generation, now) -> list[dict]:
    """The wanted (type, status, reason, message) conditions, keeping unchanged transition times."""
    kept = [deep_copy(c) for c in old or [] if c.get("type") in {w[0] for w in wanted}]
    for type_, status, reason, message in wanted:
        _set(kept, type_, status, reason, message, generation, now)
    return sorted(kept, key=lambda c: [w[0] for w in wanted].index(c["type"]))


def hostname_matches(pattern: str | None, host: str | None) -> bool:
    """Whether a listener or route hostname (maybe ``*.`` wildcard) admits `host`."""
    if not pattern:
        return True
    if not host:
        return False
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def _intersects(a: str, b: str) -> bool:
    if a == b:
        return True
    if a.startswith("*.") and b.startswith("*."):
        return a.endswith(b[1:]) or b.endswith(a[1:])
    return hostname_matches(a, b) or hostname_matches(b, a)


def _granted(cluster, from_kind: str, from_ns: str, to_kind: str, to_ns: str, to_name: str) -> bool:
    """A ReferenceGrant in `to_ns` lets objects of from_kind in from_ns refer to the target."""
    for grant in cluster.store.iter("ReferenceGrant", to_ns):
        spec = grant.get("spec") or {}
        allowed_from = any(
            f.get("group") == GROUP and f.get("kind") == from_kind and f.get("namespace") == from_ns
            for f in spec.get("from") or []
        )
        allowed_to = any(
            (t.get("group") or "") == "" and t.get("kind") == to_kind and t.get("name") in (None, "", to_name)
            for t in spec.get("to") or []
        )
        if allowed_from and allowed_to:
            return True
    return False


class GatewayController(Controller):
    name = "gateway"
    component = "gateway-controller"
    event_source = "gateway-controller"
    watches = ("GatewayClass", "Gateway", *ROUTE_KINDS, "ReferenceGrant", "Service", "Secret", "Namespace")

    def on_event(self, etype, kind, old, new):
        if (
            kind in ("Service", "Secret", "Namespace")
            and next(self.cluster.store.iter("Gateway"), None) is None
        ):
            return
        self.enqueue(KEY)

    # What is ours ------------------------------------------------------------------------

    def _classes(self, controller: str) -> set[str]:
        return {
            gc["metadata"]["name"]
            for gc in self.cluster.store.iter("GatewayClass", "")
            if (gc.get("spec") or {}).get("controllerName") == controller
        }

    def _gateways(self, controller: str) -> list[dict]:
        classes = self._classes(controller)
        return sorted(
            (
                gw
                for gw in self.cluster.store.iter("Gateway")
                if (gw.get("spec") or {}).get("gatewayClassName") in classes
                and not gw["metadata"].get("deletionTimestamp")
            ),
            key=key_of,
        )

    # Listeners -------------------------------------------------------------------------------

    def _listeners(self, gw: dict) -> dict[str, dict]:
        """name -> {supportedKinds, conditions (wanted tuples), ok}."""
        cluster = self.cluster
        ns = gw["metadata"]["namespace"]
        listeners = (gw.get("spec") or {}).get("listeners") or []
        by_port: dict[int, list[dict]] = {}
        for listener in listeners:
            by_port.setdefault(listener.get("port"), []).append(listener)
        result = {}
        for listener in listeners:
            protocol = listener.get("protocol", "")
            kinds = PROTOCOL_KINDS.get(protocol)
            accepted = ("Accepted", "True", "Accepted", "Listener is accepted")
            resolved = (
                "ResolvedRefs",
                "True",
                "ResolvedRefs",
                "Resolved all the Object references for the Listener",
            )
            conflicted = ("Conflicted", "False", "NoConflicts", "No conflicts found")
            supported: list[dict] = []
            if kinds is None:
                accepted = (
                    "Accepted",
                    "False",
                    "UnsupportedProtocol",
                    f"Protocol {protocol} is not supported",
                )
            else:
                wanted = (listener.get("allowedRoutes") or {}).get("kinds")
                if wanted:
                    valid = [k for k in wanted if k.get("group", GROUP) == GROUP and k.get("kind") in kinds]
                    if len(valid) != len(wanted):
                        bad = [k.get("kind") for k in wanted if k not in valid]
                        resolved = (
                            "ResolvedRefs",
                            "False",
                            "InvalidRouteKinds",
                            f"Unsupported route kind(s): {', '.join(bad)}",
                        )
                    supported = [{"group": GROUP, "kind": k["kind"]} for k in valid]
                else:
                    supported = [{"group": GROUP, "kind": k} for k in kinds]
                if protocol == "HTTPS":
                    refs = (listener.get("tls") or {}).get("certificateRefs") or []
                    if not refs:
                        resolved = (
                            "ResolvedRefs",
                            "False",
                            "InvalidCertificateRef",
                            "An HTTPS listener needs tls.certificateRefs",
                        )
                    for ref in refs:
                        ref_ns = ref.get("namespace") or ns
                        if (ref.get("kind") or "Secret") != "Secret" or (ref.get("group") or "") != "":
                            resolved = (
                                "ResolvedRefs",
                                "False",
                                "InvalidCertificateRef",
                                f"Unsupported certificate kind {ref.get('kind')}",
                            )
                        elif ref_ns != ns and not _granted(
                            cluster, "Gateway", ns, "Secret", ref_ns, ref.get("name")
                        ):
                            resolved = (
                                "ResolvedRefs",
                                "False",
                                "RefNotPermitted",
                                f"Certificate ref to Secret {ref_ns}/{ref.get('name')} not permitted by any ReferenceGrant",
                            )
                        elif cluster.store.get("Secret", ref_ns, ref.get("name", "")) is None:
                            resolved = (
                                "ResolvedRefs",
                                "False",
                                "InvalidCertificateRef",
                                f"Secret {ref_ns}/{ref.get('name')} does not exist",
                            )
            peers = [p for p in by_port.get(listener.get("port"), []) if p is not listener]
            if any(p.get("protocol") != protocol for p in peers):
                conflicted = (
                    "Conflicted",
                    "True",
                    "ProtocolConflict",
                    f"Another listener uses port {listener.get('port')} with a different protocol",
                )
            elif any((p.get("hostname") or "") == (listener.get("hostname") or "") for p in peers):
                conflicted = (
                    "Conflicted",
                    "True",
                    "HostnameConflict",
                    f"Another listener on port {listener.get('port')} has the same hostname",
                )
            ok = accepted[1] == "True" and resolved[1] == "True" and conflicted[1] == "False"
            programmed = (
                ("Programmed", "True", "Programmed", "Listener is programmed")
                if ok
                else (
                    "Programmed",
                    "False",
                    "Invalid",
                    "Listener is invalid, see other conditions for details",
                )
            )
            result[listener.get("name")] = {
                "listener": listener,
                "supportedKinds": supported,
                "wanted": [accepted, programmed, resolved, conflicted],
                "ok": ok,
            }
        return result

    # Routes ---------------------------------------------------------------------------------

    def _attach(self, route: dict, ref: dict, gw: dict, listeners: dict) -> tuple[list[str], tuple]:
        """(names of the listeners the route attaches to, the Accepted condition)."""
        kind = route["kind"]
        route_ns = route["metadata"]["namespace"]
        candidates = [
            entry
            for name, entry in listeners.items()
            if (not ref.get("sectionName") or ref["sectionName"] == name)
            and (ref.get("port") is None or ref["port"] == entry["listener"].get("port"))
        ]
        if not candidates:
            return [], (
                "Accepted",
                "False",
                "NoMatchingParent",
                "No listener matches the parentRef's sectionName and port",
            )
        allowed = []
        for entry in candidates:
            listener = entry["listener"]
            if not entry["ok"] or kind not in {k["kind"] for k in entry["supportedKinds"]}:
                continue
            namespaces = (listener.get("allowedRoutes") or {}).get("namespaces") or {}
            source = namespaces.get("from", "Same")
            if source == "Same" and route_ns != gw["metadata"]["namespace"]:
                continue
            if source == "Selector":
                namespace = self.cluster.store.get("Namespace", "", route_ns) or {"metadata": {}}
                if not matches(
                    compile_label_selector(namespaces.get("selector") or {}),
                    namespace["metadata"].get("labels"),
                ):
                    continue
            allowed.append(entry)
        if not allowed:
            return [], (
                "Accepted",
                "False",
                "NotAllowedByListeners",
                "No listener of this parent allows this route to attach",
            )
        hostnames = (route.get("spec") or {}).get("hostnames") or []
        fitting = [
            e["listener"]["name"]
            for e in allowed
            if not hostnames
            or not e["listener"].get("hostname")
            or any(_intersects(h, e["listener"]["hostname"]) for h in hostnames)
        ]
        if not fitting:
            return [], (
                "Accepted",
                "False",
                "NoMatchingListenerHostname",
                "No hostname of the route matches a listener's hostname",
            )
        return fitting, ("Accepted", "True", "Accepted", "Route is accepted")

    def _resolved(self, route: dict) -> tuple:
        cluster = self.cluster
        route_ns = route["metadata"]["namespace"]
        for rule in (route.get("spec") or {}).get("rules") or []:
            for ref in rule.get("backendRefs") or []:
                kind, group = ref.get("kind", "Service"), ref.get("group", "")
                ns, name = ref.get("namespace") or route_ns, ref.get("name")
                if kind != "Service" or group != "":
                    return (
                        "ResolvedRefs",
                        "False",
                        "InvalidKind",
                        f"Backend kind {kind} of group {group!r} is not supported",
                    )
                if ns != route_ns and not _granted(cluster, route["kind"], route_ns, "Service", ns, name):
                    return (
                        "ResolvedRefs",
                        "False",
                        "RefNotPermitted",
                        f"Backend ref to Service {ns}/{name} not permitted by any ReferenceGrant",
                    )
                if cluster.store.get("Service", ns, name or "") is None:
                    return ("ResolvedRefs", "False", "BackendNotFound", f"Service {ns}/{name} not found")
        return ("ResolvedRefs", "True", "ResolvedRefs", "Resolved all the Object references for the Route")

    def attachments(self) -> tuple[dict, dict]:
        """({gateway key: {listener: entry}}, {route key: [(parentRef, gateway, [listener names], conditions)]})."""
        controller = controller_name(self.cluster)
        gateways = {key_of(gw): gw for gw in self._gateways(controller)} if controller else {}
        listeners = {key: self._listeners(gw) for key, gw in gateways.items()}
        routes: dict[str, list] = {}
        for kind in ROUTE_KINDS:
            for route in sorted(self.cluster.store.iter(kind), key=key_of):
                entries = []
                resolved = None
                for ref in (route.get("spec") or {}).get("parentRefs") or []:
                    if ref.get("group", GROUP) != GROUP or ref.get("kind", "Gateway") != "Gateway":
                        continue
                    key = object_key(
                        ref.get("namespace") or route["metadata"]["namespace"], ref.get("name", "")
                    )
                    gw = gateways.get(key)
                    if gw is None:
                        continue  # not a Gateway of ours: another implementation's to report on
                    names, accepted = self._attach(route, ref, gw, listeners[key])
                    resolved = resolved or self._resolved(route)
                    entries.append((ref, gw, names, [accepted, resolved]))
                routes[f"{kind}:{key_of(route)}"] = entries
        return listeners, routes

    # Reconcile --------------------------------------------------------------------------------

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        controller = controller_name(cluster)
        if controller is None:
            return Result()
        now = cluster.api.now()
        records = []
        for gc in sorted(cluster.store.iter("GatewayClass", ""), key=key_of):
            if (gc.get("spec") or {}).get("controllerName") != controller:
                continue
            status = deep_copy(gc.get("status") or {})
            status["conditions"] = _conditions(
                status.get("conditions"),
                [("Accepted", "True", "Accepted", "Valid GatewayClass")],
                gc["metadata"].get("generation"),
                now,
            )
            if status != gc.get("status"):
                cluster.api.commit("GatewayClass", {**gc, "status": status}, gc)
                records.append(
                    self.record(
                        "Accepted",
                        gc,
                        say(
                            _("GatewayClass %(name)s accepted by %(controller)s"),
                            name=gc["metadata"]["name"],
                            controller=controller,
                        ),
                    )
                )
        self._release()
        listeners, routes = self.attachments()
        attached: dict[tuple[str, str], int] = {}
        for entries in routes.values():
            for _ref, gw, names, _conds in entries:
                for name in names:
                    attached[(key_of(gw), name)] = attached.get((key_of(gw), name), 0) + 1
        for gw_key, entries in listeners.items():
            ns, name = gw_key.split("/", 1)
            gw = cluster.store.get("Gateway", ns, name)
            generation = gw["metadata"].get("generation")
            old = gw.get("status") or {}
            old_listeners = {item.get("name"): item for item in old.get("listeners") or []}
            listener_status = [
                {
                    "name": lname,
                    "supportedKinds": entry["supportedKinds"],
                    "attachedRoutes": attached.get((gw_key, lname), 0),
                    "conditions": _conditions(
                        (old_listeners.get(lname) or {}).get("conditions"), entry["wanted"], generation, now
                    ),
                }
                for lname, entry in entries.items()
            ]
            valid = sum(1 for e in entries.values() if e["ok"])
            if valid == len(entries):
                accepted = ("Accepted", "True", "Accepted", "Gateway is accepted")
            else:
                accepted = (
                    "Accepted",
                    "True" if valid else "False",
                    "ListenersNotValid",
                    f"{len(entries) - valid} of {len(entries)} listener(s) are not valid",
                )
            ip, problem = self._address(gw)
            if problem:
                programmed = ("Programmed", "False", problem[0], problem[1])
            elif valid:
                programmed = (
                    "Programmed",
                    "True",
                    "Programmed",
                    f"Address assigned to the Gateway, {valid} listener(s) programmed",
                )
            else:
                programmed = ("Programmed", "False", "Invalid", "No listener is valid")
            status = {
                **deep_copy(old),
                "conditions": _conditions(old.get("conditions"), [accepted, programmed], generation, now),
                "listeners": listener_status,
            }
            if ip:
                status["addresses"] = [{"type": "IPAddress", "value": ip}]
            else:
                status.pop("addresses", None)
            if status != old:
                cluster.api.commit("Gateway", {**gw, "status": status}, gw)
                records.append(
                    self.record(
                        programmed[2],
                        gw,
                        say(
                            _("Gateway %(gateway)s: %(condition)s (%(ip)s)")
                            if ip
                            else _("Gateway %(gateway)s: %(condition)s"),
                            gateway=gw_key,
                            condition=programmed[3],
                            ip=ip,
                        ),
                    )
                )
        for route_key, entries in routes.items():
            kind, ref_key = route_key.split(":", 1)
            ns, name = ref_key.split("/", 1)
            route = cluster.store.get(kind, ns, name)
            old = route.get("status") or {}
            generation = route["metadata"].get("generation")
            previous = {str(sorted(p.get("parentRef", {}).items())): p for p in old.get("parents") or []}
            mine = []
            for ref, _gw, _names, wanted in entries:
                before = previous.get(str(sorted(ref.items()))) or {}
                mine.append(
                    {
                        "parentRef": dict(ref),
                        "controllerName": controller,
                        "conditions": _conditions(before.get("conditions"), wanted, generation, now),
                    }
                )
            others = [p for p in old.get("parents") or [] if p.get("controllerName") != controller]
            status = {**old, "parents": others + mine}
            if status != old and (mine or old.get("parents")):
                cluster.api.commit(kind, {**route, "status": status}, route)
                summary = ", ".join(
                    f"{p['parentRef'].get('name')}: {p['conditions'][0]['reason']}/{p['conditions'][1]['reason']}"
                    for p in mine
                )
                records.append(
                    self.record(
                        "RouteStatus",
                        route,
                        say(
                            _("%(kind)s %(route)s: %(summary)s"),
                            kind=kind,
                            route=ref_key,
                            summary=summary or say(_("no parent of ours")),
                        ),
                    )
                )
        return Result(records=records)

    # Addresses --------------------------------------------------------------------------------

    def _address(self, gw: dict) -> tuple[str | None, tuple | None]:
        """The Gateway's address from the load-balancer pool (kept once given), or the problem."""
        allocator = self.cluster.allocator
        owner = f"Gateway:{key_of(gw)}"
        mine = [ip for ip, who in allocator.lb_ips.items() if who == owner]
        requested = [
            a.get("value")
            for a in (gw.get("spec") or {}).get("addresses") or []
            if a.get("type", "IPAddress") == "IPAddress" and a.get("value")
        ]
        if requested:
            ip = requested[0]
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                return None, ("AddressNotUsable", f"{ip} is not an IP address")
            if ip not in allocator.lb_pool():
                return None, ("AddressNotUsable", f"{ip} is not in the load-balancer pool")
            if allocator.lb_ips.get(ip, owner) != owner:
                return None, ("AddressNotUsable", f"{ip} is already in use")
            for other in mine:
                if other != ip:
                    del allocator.lb_ips[other]
            allocator.lb_ips[ip] = owner
            return ip, None
        if mine:
            return mine[0], None
        ip = allocator.free_lb_ip()
        if ip is None:
            return None, (
                "AddressNotAssigned",
                "No addresses have been assigned to the Gateway: the load-balancer pool is exhausted",
            )
        allocator.lb_ips[ip] = owner
        return ip, None

    def _release(self) -> None:
        allocator = self.cluster.allocator
        for ip, owner in list(allocator.lb_ips.items()):
            if owner.startswith("Gateway:"):
                ns, name = owner.removeprefix("Gateway:").split("/", 1)
                gw = self.cluster.store.get("Gateway", ns, name)
                if gw is None or gw["metadata"].get("deletionTimestamp"):
                    del allocator.lb_ips[ip]


# Requests ---------------------------------------------------------------------------------------


def _path_rank(match: dict, path: str) -> tuple | None:
    """(type rank, length) when the match's path admits `path`, else None."""
    if match.get("headers") or match.get("queryParams") or match.get("method", "GET") != "GET":
        return None  # a trace sends a plain GET without headers
    spec = match.get("path") or {"type": "PathPrefix", "value": "/"}
    kind, value = spec.get("type", "PathPrefix"), spec.get("value", "/")
    if kind == "Exact":
        return (3, len(value)) if path == value else None
    if kind == "RegularExpression":
        try:
            return (1, len(value)) if re.fullmatch(value, path) else None
        except re.error:
            return None
    prefix = [p for p in value.split("/") if p]
    return (2, len(value.rstrip("/"))) if [p for p in path.split("/") if p][: len(prefix)] == prefix else None


def match_request(cluster, host: str, path: str, https: bool = False) -> dict | None:
    """The Gateway, listener, route, rule and backendRef serving a GET to host+path, or None
    when no Gateway of this cluster's implementation has the address or a route for the host.

    `host` is a hostname (DNS is taken to point it at the Gateway) or a Gateway's address."""
    controller = cluster.controllers.get("gateway")
    if controller is None or controller_name(cluster) is None:
        return None
    hostname = host.lower()  # the Host header: a Gateway's address matches no route hostname
    try:
        ipaddress.ip_address(host)
        by_address = True
    except ValueError:
        by_address = False
    protocol = "HTTPS" if https else "HTTP"
    listeners, routes = controller.attachments()
    best = None
    for route_key, entries in routes.items():
        kind, ref_key = route_key.split(":", 1)
        if kind != "HTTPRoute":
            continue
        ns, name = ref_key.split("/", 1)
        route = cluster.store.get(kind, ns, name)
        hostnames = (route.get("spec") or {}).get("hostnames") or []
        for _ref, gw, names, _conds in entries:
            addresses = [a.get("value") for a in (gw.get("status") or {}).get("addresses") or []]
            if not addresses or (by_address and host not in addresses):
                continue
            for lname in names:
                listener = listeners[key_of(gw)][lname]["listener"]
                if listener.get("protocol") != protocol or not hostname_matches(
                    listener.get("hostname"), hostname
                ):
                    continue
                if hostnames:
                    fits = [h for h in hostnames if hostname_matches(h, hostname)]
                    if not fits:
                        continue
                    host_rank = max((0 if h.startswith("*.") else 1, len(h)) for h in fits)
                else:
                    host_rank = (0, 0)
                for r_index, rule in enumerate((route.get("spec") or {}).get("rules") or []):
                    for m_index, match in enumerate(rule.get("matches") or [{}]):
                        rank = _path_rank(match, path)
                        if rank is None:
                            continue
                        order = (
                            (-host_rank[0], -host_rank[1], -rank[0], -rank[1]),
                            route["metadata"].get("creationTimestamp", ""),
                            ref_key,
                            r_index,
                            m_index,
                        )
                        if best is None or order < best[0]:
                            best = (order, gw, listener, route, r_index, rule, match, addresses[0])
    if best is None:
        return None
    _order, gw, listener, route, r_index, rule, match, address = best
    backends = [b for b in rule.get("backendRefs") or [] if b.get("weight", 1) > 0]
    backend = None
    if backends:
        total = sum(b.get("weight", 1) for b in backends)
        point = int(hashlib.sha256(f"{host}{path}".encode()).hexdigest(), 16) % total
        for candidate in backends:
            point -= candidate.get("weight", 1)
            if point < 0:
                backend = candidate
                break
    return {
        "gateway": gw,
        "listener": listener,
        "route": route,
        "rule": r_index,
        "match": match.get("path") or {"type": "PathPrefix", "value": "/"},
        "backend": backend,
        "address": address,
    }


def trace_hops(cluster, host: str, path: str, https: bool, hop, route: dict) -> dict | None:
    """The trace's hops from a client to a Gateway's backend Service, for network.trace:
    {service, port}, {component, error} when the request fails at the gateway, or None when
    no Gateway serves this address or host (the trace tries Ingress then)."""
    found = match_request(cluster, host, path, https)
    if found is None:
        owner = cluster.allocator.lb_ips.get(host, "")
        if owner.startswith("Gateway:"):
            hop(
                "gateway",
                f"Gateway {owner.removeprefix('Gateway:')} ({controller_name(cluster)}) receives the request",
            )
            return {
                "component": "gateway",
                "error": f"No HTTPRoute attached to the Gateway matches host {host} and path {path}: 404 Not Found",
            }
        return None
    gw, listener, http_route = found["gateway"], found["listener"], found["route"]
    gw_key, route_key = key_of(gw), key_of(http_route)
    route["gateway"] = gw_key
    address = found["address"]
    if host != address:
        hop(
            "dns",
            f"DNS: {host} resolves to Gateway {gw_key}'s address {address} (a record for the route's hostname)",
        )
    implementation = controller_name(cluster)
    hop(
        "gateway",
        f"Gateway {gw_key} ({implementation}) receives {address}:{listener.get('port')} on listener "
        f"{listener.get('name')} ({listener.get('protocol')}"
        + (f", hostname {listener['hostname']}" if listener.get("hostname") else "")
        + ")",
    )
    match, backend = found["match"], found["backend"]
    if backend is None:
        return {
            "component": "gateway",
            "error": f"HTTPRoute {route_key} rule {found['rule']} matches but has no backend with weight > 0: 500 Internal Server Error",
        }
    ns = backend.get("namespace") or http_route["metadata"]["namespace"]
    hop(
        "gateway",
        f"HTTPRoute {route_key} rule {found['rule']} matches path {path} ({match.get('type')} {match.get('value')}) "
        f"and forwards to Service {ns}/{backend.get('name')} port {backend.get('port')}",
    )
    svc = cluster.store.get("Service", ns, backend.get("name", ""))
    if svc is None or backend.get("kind", "Service") != "Service":
        return {
            "component": "gateway",
            "error": f"The backend Service {ns}/{backend.get('name')} does not exist (ResolvedRefs False, BackendNotFound): 500 Internal Server Error",
        }
    port = next(
        (p for p in (svc.get("spec") or {}).get("ports") or [] if p.get("port") == backend.get("port")), None
    )
    if port is None:
        return {
            "component": "gateway",
            "error": f"Service {ns}/{backend.get('name')} has no port {backend.get('port')}",
        }
    return {"service": svc, "port": port}

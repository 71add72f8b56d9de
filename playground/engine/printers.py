"""Table columns per kind, as kube-apiserver's Table output and kubectl print them.

The column names, their order and the cell formats follow upstream's printers
(pkg/printers/internalversion), including the `-o wide` columns, so the console and
(later) the API facade's Table responses show what a real cluster shows.
"""

from __future__ import annotations

from playground.engine.selectors import format_selector
from playground.engine.util import parse_time


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def age(obj: dict, now: float) -> str:
    created = obj["metadata"].get("creationTimestamp")
    return human_duration(now - parse_time(created)) if created else "<unknown>"


def restarts_cell(count: int, last: str, now: float) -> str:
    if count and last:
        return f"{count} ({human_duration(now - parse_time(last))} ago)"
    return str(count)


def images(obj: dict) -> tuple[str, str]:
    spec = (((obj.get("spec") or {}).get("template") or {}).get("spec")) or {}
    containers = spec.get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def service_ports(svc: dict) -> str:
    parts = []
    for p in (svc.get("spec") or {}).get("ports") or []:
        text = str(p.get("port"))
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        parts.append(f"{text}/{p.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def external_ip(svc: dict) -> str:
    spec = svc.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    ingress = [
        i.get("ip") or i.get("hostname")
        for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    ]
    external = list(spec.get("externalIPs") or [])
    if stype == "ExternalName":
        return spec.get("externalName", "")
    if stype == "LoadBalancer":
        ips = ingress + external
        return ",".join(ips) if ips else "<pending>"
    return ",".join(external) if external else "<none>"


def node_roles(node: dict) -> str:
    roles = sorted(
        k.split("/", 1)[1]
        for k in node["metadata"].get("labels") or {}
        if k.startswith("node-role.kubernetes.io/") and "/" in k
    )
    role = (node["metadata"].get("labels") or {}).get("kubernetes.io/role")
    if role and role not in roles:
        roles.append(role)
    return ",".join(roles) or "<none>"


def node_address(node: dict, kind: str) -> str:
    return next(
        (a["address"] for a in (node.get("status") or {}).get("addresses") or [] if a.get("type") == kind),
        "<none>",
    )


def job_status(job: dict) -> str:
    """printJob's STATUS: Complete, Failed, Terminating (the Job being deleted), Suspended,
    FailureTarget (failing, its pods still terminating), else Running."""
    true = {
        cond.get("type")
        for cond in (job.get("status") or {}).get("conditions") or []
        if cond.get("status") == "True"
    }
    for ctype in ("Complete", "Failed"):
        if ctype in true:
            return ctype
    if job["metadata"].get("deletionTimestamp"):
        return "Terminating"
    for ctype in ("Suspended", "FailureTarget"):
        if ctype in true:
            return ctype
    return "Running"


def endpoints_cell(ep: dict) -> str:
    addresses = []
    for subset in ep.get("subsets") or []:
        for address in subset.get("addresses") or []:
            for port in subset.get("ports") or [{}]:
                addresses.append(f"{address['ip']}:{port.get('port')}" if port.get("port") else address["ip"])
    if not addresses:
        return "<none>"
    shown = addresses[:3]
    return ",".join(shown) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")


def pvc_cells(c: dict):
    status = c.get("status") or {}
    modes = access_modes(status.get("accessModes") or [])
    return (
        status.get("phase", "Pending"),
        (c.get("spec") or {}).get("volumeName", ""),
        (status.get("capacity") or {}).get("storage", ""),
        modes,
    )


def access_modes(modes) -> str:
    short = {
        "ReadWriteOnce": "RWO",
        "ReadOnlyMany": "ROX",
        "ReadWriteMany": "RWX",
        "ReadWriteOncePod": "RWOP",
    }
    return ",".join(short.get(m, m) for m in modes)


def hpa_targets(hpa: dict) -> str:
    metrics = (hpa.get("spec") or {}).get("metrics") or []
    current = (hpa.get("status") or {}).get("currentMetrics") or []
    parts = []
    for metric in metrics:
        if metric.get("type") == "Resource":
            resource = metric["resource"]
            target = (resource.get("target") or {}).get("averageUtilization")
            value = next(
                (
                    c["resource"]["current"].get("averageUtilization")
                    for c in current
                    if c.get("type") == "Resource" and c["resource"]["name"] == resource["name"]
                ),
                None,
            )
            parts.append(
                f"{resource['name']}: {'<unknown>' if value is None else str(value) + '%'}/{target}%"
            )
    return ", ".join(parts) or "<none>"


def _strategy(kind: str, registry=None):
    if registry is None:
        from playground.engine.registry import BUILTIN as registry
    return registry.get(kind)


def columns(kind: str, wide: bool = False, registry=None) -> list[str]:
    """The registered kind's Table columns (NAME and AGE for a kind that has none)."""
    strategy = _strategy(kind, registry)
    return strategy.table_columns(wide) if strategy is not None else ["NAME", "AGE"]


def row(kind: str, obj: dict, now: float, wide: bool = False, registry=None) -> list[str]:
    """One object's cells under columns(kind, wide)."""
    strategy = _strategy(kind, registry)
    return strategy.row(obj, now, wide) if strategy is not None else name_age(obj, now)


def name_age(obj: dict, now: float) -> list[str]:
    """The row of a kind without printer columns of its own."""
    return [obj["metadata"].get("name", ""), age(obj, now)]


def created_at(obj: dict, now: float) -> list[str]:
    """NAME, CREATED AT (the RBAC kinds)."""
    return [obj["metadata"].get("name", ""), obj["metadata"].get("creationTimestamp", "")]


def workload_wide(obj: dict) -> list[str]:
    """CONTAINERS, IMAGES, SELECTOR of a kind with spec.template and spec.selector."""
    return [*images(obj), format_selector((obj.get("spec") or {}).get("selector"))]


def render(rows: list[list[str]]) -> str:
    """kubectl's tabwriter layout: columns padded to their widest cell plus three spaces."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(len(r) for r in rows))]
    lines = []
    for r in rows:
        cells = [cell.ljust(widths[i]) if i < len(r) - 1 else cell for i, cell in enumerate(r)]
        lines.append("   ".join(cells).rstrip())
    return "\n".join(lines) + "\n"

"""Re-platform a VM as a container workload: a Deployment, or a StatefulSet when it has
data disks (each disk a volumeClaimTemplate), requests and limits from its reservation,
limit and shares, a Service from its NICs and ports, probes in place of VMware Tools
heartbeats, and its properties as a ConfigMap and a Secret.

Plain data in, plain dicts out (Kubernetes API shapes); no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from translator.model import Machine, Source, data_key, gib, storage_class_name

CORE_MHZ = 2000  # one vCPU of reservation or limit counted as a 2 GHz core
SHARES_PER_VCPU = {"low": 500, "normal": 1000, "high": 2000}
ASSUMED_DISK = "10Gi"  # a .vmx does not hold disk sizes (each .vmdk descriptor does)

# A guess at what runs inside, from the VM's name, guest OS and properties: the image that
# would replace it, the port it serves and where its data lives. The first match wins.
ROLES = (
    (
        ("sql server", "sqlserver", "mssql"),
        "mcr.microsoft.com/mssql/server:2022-latest",
        1433,
        "/var/opt/mssql",
    ),
    (("postgres",), "postgres:17", 5432, "/var/lib/postgresql/data"),
    (("mysql", "mariadb"), "mysql:8.4", 3306, "/var/lib/mysql"),
    (("redis",), "redis:7.4", 6379, "/data"),
    (("mongo",), "mongo:8.0", 27017, "/data/db"),
    (("apache", "httpd"), "httpd:2.4", 80, "/usr/local/apache2/htdocs"),
    (("nginx", "web", "www", "frontend"), "nginx:1.27", 80, "/usr/share/nginx/html"),
)
PLACEHOLDER_REGISTRY = "harbor.corp.local/migrated"
ASSUMED_PORT = 8080
PORT_NAMES = {80: "http", 443: "https", 8080: "http-alt", 8443: "https-alt", 22: "ssh"}


@dataclass
class Plan:
    """The names and values the translation chose, which the mapping table quotes."""

    name: str
    kind: str
    image: str
    role: str  # the word that chose the image, or "" for a placeholder
    ports: list[tuple[int, str]]  # (port, where it came from)
    data_path: str
    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    config_map: str
    secret: str
    env: dict[str, str]  # property key -> variable name


def _millicores(mhz: float) -> str:
    milli = max(int(round(mhz * 1000 / CORE_MHZ)), 1)
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


def env_name(key: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", key).upper().strip("_") or "VALUE"
    return f"P_{name}" if name[0].isdigit() else name


def plan(machine: Machine) -> Plan:
    text = " ".join(
        [machine.display_name, machine.guest_os]
        + [s.value for s in machine.settings if s.topic == "annotation"]
        + [p.key for p in machine.properties]
        + [p.value for p in machine.properties]
    ).lower()
    image, role, port, data_path = f"{PLACEHOLDER_REGISTRY}/{machine.name}:1.0", "", None, "/data"
    for words, role_image, role_port, role_path in ROLES:
        hit = next((w for w in words if w in text), None)
        if hit:
            image, role, port, data_path = role_image, hit, role_port, role_path
            break
    ports = [(p.number, p.source) for p in machine.ports]
    if not ports:
        ports = [(port or ASSUMED_PORT, "")]
    shares = machine.cpu_shares if machine.cpu_shares_level == "custom" and machine.cpu_shares else None
    shares = shares or SHARES_PER_VCPU.get(machine.cpu_shares_level, 1000) * machine.cpus
    if machine.cpu_reservation_mhz > 0:
        cpu_request_m = machine.cpu_reservation_mhz * 1000 / CORE_MHZ
    else:
        cpu_request_m = shares / 2  # normal shares (1000 a vCPU) ask for half a core a vCPU
    cpu_limit_m = machine.cpus * 1000
    if machine.cpu_limit_mhz >= 0:
        cpu_limit_m = min(cpu_limit_m, machine.cpu_limit_mhz * 1000 / CORE_MHZ)
    cpu_request_m = min(cpu_request_m, cpu_limit_m)
    memory_limit = machine.memory_mib
    if machine.memory_limit_mib >= 0:
        memory_limit = min(memory_limit, machine.memory_limit_mib)
    memory_request = min(machine.memory_reservation_mib or machine.memory_mib, memory_limit)
    return Plan(
        name=machine.name,
        kind="StatefulSet" if machine.data_disks else "Deployment",
        image=image,
        role=role,
        ports=ports,
        data_path=data_path,
        cpu_request=_millicores(cpu_request_m * CORE_MHZ / 1000),
        cpu_limit=_millicores(cpu_limit_m * CORE_MHZ / 1000),
        memory_request=f"{max(memory_request, 4)}Mi",
        memory_limit=f"{max(memory_limit, 4)}Mi",
        config_map=f"{machine.name}-config",
        secret=f"{machine.name}-secret",
        env={p.key: env_name(p.key) for p in machine.properties},
    )


def port_name(number: int) -> str:
    return PORT_NAMES.get(number, f"tcp-{number}")


def translate(source: Source) -> list[dict]:
    objects: list[dict] = []
    for machine in source.machines:
        objects.extend(_machine(machine, plan(machine), source.name))
    return objects


def _labels(machine: Machine, vapp: str) -> dict:
    labels = {"app.kubernetes.io/name": machine.name}
    if vapp:
        from translator.model import dns_name

        labels["app.kubernetes.io/part-of"] = dns_name(vapp)
    return labels


def _machine(machine: Machine, p: Plan, vapp: str) -> list[dict]:
    labels = _labels(machine, vapp)
    selector = {"app.kubernetes.io/name": machine.name}
    objects = []
    env = []
    plain = {data_key(p_.key): p_.value for p_ in machine.properties if not p_.password}
    secret = {data_key(p_.key): p_.value for p_ in machine.properties if p_.password}
    names = {data_key(p_.key): p.env[p_.key] for p_ in machine.properties}
    if plain:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": p.config_map, "labels": labels},
                "data": plain,
            }
        )
        env += [
            {"name": names[key], "valueFrom": {"configMapKeyRef": {"name": p.config_map, "key": key}}}
            for key in plain
        ]
    if secret:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": p.secret, "labels": labels},
                "type": "Opaque",
                "stringData": secret,
            }
        )
        env += [
            {"name": names[key], "valueFrom": {"secretKeyRef": {"name": p.secret, "key": key}}}
            for key in secret
        ]
    container: dict = {
        "name": machine.name[:63],
        "image": p.image,
        "ports": [{"name": port_name(n)[:15], "containerPort": n, "protocol": "TCP"} for n, _ in p.ports],
        "resources": {
            "requests": {"cpu": p.cpu_request, "memory": p.memory_request},
            "limits": {"cpu": p.cpu_limit, "memory": p.memory_limit},
        },
    }
    if env:
        container["env"] = env
    if machine.tools:
        first = p.ports[0][0]
        container["readinessProbe"] = {"tcpSocket": {"port": first}, "periodSeconds": 10}
        container["livenessProbe"] = {
            "tcpSocket": {"port": first},
            "initialDelaySeconds": 15,
            "periodSeconds": 20,
            "failureThreshold": 3,
        }
    pod = {"metadata": {"labels": labels}, "spec": {"containers": [container]}}
    workload: dict = {
        "apiVersion": "apps/v1",
        "kind": p.kind,
        "metadata": {"name": machine.name, "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": selector}, "template": pod},
    }
    if p.kind == "StatefulSet":
        workload["spec"]["serviceName"] = f"{machine.name}-headless"
        templates, mounts = [], []
        for index, disk in enumerate(machine.data_disks):
            claim: dict = {
                "metadata": {"name": disk.name},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {
                        "requests": {
                            "storage": gib(disk.capacity_bytes) if disk.capacity_bytes else ASSUMED_DISK
                        }
                    },
                },
            }
            if disk.storage_policy:
                claim["spec"]["storageClassName"] = storage_class_name(disk.storage_policy)
            templates.append(claim)
            mounts.append(
                {"name": disk.name, "mountPath": p.data_path if index == 0 else f"/data/{disk.name}"}
            )
        container["volumeMounts"] = mounts
        workload["spec"]["volumeClaimTemplates"] = templates
    objects.append(workload)
    service_ports = [
        {"name": port_name(n)[:15], "port": n, "targetPort": n, "protocol": "TCP"} for n, _ in p.ports
    ]
    if p.kind == "StatefulSet":
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"{machine.name}-headless", "labels": labels},
                "spec": {"clusterIP": "None", "selector": selector, "ports": service_ports},
            }
        )
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": machine.name, "labels": labels},
            "spec": {"type": "ClusterIP", "selector": selector, "ports": service_ports},
        }
    )
    return objects

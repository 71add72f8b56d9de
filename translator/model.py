"""What the parsers read out of a VM's files: plain data, no Django.

Every setting keeps where it was found (``line 12`` in a .vmx, the element path in an
OVF descriptor) and a topic, which mapping.py turns into a row of the mapping table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playground.engine.text import Text, _  # noqa: F401 (translator.mapping imports both from here)

MAX_BYTES = 2 * 1024 * 1024  # a real descriptor is tens of kilobytes; 2 MiB is generous
MAX_ELEMENTS = 20_000  # an OVF with a dozen VMs has a few thousand elements
MAX_LINES = 20_000  # a .vmx has a few hundred lines


class TranslateError(ValueError):
    """A file that cannot be translated: the message names the line or element. str() is
    English (the command's); the page renders .text in the visitor's language."""

    def __init__(self, template: str, **values):
        self.text = Text(template, values)
        super().__init__(str(self.text))


@dataclass
class Setting:
    key: str  # as written in the source: "numvcpus", "Item 'Hard disk 2'", "Property app.port"
    value: str
    where: str  # "line 12" or "VirtualSystem[web]/VirtualHardwareSection/Item[3]"
    topic: str  # a key of mapping.RULES
    ref: str = ""  # the disk, NIC or property the setting is about


@dataclass
class Disk:
    name: str  # Kubernetes-safe: "disk-1"
    label: str  # as the source names it: "Hard disk 2", "scsi0:1"
    capacity_bytes: int | None
    boot: bool
    storage_policy: str = ""


@dataclass
class Nic:
    name: str  # "eth0"
    label: str  # "Network adapter 1", "ethernet0"
    network: str
    adapter: str = ""


@dataclass
class Property:
    key: str
    value: str
    label: str = ""
    password: bool = False


@dataclass
class Port:
    number: int
    source: str  # the property or setting it came from


@dataclass
class Machine:
    name: str  # Kubernetes-safe name
    display_name: str
    guest_os: str = ""
    guest_id: str = ""  # vSphere's guest ID (OVF vmw:osType), for VM Service's spec.guestID
    windows: bool = False
    cpus: int = 1
    memory_mib: int = 1024
    cpu_reservation_mhz: int = 0
    cpu_limit_mhz: int = -1  # -1: unlimited
    cpu_shares: int | None = None
    cpu_shares_level: str = "normal"
    memory_reservation_mib: int = 0
    memory_limit_mib: int = -1
    memory_shares_level: str = "normal"
    hardware_version: int | None = None
    tools: bool = True
    disks: list[Disk] = field(default_factory=list)
    nics: list[Nic] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    cloud_init: str = ""  # user data, decoded
    settings: list[Setting] = field(default_factory=list)

    def add(self, key: str, value: str, where: str, topic: str, ref: str = "") -> None:
        self.settings.append(Setting(key, str(value), where, topic, ref))

    @property
    def data_disks(self) -> list[Disk]:
        return [d for d in self.disks if not d.boot]

    @property
    def boot_disk(self) -> Disk | None:
        return next((d for d in self.disks if d.boot), None)


@dataclass
class Source:
    kind: str  # "vmx", "ovf" or "ova"
    filename: str
    version: str = ""  # OVF "1.x" or "2.0"
    name: str = ""  # the vApp's name for a VirtualSystemCollection
    machines: list[Machine] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)  # envelope-wide: the vApp, its start order
    text: str = ""  # the descriptor as read (for an .ova, its .ovf member)


_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def dns_name(text: str, fallback: str = "vm") -> str:
    """A DNS-1123 label from a VM name: "Web Server 01" -> "web-server-01"."""
    name = _NOT_DNS.sub("-", text.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)[:63].strip("-")
    if not name or not name[0].isalpha():
        name = f"{fallback}-{name}".strip("-")[:63]
    return name


MACHINE_NAME_MAX = 46  # room for the suffixes the translations add ("-headless", "-vapp-properties")


def machine_name(display: str) -> str:
    return dns_name(display)[:MACHINE_NAME_MAX].strip("-") or "vm"


_NOT_KEY = re.compile(r"[^-._a-zA-Z0-9]")


def data_key(key: str) -> str:
    """A ConfigMap or Secret key (letters, digits, '-', '_' and '.') from a property's key."""
    return _NOT_KEY.sub("_", key)[:253] or "value"


def storage_class_name(policy: str) -> str:
    """The StorageClass a Supervisor makes for a storage policy: its name, lower-cased, with
    spaces as dashes ("vSAN Default Storage Policy" -> "vsan-default-storage-policy")."""
    return dns_name(policy, "policy")


def gib(size_bytes: int) -> str:
    """A quantity in Gi, rounded up: claims never come out smaller than the disk."""
    whole = -(-size_bytes // (1024**3))
    return f"{max(whole, 1)}Gi"


def check_size(data: bytes | str, what: str | Text) -> None:
    size = len(data.encode() if isinstance(data, str) else data)
    if size > MAX_BYTES:
        raise TranslateError(
            _(
                "%(what)s is %(size)s bytes; the limit is %(limit)s bytes (a real descriptor is tens of kilobytes)"
            ),
            what=what,
            size=f"{size:,}",
            limit=f"{MAX_BYTES:,}",
        )

"""Read a .vmx: ``key = "value"`` lines, as ESXi writes them.

Each line becomes a Setting with its line number and a topic (see mapping.RULES); the
machine's shape (CPU, memory, reservations, disks, NICs, guestinfo) is read from them.
Sizes of disks are not in a .vmx (they live in each .vmdk descriptor), so data disks
have no capacity here and the translations say what they assumed.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

from translator.model import (
    MAX_LINES,
    Disk,
    Machine,
    Nic,
    Port,
    Property,
    Source,
    Text,
    TranslateError,
    _,
    check_size,
    machine_name,
)

_LINE = re.compile(r'^\s*([A-Za-z0-9_.:\-]+)\s*=\s*"(.*)"\s*$')
_DEVICE = re.compile(r"^(scsi|sata|nvme|ide)(\d+):(\d+)\.(.+)$", re.IGNORECASE)
_CONTROLLER = re.compile(r"^(scsi|sata|nvme|ide)(\d+)\.", re.IGNORECASE)
_NIC = re.compile(r"^ethernet(\d+)\.(.+)$", re.IGNORECASE)
_SHARE_LEVELS = ("low", "normal", "high")

# Keys by prefix -> topic, checked in order; the first match wins.
_PREFIX_TOPICS = (
    ("sched.swap.", "other"),
    ("tools.", "tools"),
    ("toolscripts.", "tools"),
    ("vcpu.hotadd", "hot_add"),
    ("mem.hotadd", "hot_add"),
    ("usb", "usb"),
    ("ehci", "usb"),
    ("serial", "serial"),
    ("parallel", "parallel"),
    ("pcipassthru", "pci"),
    ("floppy", "floppy"),
    ("snapshot.", "snapshot"),
    ("checkpoint.", "snapshot"),
    ("migrate.", "vmotion"),
    ("vmotion.", "vmotion"),
    ("uuid.", "uuid"),
    ("vc.uuid", "uuid"),
    ("bios.bootorder", "boot_order"),
    ("bios.", "firmware"),
    ("uefi.", "firmware"),
    ("firmware", "firmware"),
    ("virtualhw.version", "hw_version"),
)
_KEY_TOPICS = {
    ".encoding": "format",
    "config.version": "format",
    "displayname": "name",
    "guestos": "guest_os",
    "numvcpus": "cpus",
    "cpuid.corespersocket": "cores_per_socket",
    "memsize": "memory",
    "sched.cpu.min": "cpu_reservation",
    "sched.cpu.max": "cpu_limit",
    "sched.cpu.shares": "cpu_shares",
    "sched.mem.min": "mem_reservation",
    "sched.mem.max": "mem_limit",
    "sched.mem.shares": "mem_shares",
    "annotation": "annotation",
}


def parse(text: str, filename: str = "vm.vmx") -> Source:
    check_size(text, Text(_("The .vmx"), {}))
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise TranslateError(
            _("The .vmx has %(count)s lines; the limit is %(limit)s"),
            count=f"{len(lines):,}",
            limit=f"{MAX_LINES:,}",
        )
    entries: list[tuple[int, str, str]] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            shown = line if len(line) <= 60 else line[:57] + "..."
            raise TranslateError(
                _('line %(line)s: expected key = "value", found %(shown)r'), line=number, shown=shown
            )
        entries.append((number, match.group(1), match.group(2)))
    keys = {key.lower() for _, key, _ in entries}
    if not keys & {"displayname", "numvcpus", "memsize", "guestos"}:
        raise TranslateError(
            _("This does not look like a .vmx: it has no displayName, guestOS, numvcpus or memSize line")
        )
    return Source(kind="vmx", filename=filename, machines=[_machine(entries)], text=text)


def _int(value: str, key: str, number: int) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise TranslateError(
            _("line %(line)s: %(key)s must be a whole number, found %(value)r"),
            line=number,
            key=key,
            value=value,
        ) from None


def _machine(entries: list[tuple[int, str, str]]) -> Machine:
    values = {key.lower(): (value, number) for number, key, value in entries}
    display = values.get("displayname", ("vm", 0))[0] or "vm"
    machine = Machine(name=machine_name(display), display_name=display)
    devices: dict[str, dict[str, tuple[str, int, str]]] = {}
    nics: dict[int, dict[str, tuple[str, int, str]]] = {}
    guestinfo: dict[str, tuple[str, int]] = {}
    for number, key, value in entries:
        lower = key.lower()
        where = f"line {number}"
        device, nic = _DEVICE.match(key), _NIC.match(key)
        if device:
            label = f"{device.group(1).lower()}{device.group(2)}:{device.group(3)}"
            devices.setdefault(label, {})[device.group(4).lower()] = (value, number, key)
            continue
        if nic:
            nics.setdefault(int(nic.group(1)), {})[nic.group(2).lower()] = (value, number, key)
            continue
        if lower.startswith("guestinfo."):
            guestinfo[key[len("guestinfo.") :]] = (value, number)
            continue
        if _CONTROLLER.match(key):
            machine.add(key, value, where, "controller")
            continue
        topic = _KEY_TOPICS.get(lower) or next((t for p, t in _PREFIX_TOPICS if lower.startswith(p)), "other")
        machine.add(key, value, where, topic)
        if topic == "guest_os":
            machine.guest_os = value
            machine.windows = value.lower().startswith("win")
        elif topic == "cpus":
            machine.cpus = max(_int(value, key, number), 1)
        elif topic == "memory":
            machine.memory_mib = max(_int(value, key, number), 4)
        elif topic == "cpu_reservation":
            machine.cpu_reservation_mhz = _int(value, key, number)
        elif topic == "cpu_limit":
            machine.cpu_limit_mhz = _int(value, key, number)
        elif topic == "mem_reservation":
            machine.memory_reservation_mib = _int(value, key, number)
        elif topic == "mem_limit":
            machine.memory_limit_mib = _int(value, key, number)
        elif topic in ("cpu_shares", "mem_shares"):
            level = value.lower()
            if level not in _SHARE_LEVELS:
                shares = _int(value, key, number)
                level = "custom"
                if topic == "cpu_shares":
                    machine.cpu_shares = shares
            if topic == "cpu_shares":
                machine.cpu_shares_level = level
            else:
                machine.memory_shares_level = level
        elif topic == "hw_version":
            machine.hardware_version = _int(value, key, number)
    _disks(machine, devices)
    _nics(machine, nics)
    _guestinfo(machine, guestinfo)
    machine.settings.sort(key=lambda setting: int(setting.where.split()[1]))  # the file's order
    return machine


def _disks(machine: Machine, devices: dict[str, dict[str, tuple[str, int, str]]]) -> None:
    # ESXi boots from the first disk unless bios.bootOrder says otherwise: scsi0:0 before scsi0:1.
    def order(label: str) -> tuple[int, str, int, int]:
        bus, _, unit = label.partition(":")
        kind = re.match(r"[a-z]+", bus).group(0)
        return (("scsi", "nvme", "sata", "ide").index(kind), kind, int(bus[len(kind) :]), int(unit))

    for label in sorted(devices, key=order):
        fields = devices[label]
        device_type = fields.get("devicetype", ("", 0, ""))[0].lower()
        file_name = fields.get("filename", ("", 0, ""))[0]
        present = fields.get("present", ("TRUE", 0, ""))[0].upper() != "FALSE"
        cdrom = "cdrom" in device_type or file_name.lower().endswith(".iso")
        disk = None
        if present and not cdrom and file_name.lower().endswith(".vmdk"):
            boot = not machine.disks
            disk = Disk(
                name="root" if boot else f"disk-{len(machine.disks)}",
                label=label,
                capacity_bytes=None,
                boot=boot,
            )
            machine.disks.append(disk)
        for sub, (value, number, key) in sorted(fields.items(), key=lambda item: item[1][1]):
            if cdrom:
                topic = "cdrom"
            elif disk is None:
                topic = "other"
            elif sub == "filename":
                topic = "boot_disk" if disk.boot else "data_disk"
            else:
                topic = "disk_detail"
            machine.add(key, value, f"line {number}", topic, disk.name if disk else "")


def _nics(machine: Machine, nics: dict[int, dict[str, tuple[str, int, str]]]) -> None:
    for index in sorted(nics):
        fields = nics[index]
        if fields.get("present", ("TRUE", 0, ""))[0].upper() == "FALSE":
            for value, number, key in fields.values():
                machine.add(key, value, f"line {number}", "other")
            continue
        name = f"eth{len(machine.nics)}"
        network = fields.get("networkname", ("", 0, ""))[0] or fields.get("dvs.portgroupid", ("", 0, ""))[0]
        machine.nics.append(
            Nic(
                name=name,
                label=f"ethernet{index}",
                network=network or "VM Network",
                adapter=fields.get("virtualdev", ("", 0, ""))[0],
            )
        )
        for sub, (value, number, key) in sorted(fields.items(), key=lambda item: item[1][1]):
            topic = {
                "networkname": "network",
                "generatedaddress": "mac",
                "address": "mac",
                "addresstype": "mac",
            }.get(sub, "nic")
            machine.add(key, value, f"line {number}", topic, name)


def _guestinfo(machine: Machine, guestinfo: dict[str, tuple[str, int]]) -> None:
    encodings = {k.lower(): v for k, (v, _) in guestinfo.items() if k.lower().endswith(".encoding")}
    for key, (value, number) in sorted(guestinfo.items(), key=lambda item: item[1][1]):
        full, where, lower = f"guestinfo.{key}", f"line {number}", key.lower()
        if lower in ("userdata", "metadata", "userdata.encoding", "metadata.encoding", "vendordata"):
            machine.add(full, value if len(value) <= 80 else value[:77] + "...", where, "cloud_init")
            if lower == "userdata":
                machine.cloud_init = _decode(value, encodings.get("userdata.encoding", ""), full, number)
            continue
        password = any(word in lower for word in ("password", "secret", "token"))
        machine.properties.append(Property(key=key, value=value, password=password))
        machine.add(
            full, "(hidden)" if password else value, where, "password" if password else "guestinfo", key
        )
        if lower.endswith("port") and value.strip().isdigit():
            machine.ports.append(Port(int(value), full))


def _decode(value: str, encoding: str, key: str, number: int) -> str:
    """guestinfo.userdata as cloud-init's VMware datasource reads it: plain, base64, or gzip+base64."""
    encoding = encoding.lower()
    try:
        if encoding in ("base64", "b64"):
            return base64.b64decode(value, validate=True).decode()
        if encoding in ("gzip+base64", "gz+b64"):
            # At most 1 MiB out, however small the input: no decompression bomb.
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return inflater.decompress(base64.b64decode(value, validate=True), 1024 * 1024).decode()
    except (binascii.Error, zlib.error, UnicodeDecodeError):
        raise TranslateError(
            _("line %(line)s: %(key)s is not valid %(encoding)s"), line=number, key=key, encoding=encoding
        ) from None
    return value

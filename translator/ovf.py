"""Read an OVF descriptor (OVF 1.x and 2.0) or the descriptor inside an .ova.

Parsing is defused: no DTD at all (so no entity expansion and no external entities),
at most MAX_BYTES and MAX_ELEMENTS, and every element remembers its line so that an
error names it. An .ova is a tar archive; only its .ovf member is read, never a disk.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import tarfile
import xml.etree.ElementTree as ET

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from translator.model import (
    MAX_BYTES,
    MAX_ELEMENTS,
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

ENVELOPES = {
    "http://schemas.dmtf.org/ovf/envelope/1": "1.x",
    "http://schemas.dmtf.org/ovf/envelope/2": "2.0",
}
_UNITS = re.compile(r"^\s*byte\s*\*\s*2\s*\^\s*(\d+)\s*$", re.IGNORECASE)
_NAMED_UNITS = {"bytes": 0, "kilobytes": 10, "megabytes": 20, "gigabytes": 30, "terabytes": 40}
MAX_OVA_BYTES = 64 * 1024 * 1024  # an upload; the command line reads any size, member by member


class _Lines(ET.TreeBuilder):
    """A tree builder that counts elements (refusing past the limit) and keeps their lines."""

    def __init__(self):
        super().__init__()
        self.parser = None
        self.count = 0
        self.lines: dict[ET.Element, int] = {}

    def start(self, tag, attrs):
        self.count += 1
        line = self.parser.parser.CurrentLineNumber
        if self.count > MAX_ELEMENTS:
            raise TranslateError(
                _(
                    "line %(line)s: the descriptor has more than %(limit)s elements; a real one has a few thousand"
                ),
                line=line,
                limit=f"{MAX_ELEMENTS:,}",
            )
        element = super().start(tag, attrs)
        self.lines[element] = line
        return element


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _attr(element: ET.Element, name: str, default: str = "") -> str:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return default


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next(iter(_children(element, name)), None)


def _text(element: ET.Element, name: str, default: str = "") -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None and child.text else default


def parse_xml(text: str) -> tuple[ET.Element, dict]:
    check_size(text, Text(_("The descriptor"), {}))
    builder = _Lines()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException:
        line = parser.parser.CurrentLineNumber
        if "<!ENTITY" in text and ("SYSTEM" in text or "PUBLIC" in text):
            what = Text(
                _("an external entity (<!ENTITY … SYSTEM …>), which could read files or reach the network"),
                {},
            )
        elif "<!ENTITY" in text:
            what = Text(_("entities (<!ENTITY …>), which can expand into gigabytes"), {})
        else:
            what = Text(_("a document type declaration (<!DOCTYPE …>)"), {})
        raise TranslateError(
            _(
                "line %(line)s: the descriptor declares %(what)s; OVF descriptors never need one, so it is refused"
            ),
            line=line,
            what=what,
        ) from None
    except ET.ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        raise TranslateError(
            _("line %(line)s, column %(column)s: not well-formed XML (%(reason)s)"),
            line=line,
            column=column + 1,
            reason=reason,
        ) from None
    return root, builder.lines


class _Reader:
    def __init__(self, root: ET.Element, lines: dict, filename: str, kind: str, text: str):
        self.lines = lines
        namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
        if _local(root.tag) != "Envelope" or namespace not in ENVELOPES:
            raise TranslateError(
                _(
                    "line %(line)s: the root element is <%(tag)s>%(namespace)s, not an OVF <Envelope> "
                    "(http://schemas.dmtf.org/ovf/envelope/1 or /2)"
                ),
                line=lines.get(root, 1),
                tag=_local(root.tag),
                namespace=f" in {namespace}" if namespace else "",
            )
        self.source = Source(kind=kind, filename=filename, version=ENVELOPES[namespace], text=text)
        self.disks: dict[str, tuple[int | None, ET.Element]] = {}
        for section in _children(root, "DiskSection"):
            for disk in _children(section, "Disk"):
                disk_id = _attr(disk, "diskId")
                self.disks[disk_id] = (self._capacity(disk), disk)
        self.groups = {
            _attr(group, "id"): _attr(group, "name") for group in _children(root, "StorageGroupSection")
        }
        systems = _children(root, "VirtualSystem") + _children(root, "VirtualSystemCollection")
        if not systems:
            raise TranslateError(
                _("line %(line)s: the Envelope has no VirtualSystem or VirtualSystemCollection"),
                line=lines.get(root, 1),
            )
        self.content(systems[0], [], "")

    def where(self, element: ET.Element, path: str) -> str:
        return f"{path} (line {self.lines.get(element, '?')})"

    def _capacity(self, disk: ET.Element) -> int | None:
        raw, units = _attr(disk, "capacity"), _attr(disk, "capacityAllocationUnits", "byte")
        if raw.startswith("${"):
            return None  # sized by a property at deploy time
        try:
            value = int(raw)
        except ValueError:
            raise TranslateError(
                _("line %(line)s: Disk %(disk)r has capacity %(raw)r, not a whole number"),
                line=self.lines.get(disk, "?"),
                disk=_attr(disk, "diskId"),
                raw=raw,
            ) from None
        return value * 2 ** self._shift(units, disk)

    def _shift(self, units: str, element: ET.Element) -> int:
        match = _UNITS.match(units)
        if match:
            return int(match.group(1))
        if units.lower() in ("byte", "bytes", ""):
            return 0
        if units.lower() in _NAMED_UNITS:
            return _NAMED_UNITS[units.lower()]
        raise TranslateError(
            _("line %(line)s: unknown allocation units %(units)r"),
            line=self.lines.get(element, "?"),
            units=units,
        )

    def content(self, element: ET.Element, inherited: list[Property], path: str) -> None:
        kind = _local(element.tag)
        ident = _attr(element, "id") or _text(element, "Name") or kind
        here = f"{path}{kind}[{ident}]"
        if kind == "VirtualSystemCollection":
            self.source.name = self.source.name or (_text(element, "Name") or ident)
            self.source.settings.append(
                self._setting(element, "VirtualSystemCollection", ident, here, "vapp")
            )
            for startup in _children(element, "StartupSection"):
                for item in _children(startup, "Item"):
                    self.source.settings.append(
                        self._setting(
                            item,
                            f"StartupSection Item {_attr(item, 'id')}",
                            f"order {_attr(item, 'order')}",
                            f"{here}/StartupSection",
                            "startup_order",
                        )
                    )
            properties = inherited + self.properties(element, None, here)
            for child in element:
                if _local(child.tag) in ("VirtualSystem", "VirtualSystemCollection"):
                    self.content(child, properties, here + "/")
            return
        self.machine(element, ident, here, inherited)

    def _setting(self, element, key, value, path, topic, ref=""):
        from translator.model import Setting

        return Setting(key, value, self.where(element, path), topic, ref)

    def machine(self, system: ET.Element, ident: str, here: str, inherited: list[Property]) -> None:
        display = _text(system, "Name") or ident
        used = {m.name for m in self.source.machines}
        name = machine_name(display)
        while name in used:
            name = f"{name[:44]}-{len(used)}"
        machine = Machine(name=name, display_name=display)
        machine.add("VirtualSystem Name", display, self.where(system, here), "name")
        for os_section in _children(system, "OperatingSystemSection"):
            os_type = _attr(os_section, "osType")
            machine.guest_id = os_type
            machine.guest_os = _text(os_section, "Description") or os_type or _attr(os_section, "id")
            machine.windows = "win" in (os_type + machine.guest_os).lower()
            machine.add(
                "OperatingSystemSection",
                machine.guest_os,
                self.where(os_section, here + "/OperatingSystemSection"),
                "guest_os",
            )
        for annotation in _children(system, "AnnotationSection"):
            text = _text(annotation, "Annotation")
            if text:
                machine.add(
                    "AnnotationSection",
                    text,
                    self.where(annotation, here + "/AnnotationSection"),
                    "annotation",
                )
        hardware = _child(system, "VirtualHardwareSection")
        if hardware is None:
            raise TranslateError(
                _("line %(line)s: %(here)s has no VirtualHardwareSection"),
                line=self.lines.get(system, "?"),
                here=here,
            )
        self.hardware(machine, hardware, here + "/VirtualHardwareSection")
        for section in _children(system, "ResourceAllocationSection"):
            for item in section:
                if _local(item.tag) == "Item":
                    self.allocation(machine, item, here + "/ResourceAllocationSection", resource=True)
        for boot in _children(system, "BootOrderSection"):
            machine.add(
                "BootOrderSection",
                f"{_attr(boot, 'type')} {_attr(boot, 'instanceId')}".strip(),
                self.where(boot, here + "/BootOrderSection"),
                "boot_order",
            )
        for storage in _children(system, "StorageSection"):
            policy = self.groups.get(_attr(storage, "group"), "")
            for disk in machine.disks:
                disk.storage_policy = disk.storage_policy or policy
            machine.add(
                "StorageSection",
                policy or _attr(storage, "group"),
                self.where(storage, here + "/StorageSection"),
                "storage_policy",
            )
        for eula in _children(system, "EulaSection"):
            machine.add("EulaSection", "licence text", self.where(eula, here + "/EulaSection"), "other")
        machine.properties.extend(inherited)
        for prop in inherited:
            self._port(machine, prop)
        self.properties(system, machine, here)
        self.source.machines.append(machine)

    def properties(self, element: ET.Element, machine: Machine | None, here: str) -> list[Property]:
        found = []
        for product in _children(element, "ProductSection"):
            prefix = _attr(product, "class")
            prefix = f"{prefix}." if prefix else ""
            for prop in _children(product, "Property"):
                key = prefix + _attr(prop, "key")
                if not _attr(prop, "key"):
                    raise TranslateError(
                        _("line %(line)s: a ProductSection Property has no ovf:key"),
                        line=self.lines.get(prop, "?"),
                    )
                value = _attr(prop, "value")
                password = _attr(prop, "password").lower() == "true"
                item = Property(key=key, value=value, label=_text(prop, "Label"), password=password)
                where = self.where(prop, f"{here}/ProductSection/Property[{key}]")
                if machine is None:
                    self.source.settings.append(
                        self._setting(
                            prop,
                            f"Property {key}",
                            "(hidden)" if password else value,
                            where.rsplit(" (", 1)[0],
                            "password" if password else "property",
                            key,
                        )
                    )
                    found.append(item)
                    continue
                if key.lower() in ("user-data", "userdata"):
                    machine.cloud_init = _user_data(value)
                    machine.add(
                        f"Property {key}",
                        value[:77] + "..." if len(value) > 80 else value,
                        where,
                        "cloud_init",
                    )
                    continue
                machine.properties.append(item)
                machine.add(
                    f"Property {key}",
                    "(hidden)" if password else value,
                    where,
                    "password" if password else "property",
                    key,
                )
                self._port(machine, item)
        return found

    def _port(self, machine: Machine, prop: Property) -> None:
        if prop.key.lower().endswith("port") and prop.value.strip().isdigit() and 0 < int(prop.value) < 65536:
            if all(p.number != int(prop.value) for p in machine.ports):
                machine.ports.append(Port(int(prop.value), f"Property {prop.key}"))

    def _int(self, item: ET.Element, field: str, label: str, default: int | None = None) -> int | None:
        raw = _text(item, field)
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            raise TranslateError(
                _("line %(line)s: <rasd:%(field)s> of Item %(label)r must be a whole number, found %(raw)r"),
                line=self.lines.get(_child(item, field), "?"),
                field=field,
                label=label,
                raw=raw,
            ) from None

    def hardware(self, machine: Machine, hardware: ET.Element, here: str) -> None:
        system = _child(hardware, "System")
        if system is not None:
            family = _text(system, "VirtualSystemType")
            machine.add("VirtualSystemType", family, self.where(system, here + "/System"), "hw_version")
            versions = [int(v) for v in re.findall(r"vmx-(\d+)", family)]
            machine.hardware_version = max(versions) if versions else None
        for item in hardware:
            tag = _local(item.tag)
            if tag in ("Item", "EthernetPortItem", "StorageItem"):
                self.item(machine, item, here)
            elif tag in ("Config", "ExtraConfig"):
                self.config(machine, item, here, tag)

    def item(self, machine: Machine, item: ET.Element, here: str) -> None:
        kind = _text(item, "ResourceType")
        label = (
            _text(item, "ElementName")
            or _text(item, "Description")
            or f"InstanceID {_text(item, 'InstanceID')}"
        )
        path = f"{here}/{_local(item.tag)}[{label}]"
        where = self.where(item, path)
        subtype = _text(item, "ResourceSubType").lower()
        if kind == "3":
            machine.cpus = max(self._int(item, "VirtualQuantity", label, 1), 1)
            machine.add(f"Item {label!r} VirtualQuantity", str(machine.cpus), where, "cpus")
            self.allocation(machine, item, here)
        elif kind == "4":
            quantity = self._int(item, "VirtualQuantity", label, 1024)
            shift = self._shift(_text(item, "AllocationUnits", "byte * 2^20"), item)
            machine.memory_mib = max((quantity << shift) >> 20, 4)
            machine.add(f"Item {label!r} VirtualQuantity", f"{machine.memory_mib} MiB", where, "memory")
            self.allocation(machine, item, here)
        elif kind == "17":
            resource = _text(item, "HostResource")
            disk_id = resource.rsplit("/", 1)[-1]
            if resource and disk_id not in self.disks:
                raise TranslateError(
                    _(
                        "line %(line)s: Item %(label)r points at %(resource)s, which the DiskSection does not define"
                    ),
                    line=self.lines.get(item, "?"),
                    label=label,
                    resource=resource,
                )
            capacity = self.disks.get(disk_id, (None, None))[0]
            if capacity is None and _text(item, "VirtualQuantity"):
                capacity = self._int(item, "VirtualQuantity", label) * 2 ** self._shift(
                    _text(item, "AllocationUnits", "byte"), item
                )
            boot = not machine.disks
            group = _text(item, "StorageGroup")
            disk = Disk(
                name="root" if boot else f"disk-{len(machine.disks)}",
                label=label,
                capacity_bytes=capacity,
                boot=boot,
                storage_policy=self.groups.get(group, ""),
            )
            machine.disks.append(disk)
            size = f"{capacity / 2**30:g} GiB" if capacity else "size set at deploy"
            machine.add(
                f"Item {label!r}",
                f"{resource or 'disk'} ({size})",
                where,
                "boot_disk" if boot else "data_disk",
                disk.name,
            )
            if group:
                machine.add(
                    f"Item {label!r} StorageGroup",
                    disk.storage_policy or group,
                    where,
                    "storage_policy",
                    disk.name,
                )
        elif kind == "10":
            network = _text(item, "Connection") or "VM Network"
            nic = Nic(
                name=f"eth{len(machine.nics)}",
                label=label,
                network=network,
                adapter=_text(item, "ResourceSubType"),
            )
            machine.nics.append(nic)
            machine.add(f"Item {label!r} Connection", network, where, "network", nic.name)
            if _text(item, "Address"):
                machine.add(f"Item {label!r} Address", _text(item, "Address"), where, "mac", nic.name)
        elif kind in ("5", "6", "20") and "cdrom" not in subtype:
            machine.add(
                f"Item {label!r}", _text(item, "ResourceSubType") or "controller", where, "controller"
            )
        elif kind in ("15", "16") or "cdrom" in subtype:
            machine.add(f"Item {label!r}", subtype or "CD/DVD", where, "cdrom")
        elif kind == "14":
            machine.add(f"Item {label!r}", subtype or "floppy", where, "floppy")
        elif kind == "23" or "usb" in subtype:
            machine.add(f"Item {label!r}", subtype or "USB controller", where, "usb")
        elif kind == "21" or "serial" in subtype:
            machine.add(f"Item {label!r}", subtype or "serial port", where, "serial")
        elif kind == "22":
            machine.add(f"Item {label!r}", subtype or "parallel port", where, "parallel")
        elif "pcipassthru" in subtype or "passthrough" in subtype:
            machine.add(f"Item {label!r}", subtype, where, "pci")
        else:
            machine.add(f"Item {label!r}", subtype or f"ResourceType {kind}", where, "other")
        for config in _children(item, "Config"):
            self.config(machine, config, path, "Config", device=True)

    def allocation(self, machine: Machine, item: ET.Element, here: str, resource: bool = False) -> None:
        """rasd:Reservation, Limit and Weight on the CPU (MHz) and memory (MB) Items."""
        kind = _text(item, "ResourceType")
        label = _text(item, "ElementName") or ("CPU" if kind == "3" else "memory")
        where = self.where(item, f"{here}/Item[{label}]")
        cpu = kind == "3"
        if resource and cpu and _text(item, "VirtualQuantity"):
            machine.cpus = max(self._int(item, "VirtualQuantity", label, 1), 1)
        reservation = self._int(item, "Reservation", label)
        limit = self._int(item, "Limit", label)
        weight = self._int(item, "Weight", label)
        if reservation:
            if cpu:
                machine.cpu_reservation_mhz = reservation
            else:
                machine.memory_reservation_mib = reservation
            machine.add(
                f"Item {label!r} Reservation",
                f"{reservation} {'MHz' if cpu else 'MB'}",
                where,
                "cpu_reservation" if cpu else "mem_reservation",
            )
        if limit is not None and limit >= 0:
            if cpu:
                machine.cpu_limit_mhz = limit
            else:
                machine.memory_limit_mib = limit
            machine.add(
                f"Item {label!r} Limit",
                f"{limit} {'MHz' if cpu else 'MB'}",
                where,
                "cpu_limit" if cpu else "mem_limit",
            )
        if weight:
            if cpu:
                machine.cpu_shares, machine.cpu_shares_level = weight, "custom"
            else:
                machine.memory_shares_level = "custom"
            machine.add(
                f"Item {label!r} Weight", f"{weight} shares", where, "cpu_shares" if cpu else "mem_shares"
            )

    def config(self, machine: Machine, config: ET.Element, here: str, tag: str, device: bool = False) -> None:
        key, value = _attr(config, "key"), _attr(config, "value")
        where = self.where(config, f"{here}/{tag}[{key}]")
        lower = key.lower()
        if device:
            topic = "other"
        elif lower.startswith("guestinfo."):
            short = key[len("guestinfo.") :]
            if short.lower() in ("userdata", "metadata", "userdata.encoding", "metadata.encoding"):
                if short.lower() == "userdata":
                    machine.cloud_init = _user_data(value)
                machine.add(
                    f"vmw:{tag} {key}", value[:77] + "..." if len(value) > 80 else value, where, "cloud_init"
                )
                return
            machine.properties.append(Property(key=short, value=value))
            self._port(machine, machine.properties[-1])
            topic = "guestinfo"
        elif "hotadd" in lower or "hotremove" in lower:
            topic = "hot_add"
        elif lower.startswith(("firmware", "bootoptions.")):
            topic = "firmware"
        elif lower.startswith("cpuallocation.shares.level"):
            machine.cpu_shares_level = value.lower()
            topic = "cpu_shares"
        elif lower.startswith("cpuallocation.shares.shares"):
            machine.cpu_shares = int(value) if value.isdigit() else None
            topic = "cpu_shares"
        elif lower.startswith("memoryallocation.shares.level"):
            machine.memory_shares_level = value.lower()
            topic = "mem_shares"
        elif lower.startswith("memoryallocation.shares"):
            topic = "mem_shares"
        elif lower.startswith("tools."):
            topic = "tools"
        elif lower.startswith("uuid") or lower == "vc.uuid":
            topic = "uuid"
        else:
            topic = "other"
        machine.add(f"vmw:{tag} {key}", value, where, topic)


def _user_data(value: str) -> str:
    """A user-data property holds base64 (as cloud-init's OVF datasource expects) or plain text."""
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value


def parse(text: str, filename: str = "vm.ovf", kind: str = "ovf") -> Source:
    root, lines = parse_xml(text)
    return _Reader(root, lines, filename, kind, text).source


def descriptor_from_ova(stream) -> tuple[str, str]:
    """The name and text of an .ova's descriptor: its .ovf member (the first one, as the OVF
    specification places it), read alone; disks are skipped, never read."""
    try:
        with tarfile.open(fileobj=stream, mode="r:") as archive:
            for member in archive:
                if not member.name.lower().endswith(".ovf"):
                    continue
                if not member.isfile():
                    raise TranslateError(_("The .ova's %(name)s is not a regular file"), name=member.name)
                if member.size > MAX_BYTES:
                    raise TranslateError(
                        _("The .ova's descriptor %(name)s is %(size)s bytes; the limit is %(limit)s bytes"),
                        name=member.name,
                        size=f"{member.size:,}",
                        limit=f"{MAX_BYTES:,}",
                    )
                data = archive.extractfile(member).read(MAX_BYTES + 1)
                return member.name, _decode(data, member.name)
    except tarfile.TarError as error:
        raise TranslateError(_("This .ova is not a readable tar archive (%(error)s)"), error=error) from None
    raise TranslateError(
        _("The .ova holds no .ovf descriptor (an .ova is a tar archive whose first member is the .ovf)")
    )


def _decode(data: bytes, what: str | Text) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        offset = data.index(b"\x00")
        raise TranslateError(
            _(
                "%(what)s is binary (byte %(offset)s is NUL): paste or upload the .vmx or .ovf text, or the .ova archive"
            ),
            what=what,
            offset=offset,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TranslateError(
            _("%(what)s is not UTF-8 text (byte %(offset)s is %(byte)s): a .vmx and an .ovf are text files"),
            what=what,
            offset=error.start,
            byte=f"0x{data[error.start]:02x}",
        ) from None


def read(data: bytes, filename: str) -> Source:
    """Any of the three from its bytes: .ova by name or by its tar header, else text."""
    from translator import vmx

    lower = filename.lower()
    if lower.endswith(".ova") or (len(data) > 262 and data[257:262] == b"ustar"):
        if len(data) > MAX_OVA_BYTES:
            raise TranslateError(
                _(
                    "The .ova is %(size)s bytes; uploads are limited to %(limit)s bytes. Upload its .ovf alone, "
                    "or run manage.py translate_vm on the .ova (it reads only the descriptor)"
                ),
                size=f"{len(data):,}",
                limit=f"{MAX_OVA_BYTES:,}",
            )
        name, text = descriptor_from_ova(io.BytesIO(data))
        return parse(text, f"{filename} ({name})", kind="ova")
    what = Text(_("The file %(name)s"), {"name": filename})
    check_size(data, what)
    text = _decode(data, what)
    if text.lstrip().startswith("<"):
        return parse(text, filename)
    return vmx.parse(text, filename)

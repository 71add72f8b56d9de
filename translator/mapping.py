"""The mapping table: each source setting, what it became in each translation (or "no
equivalent" and why), and the concept pair that explains it.

RULES maps a setting's topic to three things: the VM Service target, the workload target
(each a %(name)s message over the names the translations chose, or No(reason) when it has
no equivalent), and a concept pair's slug (checked against the catalogue by a test). Rows
hold Texts, so the command prints them in English and the page in the visitor's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from translator import to_vm_service, to_workload
from translator.model import Machine, Setting, Source, Text, _, data_key, dns_name, gib, storage_class_name

NO_EQUIVALENT = _("No equivalent: %(reason)s")
ASSUMED_PORT_KEY = _("(no port in the file)")
ASSUMED_PORT_VALUE = _("%(port)s assumed")
VAPP = _("(vApp)")  # the row label of a setting of the whole vApp


class No(str):
    """A rule's reason why a setting has no equivalent in that translation."""


RULES: dict[str, tuple[str, str, str]] = {
    "format": (
        No(_("the file format's own version.")),
        No(_("the file format's own version.")),
        "vmx-ovf-manifests",
    ),
    "name": (
        _("VirtualMachine %(name)s (metadata.name)"),
        _("%(kind)s %(name)s and Service %(name)s (metadata.name)"),
        "vm-pod",
    ),
    "guest_os": (
        _("VirtualMachineImage %(vmi)s (the content library item carries the guest OS)%(guest_id)s"),
        No(
            _(
                "a container shares the node's kernel and brings no guest OS; the image %(image)s replaces it%(image_why)s."
            )
        ),
        "guest-os-containers",
    ),
    "cpus": (
        _("VirtualMachineClass %(cls)s (spec.hardware.cpus: %(class_cpus)s), spec.className"),
        _("resources.limits.cpu: %(cpu_limit)s (a VM never uses more than its vCPUs)"),
        "reservations-requests-limits",
    ),
    "cores_per_socket": (
        No(_("the VM class sets the vCPU count; the socket layout comes from the class's configSpec.")),
        No(_("a container sees cores, not sockets.")),
        "vm-pod",
    ),
    "memory": (
        _("VirtualMachineClass %(cls)s (spec.hardware.memory: %(class_memory)sGi)"),
        "resources.requests.memory: %(memory_request)s, resources.limits.memory: %(memory_limit)s",
        "reservations-requests-limits",
    ),
    "cpu_reservation": (
        _("VirtualMachineClass %(cls)s (a guaranteed class reserves what it gives)"),
        _("resources.requests.cpu: %(cpu_request)s (reservation in MHz over a 2 GHz core)"),
        "reservations-requests-limits",
    ),
    "cpu_limit": (
        No(
            _(
                "VM classes set a reservation (policies.resources) but a VM's MHz limit is not in the VM Service API."
            )
        ),
        "resources.limits.cpu: %(cpu_limit)s",
        "reservations-requests-limits",
    ),
    "cpu_shares": (
        No(_("a VM class has no shares; the namespace's resource pool sets them for all its VMs.")),
        _("resources.requests.cpu: %(cpu_request)s (shares weigh CPU under contention, as a request does)"),
        "overcommit-qos-eviction",
    ),
    "mem_reservation": (
        _("VirtualMachineClass %(cls)s (a guaranteed class reserves its memory)"),
        "resources.requests.memory: %(memory_request)s",
        "reservations-requests-limits",
    ),
    "mem_limit": (
        No(_("the VM class sets the memory size; no separate limit.")),
        "resources.limits.memory: %(memory_limit)s",
        "reservations-requests-limits",
    ),
    "mem_shares": (
        No(_("a VM class has no shares; the namespace's resource pool sets them.")),
        No(
            _(
                "memory is not shared by weight; the QoS class (from requests and limits) decides who is evicted first."
            )
        ),
        "overcommit-qos-eviction",
    ),
    "hw_version": (
        "spec.minHardwareVersion: %(hw_version)s",
        No(_("there is no virtual hardware; the node's container runtime runs the process.")),
        "vmx-ovf-manifests",
    ),
    "firmware": (
        No(_("firmware (BIOS/EFI, secure boot) comes with the VM image and the class's configSpec.")),
        No(_("a container does not boot firmware.")),
        "vm-pod",
    ),
    "controller": (
        No(_("VM Service attaches claims to controllers it chooses.")),
        No(_("volumes are mounted as directories; there is no disk controller.")),
        "datastore-persistent-volume",
    ),
    "boot_disk": (
        _(
            "VirtualMachineImage %(vmi)s (the OS disk comes from the image); spec.storageClass: %(storage_class)s"
        ),
        No(_("the OS disk becomes the image %(image)s; anything written there is lost with the container.")),
        "template-container-image",
    ),
    "data_disk": (
        _("PersistentVolumeClaim %(claim)s (%(size)s), spec.volumes[%(ref)s]"),
        _("StatefulSet volumeClaimTemplates[%(ref)s] (%(size)s), mounted at %(mount)s"),
        "datastore-persistent-volume",
    ),
    "disk_detail": (
        No(_("provisioning, mode and backing are the CSI driver's and storage policy's business.")),
        No(_("provisioning, mode and backing are the CSI driver's and storage class's business.")),
        "datastore-persistent-volume",
    ),
    "storage_policy": (
        _("storageClassName: %(sc)s (the Supervisor names a storage class after each policy)"),
        "storageClassName: %(sc)s",
        "storage-policy-storageclass",
    ),
    "network": (
        "spec.network.interfaces[%(ref)s].network.name: %(net)s",
        "%(nic_workload)s",
        "vswitch-pod-network",
    ),
    "nic": (
        _("spec.network.interfaces[%(ref)s] (the adapter type is VM Service's choice)"),
        "%(nic_workload)s",
        "vswitch-pod-network",
    ),
    "mac": (
        No(_("VM Service assigns MAC addresses; a fixed MAC cannot be asked for.")),
        No(_("a pod's interface and address are the network plugin's; reach it through Service %(name)s.")),
        "vswitch-pod-network",
    ),
    "property": (
        _("Secret %(secret)s (spec.bootstrap.vAppConfig.rawProperties)%(vapp_why)s"),
        _("ConfigMap %(config_map)s key %(key)s → env %(env)s%(port_note)s"),
        "customization-configmap",
    ),
    "password": (
        _("Secret %(secret)s (spec.bootstrap.vAppConfig.rawProperties)%(vapp_why)s"),
        _("Secret %(workload_secret)s key %(key)s → env %(env)s"),
        "credentials-secrets",
    ),
    "guestinfo": (
        No(
            _(
                "VM Service writes guestinfo itself (its bootstrap data); put the value in cloud-init user data."
            )
        ),
        _("ConfigMap %(config_map)s key %(key)s → env %(env)s%(port_note)s"),
        "customization-configmap",
    ),
    "cloud_init": (
        _("Secret %(name)s-cloud-init key user-data (spec.bootstrap.cloudInit.rawCloudConfig)"),
        No(_("a container runs no cloud-init; what it configures goes into the image or the ConfigMap.")),
        "customization-configmap",
    ),
    "tools": (
        "spec.readinessProbe.guestHeartbeat.thresholdStatus: green",
        _("readinessProbe and livenessProbe (tcpSocket :%(first_port)s) replace VMware Tools heartbeats"),
        "vm-monitoring-probes",
    ),
    "hot_add": (
        No(_("resize by changing spec.className (the VM restarts).")),
        No(_("change the resources in the template; the rollout replaces the pod.")),
        "vm-upgrade-deployment-rollout",
    ),
    "snapshot": (
        No(_("snapshots are not part of the VirtualMachine spec here; back up the claims instead.")),
        No(_("a pod has no snapshots; back up its volumes (VolumeSnapshot) and keep manifests in Git.")),
        "backup-etcd-snapshot",
    ),
    "vmotion": (
        No(_("DRS and vMotion still move the VM; nothing to declare.")),
        No(_("pods are not live-migrated; a drained pod is recreated elsewhere.")),
        "vmotion-rescheduling",
    ),
    "usb": (No(_("no USB passthrough in VM Service.")), No(_("no USB in a container.")), "vm-pod"),
    "serial": (
        No(_("no serial ports in VM Service; use the web console.")),
        No(_("no serial port; read kubectl logs.")),
        "vm-pod",
    ),
    "parallel": (No(_("no parallel ports.")), No(_("no parallel ports.")), "vm-pod"),
    "pci": (
        _("VirtualMachineClass configSpec (DirectPath I/O and vGPU devices are declared in the class)"),
        No(_("PCI passthrough needs a device plugin on the node; not part of the workload.")),
        "vm-pod",
    ),
    "floppy": (No(_("no floppy drives.")), No(_("no floppy drives.")), "vm-pod"),
    "cdrom": (
        No(_("ISO images are not mounted; install from the image or cloud-init.")),
        No(_("mount files from a ConfigMap or a volume instead.")),
        "vm-pod",
    ),
    "boot_order": (
        No(_("the VM boots from its image's disk.")),
        No(_("containers do not boot; order start-up with init containers.")),
        "boot-order-init-containers",
    ),
    "annotation": ("metadata.annotations", "metadata.annotations", "annotations-custom-attributes"),
    "uuid": (
        No(_("VM Service generates the BIOS and instance UUIDs.")),
        No(_("Kubernetes gives every object its own metadata.uid.")),
        "vm-pod",
    ),
    "vapp": (
        _("label app.kubernetes.io/part-of: %(vapp)s on every object"),
        _("label app.kubernetes.io/part-of: %(vapp)s on every object"),
        "vapp-application",
    ),
    "startup_order": (
        No(_("VMs power on together; order them with readiness in your tooling.")),
        No(_("pods start together; wait for dependencies with init containers and readiness probes.")),
        "boot-order-init-containers",
    ),
    "assumed_port": (
        _("VirtualMachineService %(name)s port %(first_port)s"),
        _("containerPort %(first_port)s and Service %(name)s port %(first_port)s"),
        "one-armed-lb-clusterip",
    ),
    "other": (
        No(_("a hypervisor detail VM Service sets itself.")),
        No(_("a hypervisor detail with no meaning for a container.")),
        "vmx-ovf-manifests",
    ),
}


@dataclass
class Row:
    machine: str
    key: str
    value: str
    where: str
    vm_text: Text
    workload_text: Text
    concept: str
    vm: str = field(init=False)
    workload: str = field(init=False)

    def __post_init__(self):
        self.vm, self.workload = str(self.vm_text), str(self.workload_text)

    @property
    def vm_none(self) -> bool:
        return self.vm_text.template == NO_EQUIVALENT

    @property
    def workload_none(self) -> bool:
        return self.workload_text.template == NO_EQUIVALENT

    @property
    def other(self) -> bool:
        return self.concept == "vmx-ovf-manifests" and self.vm_none and self.workload_none


def _context(machine: Machine, vapp: str) -> dict:
    vm, wl = to_vm_service.plan(machine), to_workload.plan(machine)
    return {
        "name": machine.name,
        "kind": wl.kind,
        "vmi": vm.image,
        "cls": vm.vm_class,
        "class_cpus": vm.class_cpus,
        "class_memory": vm.class_memory_gib,
        "storage_class": vm.storage_class,
        "secret": vm.secret,
        "guest_id": f"; spec.guestID: {machine.guest_id}" if machine.guest_id else "",
        "image": wl.image,
        "image_why": Text(_(" (chosen because the VM mentions %(role)r)"), {"role": wl.role})
        if wl.role
        else Text(_(" (a placeholder: build it from what the VM runs)"), {}),
        "cpu_request": wl.cpu_request,
        "cpu_limit": wl.cpu_limit,
        "memory_request": wl.memory_request,
        "memory_limit": wl.memory_limit,
        "hw_version": machine.hardware_version or "",
        "config_map": wl.config_map,
        "workload_secret": wl.secret,
        "first_port": wl.ports[0][0],
        "vapp": dns_name(vapp) if vapp else "",
        "vapp_why": Text(_(" (cloud-init is used instead; put this value in the user data)"), {})
        if vm.bootstrap == "cloudInit"
        else "",
        "_plan": wl,
    }


def _fill(template: str, context: dict, machine: Machine | None, setting: Setting) -> Text:
    values = {k: v for k, v in context.items() if k != "_plan"}
    ref = setting.ref
    values["ref"] = ref
    values["key"] = data_key(ref)
    if machine is not None:
        disk = next((d for d in machine.disks if d.name == ref), None)
        if disk is not None:
            values["claim"] = to_vm_service.claim_name(machine, disk.name)
            values["size"] = (
                gib(disk.capacity_bytes)
                if disk.capacity_bytes
                else Text(_("%(size)s assumed: the size is in the .vmdk"), {"size": to_workload.ASSUMED_DISK})
            )
            policy = disk.storage_policy
            values["sc"] = storage_class_name(policy) if policy else context["storage_class"]
            index = machine.data_disks.index(disk) if disk in machine.data_disks else 0
            values["mount"] = context["_plan"].data_path if index == 0 else f"/data/{disk.name}"
        else:
            values.setdefault(
                "sc", storage_class_name(setting.value) if setting.value else context["storage_class"]
            )
        nic = next((n for n in machine.nics if n.name == ref), None)
        if nic is not None:
            values["net"] = dns_name(nic.network, "network")
            first = nic is machine.nics[0]
            ports = ", ".join(str(p) for p, _protocol in context["_plan"].ports)
            values["nic_workload"] = (
                Text(
                    _("Service %(name)s (ports %(ports)s); the pod's one interface"),
                    {**values, "ports": ports},
                )
                if first
                else Text(
                    NO_EQUIVALENT,
                    {
                        "reason": Text(
                            _(
                                "a pod has one network interface (a second needs Multus, outside core Kubernetes)."
                            ),
                            {},
                        )
                    },
                )
            )
        values["env"] = context["_plan"].env.get(ref, "")
        port = next((p for p in machine.ports if p.source.endswith(ref) and ref), None)
        values["port_note"] = (
            Text(
                _("; also containerPort %(number)s and Service %(name)s port %(number)s"),
                {"number": port.number, "name": machine.name},
            )
            if port
            else ""
        )
    if isinstance(template, No):
        return Text(NO_EQUIVALENT, {"reason": Text(template, values)})
    if template == "%(nic_workload)s" and isinstance(values.get("nic_workload"), Text):
        return values["nic_workload"]  # a NIC's row is that NIC's text, "no equivalent" included
    return Text(template, values)


def _row(label: str, setting: Setting, context: dict, machine: Machine | None) -> Row:
    vm, workload, concept = RULES[setting.topic]
    return Row(
        label,
        setting.key,
        setting.value,
        setting.where,
        _fill(vm, context, machine, setting),
        _fill(workload, context, machine, setting),
        concept,
    )


def rows(source: Source) -> list[Row]:
    result: list[Row] = []
    first = source.machines[0] if source.machines else None
    for setting in source.settings:
        RULES[setting.topic]  # an unknown topic is a KeyError here, as before
        context = _context(first, source.name) if first else {}
        if setting.topic in ("property", "password"):
            result.extend(_shared_property(source, setting))
            continue
        result.append(_row(VAPP, setting, context, None))
    for machine in source.machines:
        context = _context(machine, source.name)
        settings = list(machine.settings)
        if not machine.ports:
            settings.append(
                Setting(
                    ASSUMED_PORT_KEY,
                    ASSUMED_PORT_VALUE % {"port": context["first_port"]},
                    "—",
                    "assumed_port",
                )
            )
        for setting in settings:
            result.append(_row(machine.display_name, setting, context, machine))
    return result


def _shared_property(source: Source, setting: Setting) -> list[Row]:
    """A vApp-level property reaches every VM in the collection."""
    return [_row(m.display_name, setting, _context(m, source.name), m) for m in source.machines]


def concept_slugs() -> set[str]:
    return {concept for _vm, _wl, concept in RULES.values()}

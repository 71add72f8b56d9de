"""The mapping table: each source setting, what it became in each translation (or "no
equivalent" and why), and the concept pair that explains it.

RULES maps a setting's topic to three things: the VM Service target, the workload target
(each a format string over the names the translations chose, or a reason starting with
"No equivalent"), and a concept pair's slug (checked against the catalogue by a test).
"""

from __future__ import annotations

from dataclasses import dataclass

from translator import to_vm_service, to_workload
from translator.model import Machine, Setting, Source, data_key, dns_name, gib, storage_class_name

NONE = "No equivalent: "

RULES: dict[str, tuple[str, str, str]] = {
    "format": (
        NONE + "the file format's own version.",
        NONE + "the file format's own version.",
        "vmx-ovf-manifests",
    ),
    "name": (
        "VirtualMachine {name} (metadata.name)",
        "{kind} {name} and Service {name} (metadata.name)",
        "vm-pod",
    ),
    "guest_os": (
        "VirtualMachineImage {vmi} (the content library item carries the guest OS){guest_id}",
        NONE
        + "a container shares the node's kernel and brings no guest OS; the image {image} replaces it{image_why}.",
        "guest-os-containers",
    ),
    "cpus": (
        "VirtualMachineClass {cls} (spec.hardware.cpus: {class_cpus}), spec.className",
        "resources.limits.cpu: {cpu_limit} (a VM never uses more than its vCPUs)",
        "reservations-requests-limits",
    ),
    "cores_per_socket": (
        NONE + "the VM class sets the vCPU count; the socket layout comes from the class's configSpec.",
        NONE + "a container sees cores, not sockets.",
        "vm-pod",
    ),
    "memory": (
        "VirtualMachineClass {cls} (spec.hardware.memory: {class_memory}Gi)",
        "resources.requests.memory: {memory_request}, resources.limits.memory: {memory_limit}",
        "reservations-requests-limits",
    ),
    "cpu_reservation": (
        "VirtualMachineClass {cls} (a guaranteed class reserves what it gives)",
        "resources.requests.cpu: {cpu_request} (reservation in MHz over a 2 GHz core)",
        "reservations-requests-limits",
    ),
    "cpu_limit": (
        NONE
        + "VM classes set a reservation (policies.resources) but a VM's MHz limit is not in the VM Service API.",
        "resources.limits.cpu: {cpu_limit}",
        "reservations-requests-limits",
    ),
    "cpu_shares": (
        NONE + "a VM class has no shares; the namespace's resource pool sets them for all its VMs.",
        "resources.requests.cpu: {cpu_request} (shares weigh CPU under contention, as a request does)",
        "overcommit-qos-eviction",
    ),
    "mem_reservation": (
        "VirtualMachineClass {cls} (a guaranteed class reserves its memory)",
        "resources.requests.memory: {memory_request}",
        "reservations-requests-limits",
    ),
    "mem_limit": (
        NONE + "the VM class sets the memory size; no separate limit.",
        "resources.limits.memory: {memory_limit}",
        "reservations-requests-limits",
    ),
    "mem_shares": (
        NONE + "a VM class has no shares; the namespace's resource pool sets them.",
        NONE
        + "memory is not shared by weight; the QoS class (from requests and limits) decides who is evicted first.",
        "overcommit-qos-eviction",
    ),
    "hw_version": (
        "spec.minHardwareVersion: {hw_version}",
        NONE + "there is no virtual hardware; the node's container runtime runs the process.",
        "vmx-ovf-manifests",
    ),
    "firmware": (
        NONE + "firmware (BIOS/EFI, secure boot) comes with the VM image and the class's configSpec.",
        NONE + "a container does not boot firmware.",
        "vm-pod",
    ),
    "controller": (
        NONE + "VM Service attaches claims to controllers it chooses.",
        NONE + "volumes are mounted as directories; there is no disk controller.",
        "datastore-persistent-volume",
    ),
    "boot_disk": (
        "VirtualMachineImage {vmi} (the OS disk comes from the image); spec.storageClass: {storage_class}",
        NONE + "the OS disk becomes the image {image}; anything written there is lost with the container.",
        "template-container-image",
    ),
    "data_disk": (
        "PersistentVolumeClaim {claim} ({size}), spec.volumes[{ref}]",
        "StatefulSet volumeClaimTemplates[{ref}] ({size}), mounted at {mount}",
        "datastore-persistent-volume",
    ),
    "disk_detail": (
        NONE + "provisioning, mode and backing are the CSI driver's and storage policy's business.",
        NONE + "provisioning, mode and backing are the CSI driver's and storage class's business.",
        "datastore-persistent-volume",
    ),
    "storage_policy": (
        "storageClassName: {sc} (the Supervisor names a storage class after each policy)",
        "storageClassName: {sc}",
        "storage-policy-storageclass",
    ),
    "network": (
        "spec.network.interfaces[{ref}].network.name: {net}",
        "{nic_workload}",
        "vswitch-pod-network",
    ),
    "nic": (
        "spec.network.interfaces[{ref}] (the adapter type is VM Service's choice)",
        "{nic_workload}",
        "vswitch-pod-network",
    ),
    "mac": (
        NONE + "VM Service assigns MAC addresses; a fixed MAC cannot be asked for.",
        NONE + "a pod's interface and address are the network plugin's; reach it through Service {name}.",
        "vswitch-pod-network",
    ),
    "property": (
        "Secret {secret} (spec.bootstrap.vAppConfig.rawProperties){vapp_why}",
        "ConfigMap {config_map} key {key} → env {env}{port_note}",
        "customization-configmap",
    ),
    "password": (
        "Secret {secret} (spec.bootstrap.vAppConfig.rawProperties){vapp_why}",
        "Secret {workload_secret} key {key} → env {env}",
        "credentials-secrets",
    ),
    "guestinfo": (
        NONE
        + "VM Service writes guestinfo itself (its bootstrap data); put the value in cloud-init user data.",
        "ConfigMap {config_map} key {key} → env {env}{port_note}",
        "customization-configmap",
    ),
    "cloud_init": (
        "Secret {name}-cloud-init key user-data (spec.bootstrap.cloudInit.rawCloudConfig)",
        NONE + "a container runs no cloud-init; what it configures goes into the image or the ConfigMap.",
        "customization-configmap",
    ),
    "tools": (
        "spec.readinessProbe.guestHeartbeat.thresholdStatus: green",
        "readinessProbe and livenessProbe (tcpSocket :{first_port}) replace VMware Tools heartbeats",
        "vm-monitoring-probes",
    ),
    "hot_add": (
        NONE + "resize by changing spec.className (the VM restarts).",
        NONE + "change the resources in the template; the rollout replaces the pod.",
        "vm-upgrade-deployment-rollout",
    ),
    "snapshot": (
        NONE + "snapshots are not part of the VirtualMachine spec here; back up the claims instead.",
        NONE + "a pod has no snapshots; back up its volumes (VolumeSnapshot) and keep manifests in Git.",
        "backup-etcd-snapshot",
    ),
    "vmotion": (
        NONE + "DRS and vMotion still move the VM; nothing to declare.",
        NONE + "pods are not live-migrated; a drained pod is recreated elsewhere.",
        "vmotion-rescheduling",
    ),
    "usb": (NONE + "no USB passthrough in VM Service.", NONE + "no USB in a container.", "vm-pod"),
    "serial": (
        NONE + "no serial ports in VM Service; use the web console.",
        NONE + "no serial port; read kubectl logs.",
        "vm-pod",
    ),
    "parallel": (NONE + "no parallel ports.", NONE + "no parallel ports.", "vm-pod"),
    "pci": (
        "VirtualMachineClass configSpec (DirectPath I/O and vGPU devices are declared in the class)",
        NONE + "PCI passthrough needs a device plugin on the node; not part of the workload.",
        "vm-pod",
    ),
    "floppy": (NONE + "no floppy drives.", NONE + "no floppy drives.", "vm-pod"),
    "cdrom": (
        NONE + "ISO images are not mounted; install from the image or cloud-init.",
        NONE + "mount files from a ConfigMap or a volume instead.",
        "vm-pod",
    ),
    "boot_order": (
        NONE + "the VM boots from its image's disk.",
        NONE + "containers do not boot; order start-up with init containers.",
        "boot-order-init-containers",
    ),
    "annotation": ("metadata.annotations", "metadata.annotations", "annotations-custom-attributes"),
    "uuid": (
        NONE + "VM Service generates the BIOS and instance UUIDs.",
        NONE + "Kubernetes gives every object its own metadata.uid.",
        "vm-pod",
    ),
    "vapp": (
        "label app.kubernetes.io/part-of: {vapp} on every object",
        "label app.kubernetes.io/part-of: {vapp} on every object",
        "vapp-application",
    ),
    "startup_order": (
        NONE + "VMs power on together; order them with readiness in your tooling.",
        NONE + "pods start together; wait for dependencies with init containers and readiness probes.",
        "boot-order-init-containers",
    ),
    "assumed_port": (
        "VirtualMachineService {name} port {first_port}",
        "containerPort {first_port} and Service {name} port {first_port}",
        "one-armed-lb-clusterip",
    ),
    "other": (
        NONE + "a hypervisor detail VM Service sets itself.",
        NONE + "a hypervisor detail with no meaning for a container.",
        "vmx-ovf-manifests",
    ),
}


@dataclass
class Row:
    machine: str
    key: str
    value: str
    where: str
    vm: str
    workload: str
    concept: str

    @property
    def vm_none(self) -> bool:
        return self.vm.startswith(NONE)

    @property
    def workload_none(self) -> bool:
        return self.workload.startswith(NONE)

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
        "image_why": f" (chosen because the VM mentions {wl.role!r})"
        if wl.role
        else " (a placeholder: build it from what the VM runs)",
        "cpu_request": wl.cpu_request,
        "cpu_limit": wl.cpu_limit,
        "memory_request": wl.memory_request,
        "memory_limit": wl.memory_limit,
        "hw_version": machine.hardware_version or "",
        "config_map": wl.config_map,
        "workload_secret": wl.secret,
        "first_port": wl.ports[0][0],
        "vapp": dns_name(vapp) if vapp else "",
        "vapp_why": " (cloud-init is used instead; put this value in the user data)"
        if vm.bootstrap == "cloudInit"
        else "",
        "_plan": wl,
    }


def _fill(template: str, context: dict, machine: Machine | None, setting: Setting) -> str:
    values = dict(context)
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
                else f"{to_workload.ASSUMED_DISK} assumed: the size is in the .vmdk"
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
            values["nic_workload"] = (
                f"Service {machine.name} (ports {', '.join(str(p) for p, _ in context['_plan'].ports)}); the pod's one interface"
                if first
                else NONE
                + "a pod has one network interface (a second needs Multus, outside core Kubernetes)."
            )
        values["env"] = context["_plan"].env.get(ref, "")
        port = next((p for p in machine.ports if p.source.endswith(ref) and ref), None)
        values["port_note"] = (
            f"; also containerPort {port.number} and Service {machine.name} port {port.number}"
            if port
            else ""
        )
    return template.format(**values)


def rows(source: Source) -> list[Row]:
    result: list[Row] = []
    first = source.machines[0] if source.machines else None
    for setting in source.settings:
        vm, workload, concept = RULES[setting.topic]
        context = _context(first, source.name) if first else {}
        if setting.topic in ("property", "password"):
            result.extend(_shared_property(source, setting))
            continue
        result.append(
            Row(
                "(vApp)",
                setting.key,
                setting.value,
                setting.where,
                _fill(vm, context, None, setting),
                _fill(workload, context, None, setting),
                concept,
            )
        )
    for machine in source.machines:
        context = _context(machine, source.name)
        settings = list(machine.settings)
        if not machine.ports:
            settings.append(
                Setting("(no port in the file)", f"{context['first_port']} assumed", "—", "assumed_port")
            )
        for setting in settings:
            vm, workload, concept = RULES[setting.topic]
            result.append(
                Row(
                    machine.display_name,
                    setting.key,
                    setting.value,
                    setting.where,
                    _fill(vm, context, machine, setting),
                    _fill(workload, context, machine, setting),
                    concept,
                )
            )
    return result


def _shared_property(source: Source, setting: Setting) -> list[Row]:
    """A vApp-level property reaches every VM in the collection."""
    vm, workload, concept = RULES[setting.topic]
    out = []
    for machine in source.machines:
        context = _context(machine, source.name)
        out.append(
            Row(
                machine.display_name,
                setting.key,
                setting.value,
                setting.where,
                _fill(vm, context, machine, setting),
                _fill(workload, context, machine, setting),
                concept,
            )
        )
    return out


def concept_slugs() -> set[str]:
    return {concept for _vm, _wl, concept in RULES.values()}

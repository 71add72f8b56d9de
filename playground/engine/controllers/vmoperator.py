"""The VM operator of VM Service (vmware-tanzu/vm-operator), simulated, in the vSphere profile.

Per VirtualMachine (key ``vm:namespace/name``), as vm-operator's VirtualMachine controller
and vSphere provider do (pkg/providers/vsphere: GetVirtualMachineClass,
GetVirtualMachineImageSpecAndStatus, then create and power operations):

* the class: ``spec.className`` must name a VirtualMachineClass in the VM's namespace, or
  the condition ``VirtualMachineClassReady`` is False with reason ``NotFound`` and the
  API server's not-found message (``virtualmachineclasses.vmoperator.vmware.com "x" not found``);
* the image: ``spec.image`` (kind and name) or ``spec.imageName``, resolved first as a
  VirtualMachineImage in the namespace, then as a ClusterVirtualMachineImage, by object name
  or by display name (``status.name``), and written into ``spec.image``, as vm-operator's
  mutating webhook resolves it.
  Unresolved: ``VirtualMachineImageReady`` False, reason ``NotFound`` (``no VM image exists
  for "x" in namespace or cluster scope``, or the kind's not-found message when spec.image
  names the kind);
* created: ``VirtualMachineCreated`` True, a ``uniqueID`` (the vSphere managed object id,
  ``vm-<n>``), BIOS and instance UUIDs, the ESXi host in ``status.nodeName``, the hardware
  version, ``status.class``; a Normal ``CreateSuccess`` event ("Create success"), the reason
  vm-operator's recorder makes of the "Create" operation (pkg/record EmitEvent);
* power: ``spec.powerState`` (PoweredOn when empty, as the webhook defaults it) becomes
  ``status.powerState``. Powered on, VMware Tools reports the guest's address
  ``BOOT_SECONDS`` later: ``status.network.primaryIP4`` from the vSphere Namespace's NSX
  segment and the ``VirtualMachineTools`` condition (reason VirtualMachineToolsRunning).
  Powered off or suspended, the guest reports nothing: no address, Tools not running.

An image without a status (the translator's, standing for a library item) is published
as the content library would: display name, type OVF, Ready (key ``image:Kind:ns/name``);
an image whose Ready condition is not True gives ``VirtualMachineImageReady`` False,
reason NotReady, "VirtualMachineImage is not ready".

Per VirtualMachineService (key ``svc:namespace/name``), as vm-operator's
VirtualMachineService controller: a Service of the same name and type without a selector,
owned by it, Endpoints listing the powered-on VMs its selector matches, and the Service's
``status.loadBalancer`` copied back (the NSX load balancer gives LoadBalancer ones an address).
"""

from __future__ import annotations

import ipaddress

from playground.engine.addons.vm_service import GROUP
from playground.engine.controllers.base import Controller, Result
from playground.engine.errors import ApiError
from playground.engine.text import _, say
from playground.engine.util import deep_copy, rfc3339, split_key

BOOT_SECONDS = 30  # from power-on until VMware Tools reports the guest's IP address
HARDWARE_VERSION = 21  # vSphere 8.0 U2's default virtual hardware version
SOURCE = "vmware-system-vmop/vmware-system-vmop-controller-manager"
CONDITION_ORDER = (
    "VirtualMachineClassReady",
    "VirtualMachineImageReady",
    "VirtualMachineStorageReady",
    "VirtualMachineNetworkReady",
    "VirtualMachineCreated",
    "VirtualMachineTools",
)


def _set(conditions: list[dict], type_: str, status: str, reason: str, message: str, now: str) -> list[dict]:
    """metav1.Condition semantics: lastTransitionTime moves only when the status changes."""
    old = next((c for c in conditions if c["type"] == type_), None)
    when = old["lastTransitionTime"] if old and old["status"] == status else now
    new = {"type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": when}
    rest = [c for c in conditions if c["type"] != type_] + [new]
    order = {t: i for i, t in enumerate(CONDITION_ORDER)}
    return sorted(rest, key=lambda c: order.get(c["type"], len(order)))


def find_image(cluster, namespace: str, spec: dict) -> tuple[dict | None, str]:
    """The image a VM names and, when there is none, the NotFound message."""
    ref = spec.get("image") or {}
    name = ref.get("name") or spec.get("imageName") or ""
    kinds = [ref["kind"]] if ref.get("kind") else ["VirtualMachineImage", "ClusterVirtualMachineImage"]
    for kind in kinds:
        ns = namespace if kind == "VirtualMachineImage" else ""
        found = cluster.store.get(kind, ns, name)
        if found is None and not ref:
            by_display = [
                i for i in cluster.store.iter(kind, ns) if (i.get("status") or {}).get("name") == name
            ]
            found = by_display[0] if len(by_display) == 1 else None
        if found is not None:
            ready = next(
                (c for c in (found.get("status") or {}).get("conditions") or [] if c["type"] == "Ready"), None
            )
            if ready is None or ready["status"] != "True":
                return None, "VirtualMachineImage is not ready"
            return found, ""
    if ref.get("kind"):
        return None, f'{ref["kind"].lower()}s.{GROUP} "{name}" not found'
    return None, f'no VM image exists for "{name}" in namespace or cluster scope'


class VirtualMachineOperator(Controller):
    name = "vmoperator"
    component = "vm-operator"
    event_source = SOURCE
    watches = (
        "VirtualMachine",
        "VirtualMachineClass",
        "VirtualMachineImage",
        "ClusterVirtualMachineImage",
        "VirtualMachineService",
        "Service",
    )

    def __init__(self, cluster):
        super().__init__(cluster)
        self.powered_on: dict[str, float] = {}  # VM uid -> when it was last powered on

    @staticmethod
    def enabled(options: dict) -> bool:
        return options.get("profile") == "vsphere"

    def to_dict(self) -> dict:
        return {"powered_on": dict(self.powered_on)}

    def load(self, data: dict) -> None:
        self.powered_on = dict(data.get("powered_on") or {})

    def on_event(self, etype, kind, old, new):
        obj = new or old
        meta = obj["metadata"]
        if kind == "VirtualMachine":
            self.enqueue(f"vm:{meta['namespace']}/{meta['name']}")
            for svc in self.cluster.store.iter("VirtualMachineService", meta["namespace"]):
                self.enqueue(f"svc:{meta['namespace']}/{svc['metadata']['name']}")
        elif (
            kind in ("VirtualMachineImage", "ClusterVirtualMachineImage")
            and new is not None
            and not (new.get("status") or {}).get("conditions")
        ):
            self.enqueue(f"image:{kind}:{meta.get('namespace') or ''}/{meta['name']}")
        elif kind == "VirtualMachineService":
            self.enqueue(f"svc:{meta['namespace']}/{meta['name']}")
        elif kind == "Service":
            owners = meta.get("ownerReferences") or []
            if any(o.get("kind") == "VirtualMachineService" for o in owners):
                self.enqueue(f"svc:{meta['namespace']}/{meta['name']}")
        else:
            # A class or image appeared or changed: VMs still waiting for one try again.
            namespace = meta.get("namespace") or None
            for vm in self.cluster.store.iter("VirtualMachine", namespace):
                conditions = (vm.get("status") or {}).get("conditions") or []
                if not any(
                    c["type"] == "VirtualMachineCreated" and c["status"] == "True" for c in conditions
                ):
                    self.enqueue(f"vm:{vm['metadata']['namespace']}/{vm['metadata']['name']}")

    def reconcile(self, key: str) -> Result:
        what, _, rest = key.partition(":")
        if what == "image":
            kind, _, rest = rest.partition(":")
            namespace, _, name = rest.partition("/")
            return self._image(kind, namespace, name)
        namespace, name = split_key(rest)
        if what == "svc":
            return self._service(namespace, name)
        return self._vm(namespace, name)

    # VirtualMachine

    def _vm(self, namespace: str, name: str) -> Result:
        cluster = self.cluster
        vm = cluster.store.get("VirtualMachine", namespace, name)
        if vm is None or vm["metadata"].get("deletionTimestamp"):
            self.powered_on = {
                uid: t
                for uid, t in self.powered_on.items()
                if any(v["metadata"]["uid"] == uid for v in cluster.store.iter("VirtualMachine"))
            }
            return Result()
        now = rfc3339(cluster.clock)
        spec = vm.get("spec") or {}
        status = deep_copy(vm.get("status") or {})
        conditions = list(status.get("conditions") or [])
        created = any(c["type"] == "VirtualMachineCreated" and c["status"] == "True" for c in conditions)
        records = []
        if not created:
            class_name = spec.get("className", "")
            vm_class = cluster.store.get("VirtualMachineClass", namespace, class_name)
            if vm_class is None:
                message = f'virtualmachineclasses.{GROUP} "{class_name}" not found'
                conditions = _set(conditions, "VirtualMachineClassReady", "False", "NotFound", message, now)
                return self._fail(vm, status, conditions, message)
            conditions = _set(conditions, "VirtualMachineClassReady", "True", "True", "", now)
            image, message = find_image(cluster, namespace, spec)
            if image is None:
                reason = "NotReady" if message == "VirtualMachineImage is not ready" else "NotFound"
                conditions = _set(conditions, "VirtualMachineImageReady", "False", reason, message, now)
                return self._fail(vm, status, conditions, message)
            conditions = _set(conditions, "VirtualMachineImageReady", "True", "True", "", now)
            if not spec.get("image"):
                # vm-operator's mutating webhook fills spec.image from spec.imageName.
                ref = {"kind": image["kind"], "name": image["metadata"]["name"]}
                vm = cluster.api.commit("VirtualMachine", {**vm, "spec": {**spec, "image": ref}}, vm)
            conditions = _set(conditions, "VirtualMachineStorageReady", "True", "True", "", now)
            conditions = _set(conditions, "VirtualMachineNetworkReady", "True", "True", "", now)
            conditions = _set(conditions, "VirtualMachineCreated", "True", "True", "", now)
            host = self._host()
            status.update(
                {
                    "class": {
                        "apiVersion": f"{GROUP}/v1alpha5",
                        "kind": "VirtualMachineClass",
                        "name": class_name,
                    },
                    "uniqueID": f"vm-{1000 + self._count()}",
                    "biosUUID": cluster.rng.uid(),
                    "instanceUUID": cluster.rng.uid(),
                    "hardwareVersion": spec.get("minHardwareVersion") or HARDWARE_VERSION,
                }
            )
            if host is not None:
                status["nodeName"] = host["metadata"]["name"]
                zone = (host["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone")
                if zone:
                    status["zone"] = zone
            cluster.recorder.record(vm, "Normal", "CreateSuccess", "Create success", SOURCE)
            records.append(
                self.record(
                    "Created",
                    vm,
                    say(
                        _("VM %(id)s created on %(host)s"), id=status["uniqueID"], host=status.get("nodeName")
                    ),
                )
            )
        wanted = spec.get("powerState") or "PoweredOn"
        requeue = None
        if wanted == "PoweredOn":
            uid = vm["metadata"]["uid"]
            if status.get("powerState") != "PoweredOn":
                status["powerState"] = "PoweredOn"
                self.powered_on[uid] = cluster.clock
                records.append(
                    self.record(
                        "PoweredOn",
                        vm,
                        say(_("VirtualMachine %(name)s powered on"), name=f"{namespace}/{name}"),
                    )
                )
            booted_at = self.powered_on.get(uid, cluster.clock) + BOOT_SECONDS
            if cluster.clock >= booted_at:
                if not (status.get("network") or {}).get("primaryIP4"):
                    ip = self._address(namespace, vm)
                    status["network"] = {"primaryIP4": ip} if ip else {}
                    if ip:
                        records.append(
                            self.record("GuestIP", vm, say(_("VMware Tools reports %(ip)s"), ip=ip))
                        )
                conditions = _set(
                    conditions, "VirtualMachineTools", "True", "VirtualMachineToolsRunning", "", now
                )
            else:
                requeue = booted_at - cluster.clock
        else:
            if status.get("powerState") != wanted:
                records.append(
                    self.record(
                        wanted,
                        vm,
                        say(
                            _("VirtualMachine %(name)s %(state)s"),
                            name=f"{namespace}/{name}",
                            state=wanted.lower(),
                        ),
                    )
                )
            status["powerState"] = wanted
            self.powered_on.pop(vm["metadata"]["uid"], None)
            status.pop("network", None)
            conditions = _set(
                conditions, "VirtualMachineTools", "False", "VirtualMachineToolsNotRunning", "", now
            )
        status["conditions"] = conditions
        self._write(vm, status)
        return Result(records=records, requeue_after=requeue)

    def _fail(self, vm: dict, status: dict, conditions: list[dict], message: str) -> Result:
        old = (vm.get("status") or {}).get("conditions") or []
        status["conditions"] = conditions
        if old == conditions:
            return Result()
        self._write(vm, status)
        self.cluster.recorder.record(vm, "Warning", "CreateFailure", message, SOURCE)
        return Result.of(self.record("CreateFailure", vm, message))

    def _write(self, vm: dict, status: dict) -> None:
        if status != (vm.get("status") or {}):
            self.cluster.api.commit("VirtualMachine", {**vm, "status": status}, vm)

    def _count(self) -> int:
        return sum(
            1 for vm in self.cluster.store.iter("VirtualMachine") if (vm.get("status") or {}).get("uniqueID")
        )

    def _host(self) -> dict | None:
        """The ESXi host with the fewest VMs (DRS's initial placement, in short)."""
        cluster = self.cluster
        hosts = [
            n
            for n in cluster.store.iter("Node", "")
            if "node-role.kubernetes.io/control-plane" not in (n["metadata"].get("labels") or {})
        ]
        if not hosts:
            return None
        load = {}
        for vm in cluster.store.iter("VirtualMachine"):
            node = (vm.get("status") or {}).get("nodeName")
            load[node] = load.get(node, 0) + 1
        return min(hosts, key=lambda n: (load.get(n["metadata"]["name"], 0), n["metadata"]["name"]))

    def _address(self, namespace: str, vm: dict) -> str:
        """An address on the namespace's NSX segment, from the top down (pods take the bottom)."""
        cluster = self.cluster
        ns = cluster.store.get("Namespace", "", namespace)
        subnet = ((ns or {}).get("metadata", {}).get("annotations") or {}).get("ncp/subnet")
        if not subnet:
            return ""
        used = {
            ((other.get("status") or {}).get("network") or {}).get("primaryIP4")
            for other in cluster.store.iter("VirtualMachine", namespace)
        }
        network = ipaddress.ip_network(subnet)
        for offset in range(network.num_addresses - 2, 1, -1):
            ip = str(network.network_address + offset)
            if ip not in used:
                return ip
        return ""

    # VirtualMachineImage: the content library's side

    def _image(self, kind: str, namespace: str, name: str) -> Result:
        """An image published without a status (one the translator stands in for a library
        item) gets what the content library reports for an OVF item: its display name, type
        and a Ready condition."""
        cluster = self.cluster
        image = cluster.store.get(kind, namespace, name)
        if image is None or (image.get("status") or {}).get("conditions"):
            return Result()
        display = (image["metadata"].get("annotations") or {}).get(f"{GROUP}/image-display-name") or name
        item = ((image.get("spec") or {}).get("providerRef") or {}).get("name", "")
        status = {
            "name": display,
            "type": "OVF",
            "providerContentVersion": "1",
            "providerItemID": item,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "True",
                    "message": "",
                    "lastTransitionTime": rfc3339(cluster.clock),
                }
            ],
        }
        cluster.api.commit(kind, {**image, "status": status}, image)
        return Result.of(
            self.record(
                "ImageSynced",
                image,
                say(_("%(image)s published from content library item %(item)s"), image=display, item=item),
            )
        )

    # VirtualMachineService

    def _service(self, namespace: str, name: str) -> Result:
        cluster = self.cluster
        vmsvc = cluster.store.get("VirtualMachineService", namespace, name)
        if vmsvc is None or vmsvc["metadata"].get("deletionTimestamp"):
            return Result()
        spec = vmsvc.get("spec") or {}
        ports = [
            {
                "name": p["name"],
                "protocol": p.get("protocol", "TCP"),
                "port": p["port"],
                "targetPort": p["targetPort"],
            }
            for p in spec.get("ports") or []
        ]
        wanted = {"type": spec.get("type", "ClusterIP"), "ports": ports}
        for field in ("loadBalancerIP", "loadBalancerSourceRanges", "externalName"):
            if spec.get(field):
                wanted[field] = spec[field]
        svc = cluster.store.get("Service", namespace, name)
        records = []
        if svc is None:
            body = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "labels": dict(vmsvc["metadata"].get("labels") or {}),
                    "ownerReferences": [
                        {
                            "apiVersion": f"{GROUP}/v1alpha5",
                            "kind": "VirtualMachineService",
                            "name": name,
                            "uid": vmsvc["metadata"]["uid"],
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "spec": wanted,
            }
            try:
                svc = cluster.api.create_internal(body)
            except ApiError as error:
                return Result.of(self.record("CreateFailure", vmsvc, error.message))
            records.append(
                self.record(
                    "ServiceCreated", vmsvc, say(_("Service %(name)s created"), name=f"{namespace}/{name}")
                )
            )
        self._endpoints(vmsvc, svc)
        lb = (svc.get("status") or {}).get("loadBalancer") or {}
        status = {"loadBalancer": lb} if lb else {}
        if status != (vmsvc.get("status") or {}):
            cluster.api.commit("VirtualMachineService", {**vmsvc, "status": status}, vmsvc)
            ingress = ", ".join(i.get("ip", "") for i in lb.get("ingress") or [])
            if ingress:
                records.append(
                    self.record("LoadBalancer", vmsvc, say(_("load balancer address %(ip)s"), ip=ingress))
                )
        return Result(records=records)

    def _endpoints(self, vmsvc: dict, svc: dict) -> None:
        cluster = self.cluster
        meta = vmsvc["metadata"]
        selector = (vmsvc.get("spec") or {}).get("selector") or {}
        addresses = []
        if selector:
            for vm in cluster.store.iter("VirtualMachine", meta["namespace"]):
                ip = ((vm.get("status") or {}).get("network") or {}).get("primaryIP4")
                if ip and all((vm["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items()):
                    addresses.append(
                        {
                            "ip": ip,
                            "targetRef": {
                                "apiVersion": f"{GROUP}/v1alpha5",
                                "kind": "VirtualMachine",
                                "name": vm["metadata"]["name"],
                                "namespace": meta["namespace"],
                                "uid": vm["metadata"]["uid"],
                            },
                        }
                    )
        ports = [
            {"name": p["name"], "port": p["targetPort"], "protocol": p.get("protocol", "TCP")}
            for p in (vmsvc.get("spec") or {}).get("ports") or []
        ]
        subsets = [{"addresses": addresses, "ports": ports}] if addresses else []
        old = cluster.store.get("Endpoints", meta["namespace"], meta["name"])
        if old is None:
            if cluster.api.registry.get("Endpoints") is None:
                return
            cluster.api.create_internal(
                {
                    "apiVersion": "v1",
                    "kind": "Endpoints",
                    "metadata": {
                        "name": meta["name"],
                        "namespace": meta["namespace"],
                        "labels": dict(meta.get("labels") or {}),
                        "ownerReferences": [
                            {
                                "apiVersion": "v1",
                                "kind": "Service",
                                "name": svc["metadata"]["name"],
                                "uid": svc["metadata"]["uid"],
                            }
                        ],
                    },
                    "subsets": subsets,
                }
            )
        elif (old.get("subsets") or []) != subsets:
            cluster.api.commit("Endpoints", {**old, "subsets": subsets}, old)

"""Cluster API on the Supervisor, simulated: the topology, cluster and machine controllers
of VKS as one loop, in the vSphere profile.

Per Cluster with ``spec.topology`` (key ``namespace/name``):

* ``status.phase`` as Cluster API's cluster controller reports it (ClusterPhase in
  api/v1beta1/cluster_phase_types.go; reconcilePhase): ``Pending`` until its
  infrastructure and control plane exist, ``Provisioning`` while the infrastructure is not
  ready, ``Provisioned`` once it is and ``spec.controlPlaneEndpoint`` is set;
* the ClusterClass named by ``spec.topology.class`` must exist in
  ``spec.topology.classNamespace`` (default: the Cluster's namespace); otherwise the
  ``TopologyReconciled`` condition is False (reason TopologyReconcileFailed) and it stays
  Pending;
* the infrastructure: as VKS's vSphere provider does on a Supervisor, a
  VirtualMachineService ``<cluster>-control-plane-service`` (type LoadBalancer, port 6443)
  in front of the control plane; its load-balancer address becomes
  ``spec.controlPlaneEndpoint`` and ``status.infrastructureReady`` turns true;
* machines: ``spec.topology.controlPlane.replicas`` (default 1) control-plane Machines and
  each machine deployment's ``replicas`` workers, each backed by a VM Service
  VirtualMachine of the same name (class and storage class from the topology's
  ``vmClass``/``storageClass`` variables, the image of the Kubernetes release), owned by
  the Cluster. A Machine is ``Provisioning`` until its VM reports an address, then
  ``Running`` with ``status.nodeRef`` and ``spec.providerID``; scaling down deletes the newest;
* conditions in Cluster API v1beta1's shape (type, status, severity, reason,
  lastTransitionTime) and reasons (api/v1beta1/condition_consts.go): InfrastructureReady
  (WaitingForInfrastructure), ControlPlaneInitialized (WaitingForControlPlaneProviderInitialized),
  ControlPlaneReady (WaitingForControlPlane), TopologyReconciled, and Ready summarising the
  infrastructure and the control plane.
"""

from __future__ import annotations

from playground.engine.addons.vks import API_VERSION, RELEASES
from playground.engine.addons.vm_service import API_VERSION as VM_API_VERSION
from playground.engine.addons.vm_service import image_name
from playground.engine.controllers.base import Controller, Result
from playground.engine.errors import ApiError
from playground.engine.text import _, say
from playground.engine.util import rfc3339, split_key

CLUSTER_NAME = "cluster.x-k8s.io/cluster-name"
CONTROL_PLANE = "cluster.x-k8s.io/control-plane"
DEPLOYMENT = "cluster.x-k8s.io/deployment-name"
API_SERVER_PORT = 6443
CONDITION_ORDER = (
    "Ready",
    "ControlPlaneInitialized",
    "ControlPlaneReady",
    "InfrastructureReady",
    "TopologyReconciled",
)


def _condition(
    old: list[dict], type_: str, ok: bool, reason: str, message: str, now: str, severity: str = "Info"
) -> dict:
    """A v1beta1 condition: a False one carries a severity and a reason."""
    prior = next((c for c in old if c["type"] == type_), None)
    status = "True" if ok else "False"
    new = {"type": type_, "status": status}
    if not ok:
        new.update({"severity": severity, "reason": reason})
        if message:
            new["message"] = message
    new["lastTransitionTime"] = prior["lastTransitionTime"] if prior and prior["status"] == status else now
    return new


def _variable(cluster_obj: dict, name: str) -> str | None:
    for item in (cluster_obj["spec"].get("topology") or {}).get("variables") or []:
        if item.get("name") == name:
            return item.get("value")
    return None


class ClusterAPIController(Controller):
    name = "capi"
    component = "cluster-api"
    event_source = "topology/cluster-controller"
    watches = ("Cluster", "ClusterClass", "VirtualMachine", "VirtualMachineService")

    @staticmethod
    def enabled(options: dict) -> bool:
        return options.get("profile") == "vsphere"

    def on_event(self, etype, kind, old, new):
        obj = new or old
        meta = obj["metadata"]
        if kind == "Cluster":
            self.enqueue(f"{meta['namespace']}/{meta['name']}")
        elif kind == "ClusterClass":
            for c in self.cluster.store.iter("Cluster"):
                self.enqueue(f"{c['metadata']['namespace']}/{c['metadata']['name']}")
        else:
            owner = (meta.get("labels") or {}).get(CLUSTER_NAME)
            if owner:
                self.enqueue(f"{meta['namespace']}/{owner}")

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        namespace, name = split_key(key)
        obj = cluster.store.get("Cluster", namespace, name)
        if obj is None or obj["metadata"].get("deletionTimestamp") or "topology" not in obj.get("spec", {}):
            return Result()
        now = rfc3339(cluster.clock)
        topology = obj["spec"]["topology"]
        status = dict(obj.get("status") or {})
        old = status.get("conditions") or []
        class_ns = topology.get("classNamespace") or namespace
        if cluster.store.get("ClusterClass", class_ns, topology["class"]) is None:
            message = f'ClusterClass "{topology["class"]}" not found in namespace "{class_ns}"'
            status.update(
                {
                    "phase": "Pending",
                    "conditions": [
                        _condition(
                            old, "TopologyReconciled", False, "TopologyReconcileFailed", message, now, "Error"
                        )
                    ],
                }
            )
            return self._write(obj, status, [self.record("Pending", obj, message)])
        if not status.get("phase"):
            # Nothing of the cluster exists yet: Pending, then the topology is built.
            status["phase"] = "Pending"
            result = self._write(obj, status, [])
            result.requeue = True
            return result
        records = []
        owner = {
            "apiVersion": API_VERSION,
            "kind": "Cluster",
            "name": name,
            "uid": obj["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
        lb = self._load_balancer(obj, owner, records)
        wanted = [("", topology.get("controlPlane", {}).get("replicas", 1))]
        for md in (topology.get("workers") or {}).get("machineDeployments") or []:
            wanted.append((md["name"], md.get("replicas", 1)))
        machines = []
        for pool, replicas in wanted:
            machines += self._scale(obj, owner, pool, replicas, records)
        ingress = ((lb.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        endpoint = ingress[0].get("ip") if ingress else None
        if endpoint and not obj["spec"].get("controlPlaneEndpoint", {}).get("host"):
            spec = {**obj["spec"], "controlPlaneEndpoint": {"host": endpoint, "port": API_SERVER_PORT}}
            obj = cluster.api.commit("Cluster", {**obj, "spec": spec}, obj)
            records.append(
                self.record(
                    "ControlPlaneEndpoint",
                    obj,
                    say(_("control plane endpoint %(endpoint)s:6443"), endpoint=endpoint),
                )
            )
        control_plane = [m for m in machines if CONTROL_PLANE in m["metadata"]["labels"]]
        running = [m for m in machines if (m.get("status") or {}).get("phase") == "Running"]
        cp_running = [m for m in control_plane if m in running]
        infra = bool(endpoint)
        status["infrastructureReady"] = infra
        status["controlPlaneReady"] = bool(control_plane) and len(cp_running) == len(control_plane)
        status["phase"] = (
            "Provisioned" if infra and obj["spec"].get("controlPlaneEndpoint") else "Provisioning"
        )
        # Ready summarises the infrastructure and the control plane (v1beta1's summary);
        # the workers are the Machines' own business.
        ready = infra and status["controlPlaneReady"]
        not_ready = "WaitingForInfrastructure" if not infra else "WaitingForControlPlane"
        conditions = [
            _condition(old, "Ready", ready, not_ready, "", now),
            _condition(
                old,
                "ControlPlaneInitialized",
                bool(cp_running),
                "WaitingForControlPlaneProviderInitialized",
                "Waiting for control plane provider to indicate the control plane has been initialized",
                now,
            ),
            _condition(
                old, "ControlPlaneReady", status["controlPlaneReady"], "WaitingForControlPlane", "", now
            ),
            _condition(old, "InfrastructureReady", infra, "WaitingForInfrastructure", "", now),
            _condition(old, "TopologyReconciled", True, "", "", now),
        ]
        status["conditions"] = conditions
        status["observedGeneration"] = obj["metadata"].get("generation", 1)
        return self._write(obj, status, records)

    def _write(self, obj: dict, status: dict, records: list) -> Result:
        if status != (obj.get("status") or {}):
            phase = (obj.get("status") or {}).get("phase")
            self.cluster.api.commit("Cluster", {**obj, "status": status}, obj)
            if phase != status["phase"]:
                records.append(
                    self.record(
                        status["phase"], obj, say(_("Cluster phase %(phase)s"), phase=status["phase"])
                    )
                )
        return Result(records=records)

    def _load_balancer(self, obj: dict, owner: dict, records: list) -> dict:
        cluster = self.cluster
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        lb_name = f"{name}-control-plane-service"
        lb = cluster.store.get("VirtualMachineService", namespace, lb_name)
        if lb is None:
            lb = cluster.api.create_internal(
                {
                    "apiVersion": VM_API_VERSION,
                    "kind": "VirtualMachineService",
                    "metadata": {
                        "name": lb_name,
                        "namespace": namespace,
                        "labels": {CLUSTER_NAME: name},
                        "ownerReferences": [owner],
                    },
                    "spec": {
                        "type": "LoadBalancer",
                        "selector": {CLUSTER_NAME: name, CONTROL_PLANE: ""},
                        "ports": [
                            {
                                "name": "apiserver",
                                "protocol": "TCP",
                                "port": API_SERVER_PORT,
                                "targetPort": API_SERVER_PORT,
                            }
                        ],
                    },
                }
            )
            records.append(
                self.record(
                    "LoadBalancer", obj, say(_("VirtualMachineService %(name)s created"), name=lb_name)
                )
            )
        return lb

    def _scale(self, obj: dict, owner: dict, pool: str, replicas: int, records: list) -> list[dict]:
        """The pool's Machines (and their VMs), created or deleted to match `replicas`."""
        cluster = self.cluster
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]

        def mine(m: dict) -> bool:
            labels = m["metadata"].get("labels") or {}
            if labels.get(CLUSTER_NAME) != name:
                return False
            return (CONTROL_PLANE in labels) if not pool else labels.get(DEPLOYMENT) == f"{name}-{pool}"

        machines = sorted(
            (
                m
                for m in cluster.store.iter("Machine", namespace)
                if mine(m) and not m["metadata"].get("deletionTimestamp")
            ),
            key=lambda m: (m["metadata"]["creationTimestamp"], m["metadata"]["name"]),
        )
        while len(machines) > replicas:
            victim = machines.pop()
            for kind in ("VirtualMachine", "Machine"):
                try:
                    cluster.api.delete(kind, victim["metadata"]["name"], namespace)
                except ApiError:
                    pass
            records.append(
                self.record(
                    "MachineDeleted", obj, say(_("Machine %(name)s deleted"), name=victim["metadata"]["name"])
                )
            )
        while len(machines) < replicas:
            machines.append(self._create_machine(obj, owner, pool))
            records.append(
                self.record(
                    "MachineCreated",
                    obj,
                    say(_("Machine %(name)s created"), name=machines[-1]["metadata"]["name"]),
                )
            )
        return [self._sync_machine(m) for m in machines]

    def _create_machine(self, obj: dict, owner: dict, pool: str) -> dict:
        cluster = self.cluster
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        version = obj["spec"]["topology"]["version"]
        labels = {CLUSTER_NAME: name}
        if pool:
            labels[DEPLOYMENT] = f"{name}-{pool}"
            machine_name = f"{name}-{pool}-{cluster.rng.suffix()}-{cluster.rng.suffix()}"
        else:
            labels[CONTROL_PLANE] = ""
            machine_name = f"{name}-{cluster.rng.suffix()}-{cluster.rng.suffix()}"
        machine = cluster.api.create_internal(
            {
                "apiVersion": API_VERSION,
                "kind": "Machine",
                "metadata": {
                    "name": machine_name,
                    "namespace": namespace,
                    "labels": labels,
                    "ownerReferences": [owner],
                },
                "spec": {"clusterName": name, "version": version},
            }
        )
        vm_spec = {
            "className": _variable(obj, "vmClass") or "best-effort-small",
            "imageName": image_name(RELEASES.get(version, next(iter(RELEASES.values())))),
            "powerState": "PoweredOn",
        }
        storage = _variable(obj, "storageClass")
        if storage:
            vm_spec["storageClass"] = storage
        cluster.api.create_internal(
            {
                "apiVersion": VM_API_VERSION,
                "kind": "VirtualMachine",
                "metadata": {
                    "name": machine_name,
                    "namespace": namespace,
                    "labels": dict(labels),
                    "ownerReferences": [
                        {
                            "apiVersion": API_VERSION,
                            "kind": "Machine",
                            "name": machine_name,
                            "uid": machine["metadata"]["uid"],
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "spec": vm_spec,
            }
        )
        return machine

    def _sync_machine(self, machine: dict) -> dict:
        cluster = self.cluster
        meta = machine["metadata"]
        vm = cluster.store.get("VirtualMachine", meta["namespace"], meta["name"])
        vm_status = (vm or {}).get("status") or {}
        ip = (vm_status.get("network") or {}).get("primaryIP4")
        status = dict(machine.get("status") or {})
        spec = dict(machine["spec"])
        if ip:
            status.update(
                {
                    "phase": "Running",
                    "nodeRef": {"apiVersion": "v1", "kind": "Node", "name": meta["name"]},
                    "addresses": [{"type": "InternalIP", "address": ip}],
                    "infrastructureReady": True,
                    "bootstrapReady": True,
                }
            )
            if vm_status.get("biosUUID"):
                spec["providerID"] = f"vsphere://{vm_status['biosUUID']}"
        else:
            status.update({"phase": "Provisioning", "bootstrapReady": True, "infrastructureReady": False})
        if spec != machine["spec"]:
            machine = cluster.api.commit("Machine", {**machine, "spec": spec}, machine)
        if status != (machine.get("status") or {}):
            machine = cluster.api.commit("Machine", {**machine, "status": status}, machine)
        return machine

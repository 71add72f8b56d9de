"""VKS clusters in the vSphere profile: Cluster API's Cluster (cluster.x-k8s.io/v1beta1)
with a ClusterClass topology, its Machines backed by VM Service VirtualMachines in the same
vSphere Namespace, phases and conditions as Cluster API reports them (controllers/capi.py)."""

import pytest
import yaml

from playground import console
from playground.engine import ApiError, Cluster
from playground.engine.addons import vks
from playground.engine.controllers.vmoperator import BOOT_SECONDS

CLUSTER = """
apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata:
  name: team-a
  namespace: dev-team
spec:
  clusterNetwork:
    pods: {cidrBlocks: ["192.168.0.0/16"]}
    services: {cidrBlocks: ["10.96.0.0/12"]}
  topology:
    class: builtin-generic-v3.4.0
    classNamespace: vmware-system-vks-public
    version: v1.33.3---vmware.1-fips-vkr.1
    controlPlane: {replicas: 3}
    workers:
      machineDeployments:
        - {class: node-pool, name: workers, replicas: 2}
    variables:
      - {name: vmClass, value: best-effort-medium}
      - {name: storageClass, value: vsan-default-storage-policy}
"""


def run(cluster, command: str) -> str:
    return console.run(cluster, console.parse(command))


def conditions(obj) -> dict:
    return {c["type"]: c["status"] for c in obj["status"]["conditions"]}


@pytest.fixture
def cluster():
    return Cluster.new("vsphere", seed=1)


def test_vks_publishes_its_clusterclass(cluster):
    classes = cluster.list("ClusterClass", namespace=vks.CLASS_NAMESPACE)
    assert [c["metadata"]["name"] for c in classes] == ["builtin-generic-v3.4.0"]
    assert Cluster.new("default", seed=1).api.registry.get("Cluster") is None


def test_phases_pending_provisioning_provisioned_and_machines_as_vms(cluster):
    """Cluster API's reconcilePhase: Pending before the infrastructure and control plane
    exist, Provisioning while the infrastructure is not ready, Provisioned once it is and
    the control plane endpoint is set (here, the control-plane load balancer's address)."""
    cluster.apply(CLUSTER)
    applied_at = cluster.clock
    seen = []
    for _ in range(40):
        if cluster.step() is None:
            break
        got = cluster.get("Cluster", "team-a", "dev-team")
        phase = (got.get("status") or {}).get("phase")
        if phase and (not seen or seen[-1] != phase):
            seen.append(phase)
        if phase == "Provisioned":
            break
    assert seen == ["Pending", "Provisioning", "Provisioned"]
    got = cluster.get("Cluster", "team-a", "dev-team")
    lb = cluster.get("VirtualMachineService", "team-a-control-plane-service", "dev-team")
    assert lb["spec"]["type"] == "LoadBalancer" and lb["spec"]["ports"][0]["port"] == 6443
    assert got["spec"]["controlPlaneEndpoint"] == {
        "host": lb["status"]["loadBalancer"]["ingress"][0]["ip"],
        "port": 6443,
    }
    assert got["status"]["infrastructureReady"] is True
    assert cluster.clock - applied_at < BOOT_SECONDS  # the machines are still booting
    assert conditions(got)["Ready"] == "False"
    initialized = next(c for c in got["status"]["conditions"] if c["type"] == "ControlPlaneInitialized")
    assert (initialized["status"], initialized["severity"], initialized["reason"]) == (
        "False",
        "Info",
        "WaitingForControlPlaneProviderInitialized",
    )
    vms = cluster.list("VirtualMachine", namespace="dev-team")
    machines = cluster.list("Machine", namespace="dev-team")
    assert sorted(v["metadata"]["name"] for v in vms) == sorted(m["metadata"]["name"] for m in machines)
    assert len(machines) == 5
    control_plane = [m for m in machines if "cluster.x-k8s.io/control-plane" in m["metadata"]["labels"]]
    assert len(control_plane) == 3
    assert {v["spec"]["className"] for v in vms} == {"best-effort-medium"}
    assert {v["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"] for v in vms} == {"team-a"}
    cluster.advance(BOOT_SECONDS + 5)
    got = cluster.get("Cluster", "team-a", "dev-team")
    assert conditions(got) == {
        "Ready": "True",
        "ControlPlaneInitialized": "True",
        "ControlPlaneReady": "True",
        "InfrastructureReady": "True",
        "TopologyReconciled": "True",
    }
    machines = cluster.list("Machine", namespace="dev-team")
    assert {m["status"]["phase"] for m in machines} == {"Running"}
    assert all(m["spec"]["providerID"].startswith("vsphere://") for m in machines)
    table = run(cluster, "kubectl get cluster -n dev-team").splitlines()
    assert table[0].split() == ["NAME", "CLUSTERCLASS", "PHASE", "AGE", "VERSION"]
    assert table[1].split()[:3] == ["team-a", "builtin-generic-v3.4.0", "Provisioned"]


def test_scaling_workers_and_deleting_the_cluster(cluster):
    cluster.apply(CLUSTER)
    cluster.advance(BOOT_SECONDS + 5)
    doc = yaml.safe_load(CLUSTER)
    doc["spec"]["topology"]["workers"]["machineDeployments"][0]["replicas"] = 1
    cluster.apply(yaml.safe_dump(doc))
    cluster.settle()
    workers = [
        m
        for m in cluster.list("Machine", namespace="dev-team")
        if m["metadata"]["labels"].get("cluster.x-k8s.io/deployment-name") == "team-a-workers"
    ]
    assert len(workers) == 1
    assert len(cluster.list("VirtualMachine", namespace="dev-team")) == 4
    cluster.delete("Cluster", "team-a", "dev-team")
    cluster.settle()
    assert cluster.list("Machine", namespace="dev-team") == []
    assert cluster.list("VirtualMachine", namespace="dev-team") == []


def test_a_missing_clusterclass_keeps_it_pending(cluster):
    cluster.apply(CLUSTER.replace("builtin-generic-v3.4.0", "builtin-generic-v9.9.9"))
    cluster.settle()
    got = cluster.get("Cluster", "team-a", "dev-team")
    assert got["status"]["phase"] == "Pending"
    (condition,) = got["status"]["conditions"]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "TopologyReconciled",
        "False",
        "TopologyReconcileFailed",
    )
    assert cluster.list("VirtualMachine", namespace="dev-team") == []


def test_topology_needs_a_class_and_a_version(cluster):
    with pytest.raises(ApiError) as error:
        cluster.apply(CLUSTER.replace("    version: v1.33.3---vmware.1-fips-vkr.1\n", ""))
    assert "spec.topology.version: Required value" in str(error.value)

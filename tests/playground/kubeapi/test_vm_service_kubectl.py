"""VM Service and VKS through the real kubectl 1.37 in a vSphere-profile sandbox: the CRDs
in discovery, a VirtualMachine applied and its status read back as vm-operator reports it,
the printer columns as the server's Table, and a VKS Cluster's phase."""

import json

import pytest

from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

VM = """
apiVersion: vmoperator.vmware.com/v1alpha5
kind: VirtualMachine
metadata: {name: jumpbox, namespace: dev-team, labels: {app: jumpbox}}
spec:
  className: best-effort-small
  imageName: ubuntu-24.04-server-cloudimg-amd64
  storageClass: vsan-default-storage-policy
---
apiVersion: vmoperator.vmware.com/v1alpha5
kind: VirtualMachine
metadata: {name: oops, namespace: dev-team}
spec:
  className: best-effort-gigantic
  imageName: ubuntu-24.04-server-cloudimg-amd64
"""

CLUSTER = """
apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata: {name: team-a, namespace: dev-team}
spec:
  topology:
    class: builtin-generic-v3.4.0
    classNamespace: vmware-system-vks-public
    version: v1.33.3---vmware.1-fips-vkr.1
    controlPlane: {replicas: 1}
    variables:
      - {name: vmClass, value: best-effort-medium}
"""


@pytest.fixture
def kubectl(api_server, tmp_path):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(profile="vsphere"), tmp_path / "cache")


def test_a_virtualmachine_through_kubectl(kubectl):
    resources = kubectl.ok("api-resources", "--api-group=vmoperator.vmware.com", "-o", "name").split()
    assert "virtualmachines.vmoperator.vmware.com" in resources
    assert "clustervirtualmachineimages.vmoperator.vmware.com" in resources
    classes = kubectl.ok("get", "vmclass", "-n", "dev-team", "-o", "name").split()
    assert "virtualmachineclass.vmoperator.vmware.com/guaranteed-small" in classes
    assert kubectl.ok("apply", "-f", "-", stdin=VM).splitlines() == [
        "virtualmachine.vmoperator.vmware.com/jumpbox created",
        "virtualmachine.vmoperator.vmware.com/oops created",
    ]
    vm = json.loads(kubectl.ok("get", "vm", "jumpbox", "-n", "dev-team", "-o", "json"))
    assert vm["status"]["powerState"] == "PoweredOn"
    assert vm["spec"]["image"]["kind"] == "VirtualMachineImage"
    created = {c["type"]: c["status"] for c in vm["status"]["conditions"]}
    assert created["VirtualMachineCreated"] == "True"
    header = kubectl.ok("get", "vm", "-n", "dev-team", "-o", "wide").splitlines()[0].split()
    assert header == ["NAME", "POWER-STATE", "AGE", "CLASS", "IMAGE", "PRIMARY-IP4"]
    oops = json.loads(kubectl.ok("get", "vm", "oops", "-n", "dev-team", "-o", "json"))
    (condition,) = oops["status"]["conditions"]
    assert (condition["type"], condition["status"], condition["reason"], condition["message"]) == (
        "VirtualMachineClassReady",
        "False",
        "NotFound",
        'virtualmachineclasses.vmoperator.vmware.com "best-effort-gigantic" not found',
    )
    refused = kubectl.fails(
        "patch", "vm", "jumpbox", "-n", "dev-team", "--type", "merge", "-p", '{"spec":{"powerState":"Off"}}'
    )
    assert 'spec.powerState: Unsupported value: "Off"' in refused
    explained = kubectl.ok("explain", "virtualmachine")
    assert "GROUP:      vmoperator.vmware.com" in explained and "VM Service" in explained
    assert "PoweredOn" in kubectl.ok("explain", "virtualmachine.spec.powerState")


def test_a_vks_cluster_through_kubectl(kubectl):
    assert kubectl.ok("apply", "-f", "-", stdin=CLUSTER).strip() == "cluster.cluster.x-k8s.io/team-a created"
    cluster = json.loads(kubectl.ok("get", "cluster", "team-a", "-n", "dev-team", "-o", "json"))
    assert cluster["status"]["phase"] in ("Provisioning", "Provisioned")
    header = kubectl.ok("get", "cluster", "-n", "dev-team").splitlines()[0].split()
    assert header == ["NAME", "CLUSTERCLASS", "PHASE", "AGE", "VERSION"]
    machines = kubectl.ok("get", "machines", "-n", "dev-team", "-o", "name").split()
    assert len(machines) == 1 and machines[0].startswith("machine.cluster.x-k8s.io/team-a-")

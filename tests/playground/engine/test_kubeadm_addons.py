"""What a kubeadm-style cluster runs on every node, and the 1.37 baseline its nodes report."""

import yaml

from playground.engine import Cluster
from playground.engine.profiles import KUBELET_VERSION, load_balancer


def _daemon_pods(cluster, namespace, name):
    return [
        p
        for p in cluster.list("pods", namespace=namespace)
        if any(ref.get("name") == name for ref in p["metadata"].get("ownerReferences") or [])
    ]


def test_kube_proxy_and_the_cni_run_on_every_node(cluster):
    """kubeadm's addon phase installs kube-proxy as a DaemonSet in kube-system (its
    phases/addons/proxy manifest: hostNetwork, system-node-critical, tolerating every taint);
    the CNI is the admin's choice, here Flannel as its kube-flannel.yml installs it. Both
    run one Ready pod on each node, the tainted control plane included."""
    cluster.settle()
    nodes = sorted(n["metadata"]["name"] for n in cluster.list("nodes"))
    assert nodes == ["control-plane", "worker-1", "worker-2", "worker-3"]
    daemonsets = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in cluster.list("daemonsets")}
    assert {("kube-system", "kube-proxy"), ("kube-flannel", "kube-flannel-ds")} <= daemonsets
    for namespace, name in (("kube-system", "kube-proxy"), ("kube-flannel", "kube-flannel-ds")):
        status = cluster.get("ds", name, namespace)["status"]
        assert (status["desiredNumberScheduled"], status["numberReady"], status["numberAvailable"]) == (
            4,
            4,
            4,
        )
        pods = _daemon_pods(cluster, namespace, name)
        assert sorted(p["spec"]["nodeName"] for p in pods) == nodes
        assert all(p["status"]["phase"] == "Running" for p in pods)
        assert all(p["spec"]["hostNetwork"] for p in pods)

    proxy = cluster.get("ds", "kube-proxy", "kube-system")["spec"]["template"]["spec"]
    assert proxy["containers"][0]["image"] == f"registry.k8s.io/kube-proxy:{KUBELET_VERSION}"
    assert proxy["tolerations"] == [{"operator": "Exists"}]
    assert proxy["priorityClassName"] == "system-node-critical"


def test_kube_proxy_mode_is_left_to_its_default_iptables(cluster):
    """kubeadm writes KubeProxyConfiguration with mode "" and kube-proxy then uses iptables
    on Linux: nftables went GA in 1.33 but is not the default (kube-proxy's
    platformApplyDefaults); the rules the sandbox shows are iptables chains."""
    config = yaml.safe_load(cluster.get("cm", "kube-proxy", "kube-system")["data"]["config.conf"])
    assert config["kind"] == "KubeProxyConfiguration"
    assert config["apiVersion"] == "kubeproxy.config.k8s.io/v1alpha1"
    assert config["mode"] == ""
    assert config["clusterCIDR"] == "10.40.0.0/16"
    flannel = yaml.safe_load(cluster.get("cm", "kube-flannel-cfg", "kube-flannel")["data"]["net-conf.json"])
    # kube-flannel.yml's default backend is VXLAN
    assert flannel["Network"] == "10.40.0.0/16" and flannel["Backend"] == {"Type": "vxlan"}


def test_a_new_node_gets_its_daemon_pods(cluster):
    cluster.settle()
    cluster.add_node("worker-4")
    cluster.settle()
    for namespace, name in (("kube-system", "kube-proxy"), ("kube-flannel", "kube-flannel-ds")):
        on_new = [p for p in _daemon_pods(cluster, namespace, name) if p["spec"]["nodeName"] == "worker-4"]
        assert len(on_new) == 1 and on_new[0]["status"]["phase"] == "Running"


def test_metallb_is_the_kubeadm_profiles_load_balancer(cluster):
    cluster.settle()
    assert load_balancer(cluster.options) == "metallb"
    controller = cluster.get("deploy", "controller", "metallb-system")
    assert controller["status"]["readyReplicas"] == 1
    speaker = cluster.get("ds", "speaker", "metallb-system")["status"]
    assert speaker["desiredNumberScheduled"] == speaker["numberReady"] == 4


def test_the_zones_profile_is_kubeadm_style_too():
    cluster = Cluster.new("zones")
    cluster.settle()
    assert load_balancer(cluster.options) == "metallb"
    for namespace, name in (("kube-system", "kube-proxy"), ("kube-flannel", "kube-flannel-ds")):
        status = cluster.get("ds", name, namespace)["status"]
        assert status["desiredNumberScheduled"] == status["numberReady"] == 7  # control plane + 6 workers


def test_other_profiles_have_no_kubeadm_addons():
    for profile, provider in (("minimal", None), ("vsphere", "nsx")):
        cluster = Cluster.new(profile)
        assert cluster.list("daemonsets") == []
        assert load_balancer(cluster.options) == provider


def test_nodes_report_the_137_baseline(cluster):
    """The kubelet's VersionInfo setter (pkg/kubelet/nodestatus): kubeletVersion is the
    kubelet's own, kubeProxyVersion stays "" since 1.33 (DisableNodeKubeProxyVersion on by
    default; the field is deprecated and not omitempty), the runtime is containerd 2."""
    for node in cluster.list("nodes"):
        info = node["status"]["nodeInfo"]
        assert info["kubeletVersion"] == KUBELET_VERSION == "v1.37.1"
        assert info["kubeProxyVersion"] == ""
        assert info["containerRuntimeVersion"].startswith("containerd://2.")

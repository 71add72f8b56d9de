"""Clusters a sandbox can start from.

``default`` is kubeadm-style: one control-plane node tainted
``node-role.kubernetes.io/control-plane:NoSchedule`` and three workers. Node IPs are on
10.140.0.0/24 (worker-1 is 10.140.0.11), with a /24 pod subnet per node out of
10.40.0.0/16 (worker-1 owns 10.40.1.0/24, its cni0 bridge is 10.40.1.1). Like a kubeadm
cluster it runs kube-proxy and a CNI plugin (Flannel, VXLAN backend, which does not
enforce NetworkPolicy) as DaemonSets on every node, and a simulated MetalLB answers
LoadBalancer Services. Nodes report Kubernetes v1.37.1.
"""

from __future__ import annotations

import ipaddress

from playground.engine.text import _
from playground.engine.util import rfc3339, rfc3339_micro

NODE_NETWORK = "10.140.0.0/16"
CLUSTER_CIDR = "10.40.0.0/16"
LARGE_CLUSTER_CIDR = "10.64.0.0/10"
KUBELET_VERSION = "v1.37.1"
# containerd 2.x, as the kubeadm install guide's runtime for current releases.
CONTAINER_RUNTIME_VERSION = "containerd://2.1.4"
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def _pod_cidr(index: int, cidr: str) -> str:
    network = ipaddress.ip_network(cidr)
    return str(ipaddress.ip_network(f"{network.network_address + index * 256}/24"))


def _node_ip(index: int) -> str:
    network = ipaddress.ip_network(NODE_NETWORK)
    return str(network.network_address + 10 + index)


def make_node(
    cluster,
    name: str,
    cpu: str = "4",
    memory: str = "16Gi",
    pods: str = "110",
    labels: dict | None = None,
    taints: list | None = None,
    control_plane: bool = False,
) -> dict:
    """Register a node as its kubelet would: Node object, Lease, addresses, pod CIDR."""
    store = cluster.store
    index = cluster.options.setdefault("_next_node_index", 0)
    cluster.options["_next_node_index"] = index + 1
    large = cluster.options.get("workers", 3) > 200
    cidr = _pod_cidr(index, LARGE_CLUSTER_CIDR if large else CLUSTER_CIDR)
    ip = _node_ip(index)
    now = rfc3339(cluster.clock)
    node_labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    if control_plane:
        node_labels["node-role.kubernetes.io/control-plane"] = ""
        node_labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    node_labels.update(labels or {})
    spec = {"podCIDR": cidr, "podCIDRs": [cidr]}
    if taints:
        spec["taints"] = [dict(t) for t in taints]
    uid = cluster.rng.uid()
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": node_labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "capacity": {
                "cpu": cpu,
                "ephemeral-storage": "102350Mi",
                "hugepages-2Mi": "0",
                "memory": memory,
                "pods": pods,
            },
            "allocatable": {
                "cpu": cpu,
                "ephemeral-storage": "94324Mi",
                "hugepages-2Mi": "0",
                "memory": memory,
                "pods": pods,
            },
            "conditions": cluster.healthy_conditions(now),
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": uid,
                "containerRuntimeVersion": CONTAINER_RUNTIME_VERSION,
                "kernelVersion": "6.1.0-28-amd64",
                # Deprecated (KEP-4004): since 1.33 the kubelet leaves it empty
                # (DisableNodeKubeProxyVersion on by default); the field is not omitempty.
                "kubeProxyVersion": "",
                "kubeletVersion": KUBELET_VERSION,
                "machineID": uid.replace("-", ""),
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": uid,
            },
        },
    }
    stored = cluster.api.create_internal(node)
    if store.get("Namespace", "", "kube-node-lease") is not None:
        cluster.api.create_internal(
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {
                    "name": name,
                    "namespace": "kube-node-lease",
                    "ownerReferences": [
                        {"apiVersion": "v1", "kind": "Node", "name": name, "uid": stored["metadata"]["uid"]}
                    ],
                },
                "spec": {
                    "holderIdentity": name,
                    "leaseDurationSeconds": 40,
                    "renewTime": rfc3339_micro(cluster.clock),
                },
            }
        )
    return stored


def _namespaces(cluster) -> None:
    for name in ("default", "kube-node-lease", "kube-public", "kube-system"):
        cluster.api.create_internal({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    for name, value in (("system-node-critical", 2000001000), ("system-cluster-critical", 2000000000)):
        cluster.api.create_internal(
            {
                "apiVersion": "scheduling.k8s.io/v1",
                "kind": "PriorityClass",
                "metadata": {"name": name},
                "value": value,
                "description": "Used for system critical pods that must not be moved from their current node."
                if name == "system-node-critical"
                else "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
            }
        )


def _static_pod(cluster, node: str, component: str, image: str, cpu: str, memory: str | None = None) -> None:
    resources = {"requests": {"cpu": cpu}}
    if memory:
        resources["requests"]["memory"] = memory
    cluster.api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{component}-{node}",
                "namespace": "kube-system",
                "labels": {"component": component, "tier": "control-plane"},
                "annotations": {
                    "kubernetes.io/config.mirror": cluster.rng.hex(16),
                    "kubernetes.io/config.source": "file",
                },
            },
            "spec": {
                "nodeName": node,
                "hostNetwork": True,
                "priorityClassName": "system-node-critical",
                "priority": 2000001000,
                "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
                "containers": [
                    {"name": component, "image": image, "command": [component], "resources": resources}
                ],
            },
        }
    )


def _coredns(cluster) -> None:
    cluster.api.create_internal(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"},
                },
                "template": {
                    "metadata": {"labels": {"k8s-app": "kube-dns"}},
                    "spec": {
                        "priorityClassName": "system-cluster-critical",
                        "tolerations": [
                            {"key": "CriticalAddonsOnly", "operator": "Exists"},
                            {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                        ],
                        "containers": [
                            {
                                "name": "coredns",
                                "image": "registry.k8s.io/coredns/coredns:v1.11.3",
                                "args": ["-conf", "/etc/coredns/Corefile"],
                                "ports": [
                                    {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                    {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                    {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                                ],
                                "resources": {
                                    "limits": {"memory": "170Mi"},
                                    "requests": {"cpu": "100m", "memory": "70Mi"},
                                },
                                "readinessProbe": {
                                    "httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}
                                },
                            }
                        ],
                    },
                },
            },
        }
    )


def _storage(cluster) -> None:
    """A default StorageClass standing in for the vSphere CSI driver and a storage policy."""
    cluster.api.create_internal(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": "standard",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": "csi.vsphere.vmware.com",
            "parameters": {"storagepolicyname": "vSAN Default Storage Policy"},
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
            "allowVolumeExpansion": True,
        }
    )


def _services(cluster) -> None:
    """The `kubernetes` Service (10.96.0.1 -> the API server) and kube-dns (10.96.0.10)."""
    api = cluster.api
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"component": "apiserver", "provider": "kubernetes"},
            },
            "spec": {
                "clusterIP": "10.96.0.1",
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
            },
        }
    )
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
            },
            "subsets": [
                {
                    "addresses": [{"ip": _node_ip(0)}],
                    "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
                }
            ],
        }
    )
    api.create_internal(
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {
                    "kubernetes.io/service-name": "kubernetes",
                    "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
                },
            },
            "addressType": "IPv4",
            "endpoints": [{"addresses": [_node_ip(0)], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
        }
    )
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "kube-dns",
                "namespace": "kube-system",
                "labels": {
                    "k8s-app": "kube-dns",
                    "kubernetes.io/cluster-service": "true",
                    "kubernetes.io/name": "CoreDNS",
                },
            },
            "spec": {
                "clusterIP": "10.96.0.10",
                "selector": {"k8s-app": "kube-dns"},
                "ports": [
                    {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                    {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                    {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
                ],
            },
        }
    )


def _ingress_controller(cluster) -> None:
    api = cluster.api
    api.create_internal({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ingress-nginx"}})
    api.create_internal(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IngressClass",
            "metadata": {
                "name": "nginx",
                "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"},
                "labels": {"app.kubernetes.io/name": "ingress-nginx"},
            },
            "spec": {"controller": "k8s.io/ingress-nginx"},
        }
    )
    labels = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}
    api.create_internal(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "ingress-nginx-controller",
                "namespace": "ingress-nginx",
                "labels": dict(labels),
            },
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": dict(labels)},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {
                        "containers": [
                            {
                                "name": "controller",
                                "image": "registry.k8s.io/ingress-nginx/controller:v1.11.3",
                                "args": ["/nginx-ingress-controller", "--ingress-class=nginx"],
                                "ports": [
                                    {"name": "http", "containerPort": 80},
                                    {"name": "https", "containerPort": 443},
                                ],
                                "resources": {"requests": {"cpu": "100m", "memory": "90Mi"}},
                            }
                        ]
                    },
                },
            },
        }
    )
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "ingress-nginx-controller",
                "namespace": "ingress-nginx",
                "labels": dict(labels),
            },
            "spec": {
                "type": "LoadBalancer",
                "selector": dict(labels),
                "ports": [
                    {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                    {"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"},
                ],
            },
        }
    )


# Who answers a LoadBalancer Service in each profile. Upstream's service controller lives in
# a cloud-controller-manager, which kubeadm does not install: without an implementation a
# LoadBalancer Service stays <pending> for ever. The kubeadm-style profiles carry a simulated
# MetalLB addon; the vSphere profile's Supervisor has NSX (NCP) load balancers; minimal has none.
LOAD_BALANCERS = {"default": "metallb", "zones": "metallb", "vsphere": "nsx"}
# The names below are marked for the catalogue: the Network pages show them translated.
LOAD_BALANCER_NAMES = {
    "metallb": _("MetalLB (simulated addon, layer 2 mode, namespace metallb-system)"),
    "nsx": _("NSX load balancer (through NCP on the Supervisor)"),
}
KUBE_PROXY_CONFIG = """apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
bindAddress: 0.0.0.0
clientConnection:
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
clusterCIDR: {cluster_cidr}
mode: ""
"""
# kubeadm leaves mode empty: kube-proxy then picks its default, iptables on Linux (nftables
# is GA since 1.33 but opt-in), and the rules the Network view shows are iptables chains.
FLANNEL_IMAGE = "ghcr.io/flannel-io/flannel:v0.27.4"
# The pod network (CNI plugin) of each profile. kubeadm installs none: the admin applies one,
# Flannel here (its kube-flannel.yml, VXLAN backend). The Supervisor's is NSX through NCP (a
# segment per namespace). minimal runs the reference `bridge` plugin with host-local IPAM on
# its one node (a cni0 bridge, as containerd's example CNI config sets up). The ``cni`` option
# overrides which plugin the engine models (it installs nothing more).
CNIS = {"default": "flannel", "zones": "flannel", "vsphere": "nsx", "minimal": "bridge"}
CNI_NAMES = {
    "flannel": _("Flannel (VXLAN backend, namespace kube-flannel)"),
    "nsx": _("NSX (through NCP on the Supervisor: a segment per namespace)"),
    "bridge": _("the reference bridge plugin (cni0, host-local IPAM)"),
}
# Which of them implement NetworkPolicy. The API server stores NetworkPolicies whatever the
# plugin; one that does not implement them (Flannel, the bridge plugin) lets traffic through.
NETWORK_POLICY_CNIS = {"nsx"}
METALLB_VERSION = "v0.15.2"


def load_balancer(options: dict) -> str | None:
    """The profile's LoadBalancer implementation (``metallb``, ``nsx``) or None: the
    ``load_balancer`` option when set (None turns it off), else the profile's own."""
    if "load_balancer" in options:
        return options["load_balancer"]
    return LOAD_BALANCERS.get(options.get("profile", "default"))


def cni(options: dict) -> str:
    """The profile's CNI plugin (a key of CNI_NAMES): the ``cni`` option when set, else the
    profile's own."""
    return options.get("cni") or CNIS.get(options.get("profile", "default"), "flannel")


def _daemonset(cluster, namespace: str, name: str, labels: dict, pod_spec: dict, annotations=None) -> None:
    meta = {"name": name, "namespace": namespace, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    cluster.api.create_internal(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta,
            "spec": {
                "selector": {"matchLabels": dict(labels)},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
            },
        }
    )


def _kube_proxy(cluster) -> None:
    """kubeadm's kube-proxy addon: a ServiceAccount, the ``kube-proxy`` ConfigMap
    (KubeProxyConfiguration with kubeadm's empty mode) and a DaemonSet on every node."""
    api = cluster.api
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
        }
    )
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"app": "kube-proxy"}},
            "data": {
                "config.conf": KUBE_PROXY_CONFIG.format(cluster_cidr=CLUSTER_CIDR),
                "kubeconfig.conf": (
                    "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
                    "    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n"
                    f"    server: https://{_node_ip(0)}:6443\n  name: default\n"
                ),
            },
        }
    )
    _daemonset(
        cluster,
        "kube-system",
        "kube-proxy",
        {"k8s-app": "kube-proxy"},
        {
            "containers": [
                {
                    "name": "kube-proxy",
                    "image": f"registry.k8s.io/kube-proxy:{KUBELET_VERSION}",
                    "command": [
                        "/usr/local/bin/kube-proxy",
                        "--config=/var/lib/kube-proxy/config.conf",
                        "--hostname-override=$(NODE_NAME)",
                    ],
                    "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                    "securityContext": {"privileged": True},
                    "volumeMounts": [
                        {"name": "kube-proxy", "mountPath": "/var/lib/kube-proxy"},
                        {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
                        {"name": "lib-modules", "mountPath": "/lib/modules", "readOnly": True},
                    ],
                }
            ],
            "hostNetwork": True,
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "priorityClassName": "system-node-critical",
            "serviceAccountName": "kube-proxy",
            "tolerations": [{"operator": "Exists"}],
            "volumes": [
                {"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}},
                {"name": "lib-modules", "hostPath": {"path": "/lib/modules"}},
            ],
        },
    )


def _flannel(cluster) -> None:
    """The CNI: Flannel as its upstream manifest installs it (namespace kube-flannel, the
    kube-flannel-ds DaemonSet on every node) with its default VXLAN backend: on each node a
    cni0 bridge holds the first address of the node's pod subnet (spec.podCIDR), a flannel.1
    VXLAN device its .0 address, and each other node's subnet is routed via that node's
    flannel.1 address (onlink). network.pod_network draws that picture."""
    api = cluster.api
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "kube-flannel",
                "labels": {"k8s-app": "flannel", "pod-security.kubernetes.io/enforce": "privileged"},
            },
        }
    )
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "flannel", "namespace": "kube-flannel"},
        }
    )
    labels = {"app": "flannel", "k8s-app": "flannel", "tier": "node"}
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kube-flannel-cfg", "namespace": "kube-flannel", "labels": dict(labels)},
            "data": {
                # Upstream still names the CNI network "cbr0"; the bridge it makes is cni0.
                "cni-conf.json": (
                    '{\n  "name": "cbr0",\n  "cniVersion": "0.3.1",\n  "plugins": [\n'
                    '    {"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}},\n'
                    '    {"type": "portmap", "capabilities": {"portMappings": true}}\n  ]\n}\n'
                ),
                "net-conf.json": (
                    f'{{\n  "Network": "{CLUSTER_CIDR}",\n  "EnableNFTables": false,\n'
                    '  "Backend": {"Type": "vxlan"}\n}\n'
                ),
            },
        }
    )
    mounts = [
        {"name": "run", "mountPath": "/run/flannel"},
        {"name": "flannel-cfg", "mountPath": "/etc/kube-flannel/"},
    ]
    _daemonset(
        cluster,
        "kube-flannel",
        "kube-flannel-ds",
        labels,
        {
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "serviceAccountName": "flannel",
            "tolerations": [{"operator": "Exists", "effect": "NoSchedule"}],
            "containers": [
                {
                    "name": "kube-flannel",
                    "image": FLANNEL_IMAGE,
                    "command": ["/opt/bin/flanneld"],
                    "args": ["--ip-masq", "--kube-subnet-mgr"],
                    "env": [
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        {
                            "name": "POD_NAMESPACE",
                            "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
                        },
                    ],
                    "resources": {"requests": {"cpu": "100m", "memory": "50Mi"}},
                    "securityContext": {
                        "privileged": False,
                        "capabilities": {"add": ["NET_ADMIN", "NET_RAW"]},
                    },
                    "volumeMounts": mounts,
                }
            ],
            "volumes": [
                {"name": "run", "hostPath": {"path": "/run/flannel"}},
                {"name": "flannel-cfg", "configMap": {"name": "kube-flannel-cfg"}},
            ],
        },
    )


def _metallb(cluster) -> None:
    """A simulated MetalLB in layer 2 mode: the controller Deployment (it assigns addresses
    from the pool, the ``lb_pool`` option) and the speaker DaemonSet (it answers ARP for them).
    Its IPAddressPool and L2Advertisement custom resources are not modelled."""
    api = cluster.api
    api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "metallb-system",
                "labels": {"pod-security.kubernetes.io/enforce": "privileged"},
            },
        }
    )
    for account in ("controller", "speaker"):
        api.create_internal(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": account, "namespace": "metallb-system"},
            }
        )
    controller = {"app": "metallb", "component": "controller"}
    api.create_internal(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "controller", "namespace": "metallb-system", "labels": dict(controller)},
            "spec": {
                "replicas": 1,
                "revisionHistoryLimit": 3,
                "selector": {"matchLabels": dict(controller)},
                "template": {
                    "metadata": {"labels": dict(controller)},
                    "spec": {
                        "serviceAccountName": "controller",
                        "nodeSelector": {"kubernetes.io/os": "linux"},
                        "containers": [
                            {
                                "name": "controller",
                                "image": f"quay.io/metallb/controller:{METALLB_VERSION}",
                                "args": ["--port=7472", "--log-level=info"],
                                "ports": [{"name": "monitoring", "containerPort": 7472}],
                            }
                        ],
                    },
                },
            },
        }
    )
    _daemonset(
        cluster,
        "metallb-system",
        "speaker",
        {"app": "metallb", "component": "speaker"},
        {
            "hostNetwork": True,
            "serviceAccountName": "speaker",
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [
                {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
                {
                    "key": "node-role.kubernetes.io/control-plane",
                    "operator": "Exists",
                    "effect": "NoSchedule",
                },
            ],
            "containers": [
                {
                    "name": "speaker",
                    "image": f"quay.io/metallb/speaker:{METALLB_VERSION}",
                    "args": ["--port=7472", "--log-level=info"],
                    "env": [
                        {
                            "name": "METALLB_NODE_NAME",
                            "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}},
                        }
                    ],
                    "ports": [{"name": "monitoring", "containerPort": 7472}],
                    "securityContext": {"capabilities": {"add": ["NET_RAW"], "drop": ["ALL"]}},
                }
            ],
        },
    )


def _kubeadm_addons(cluster) -> None:
    """What a kubeadm cluster runs on every node besides the kubelet: kube-proxy (kubeadm
    installs it), a CNI plugin (the admin installs one: Flannel here) and, for LoadBalancer
    Services, a load-balancer addon (MetalLB here)."""
    _kube_proxy(cluster)
    _flannel(cluster)
    if load_balancer(cluster.options) == "metallb":
        _metallb(cluster)


def _zones(cluster) -> None:
    """Six workers in three zones of one region, to teach spreading across failure domains."""
    _namespaces(cluster)
    make_node(
        cluster, "control-plane", cpu="2", memory="4Gi", control_plane=True, taints=[CONTROL_PLANE_TAINT]
    )
    for index in range(1, 7):
        zone = "zone-" + "abc"[(index - 1) // 2]
        make_node(
            cluster,
            f"worker-{index}",
            cpu=cluster.options.get("worker_cpu", "4"),
            memory=cluster.options.get("worker_memory", "16Gi"),
            labels={"topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": "region-1"},
        )
    if cluster.options.get("system_pods", True):
        _kubeadm_addons(cluster)
        _coredns(cluster)
        _services(cluster)
        _ingress_controller(cluster)
    _storage(cluster)


def _vsphere(cluster) -> None:
    """vSphere with Kubernetes: a Supervisor control plane, ESXi hosts running the
    Spherelet as nodes, NSX networking per namespace, a vSphere Namespace with limits
    and permissions, and a storage policy as the default StorageClass."""
    cluster.options["ncp"] = True
    cluster.options.setdefault("node_prefix", "esx-")
    _namespaces(cluster)
    make_node(
        cluster,
        "supervisor-control-plane",
        cpu="4",
        memory="16Gi",
        control_plane=True,
        taints=[CONTROL_PLANE_TAINT],
        labels={"node-role.kubernetes.io/master": ""},
    )
    for index in range(1, cluster.options.get("workers", 3) + 1):
        node = make_node(
            cluster,
            f"esx-{index:02d}",
            cpu=cluster.options.get("worker_cpu", "16"),
            memory=cluster.options.get("worker_memory", "128Gi"),
            labels={"kubernetes.io/role": "agent", "node-role.kubernetes.io/agent": ""},
        )
        info = dict(node["status"]["nodeInfo"])
        info.update(
            {
                "kubeletVersion": f"{KUBELET_VERSION}-sph-5f2c1a8",
                "osImage": "VMware ESXi 8.0.3",
                "kernelVersion": "8.0.3",
                "containerRuntimeVersion": f"cri://{KUBELET_VERSION[1:]}",
                "operatingSystem": "linux",
            }
        )
        cluster.api.commit("Node", {**node, "status": {**node["status"], "nodeInfo": info}}, node)
    cluster.api.create_internal(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": "vsan-default-storage-policy",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": "csi.vsphere.vmware.com",
            "parameters": {
                "storagePolicyID": "aa6d5a82-1c88-45da-85d3-3d74b91a5bad",
                "storagepolicyname": "vSAN Default Storage Policy",
            },
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
            "allowVolumeExpansion": True,
        }
    )
    # A vSphere Namespace: a namespace with resource limits, storage and permissions set from vCenter.
    cluster.api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "dev-team", "labels": {"vSphereClusterID": "domain-c8"}},
        }
    )
    # Its storage limit is a ResourceQuota per StorageClass (the storage policies assigned to it);
    # its CPU and memory limits live on the namespace's resource pool in vSphere, not in a quota.
    cluster.api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "dev-team-storagequota", "namespace": "dev-team"},
            "spec": {
                "hard": {
                    "requests.storage": "200Gi",
                    "vsan-default-storage-policy.storageclass.storage.k8s.io/requests.storage": "200Gi",
                }
            },
        }
    )
    cluster.api.create_internal(
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "dev-team", "namespace": "dev-team"},
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "default": {"cpu": "500m", "memory": "512Mi"},
                        "defaultRequest": {"cpu": "250m", "memory": "256Mi"},
                    }
                ]
            },
        }
    )
    cluster.api.create_internal(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "dev-team-edit", "namespace": "dev-team"},
            "subjects": [
                {"kind": "Group", "name": "sso:devs@vsphere.local", "apiGroup": "rbac.authorization.k8s.io"}
            ],
            "roleRef": {"kind": "ClusterRole", "name": "edit", "apiGroup": "rbac.authorization.k8s.io"},
        }
    )
    _coredns(cluster)
    _services(cluster)


def build(cluster, profile: str) -> None:
    builders = {"default": _default, "minimal": _minimal, "zones": _zones, "vsphere": _vsphere}
    if profile not in builders:
        raise ValueError(
            f"unknown cluster profile {profile!r}; known profiles: {', '.join(sorted(builders))}"
        )
    from playground.engine.rbac import store_bootstrap_policy

    store_bootstrap_policy(cluster)
    builders[profile](cluster)
    if profile != "minimal":  # Gateway API and VolumeSnapshot CRDs, and their classes
        from playground.engine.addons import install

        install(cluster)


def _default(cluster) -> None:
    options = cluster.options
    _namespaces(cluster)
    system_pods = options.get("system_pods", True)
    make_node(
        cluster, "control-plane", cpu="2", memory="4Gi", control_plane=True, taints=[CONTROL_PLANE_TAINT]
    )
    workers = options.get("workers", 3)
    cpu = options.get("worker_cpu", "4")
    memory = options.get("worker_memory", "16Gi")
    pods = options.get("worker_pods", "110")
    for index in range(1, workers + 1):
        make_node(cluster, f"worker-{index}", cpu=cpu, memory=memory, pods=pods)
    if system_pods:
        _static_pod(cluster, "control-plane", "etcd", "registry.k8s.io/etcd:3.5.16-0", "100m", "100Mi")
        _static_pod(
            cluster,
            "control-plane",
            "kube-apiserver",
            f"registry.k8s.io/kube-apiserver:{KUBELET_VERSION}",
            "250m",
        )
        _static_pod(
            cluster,
            "control-plane",
            "kube-controller-manager",
            f"registry.k8s.io/kube-controller-manager:{KUBELET_VERSION}",
            "200m",
        )
        _static_pod(
            cluster,
            "control-plane",
            "kube-scheduler",
            f"registry.k8s.io/kube-scheduler:{KUBELET_VERSION}",
            "100m",
        )
        _kubeadm_addons(cluster)
        _coredns(cluster)
        _services(cluster)
        _ingress_controller(cluster)
    _storage(cluster)


def _minimal(cluster) -> None:
    """One worker and nothing else: the smallest thing that runs pods."""
    _namespaces(cluster)
    make_node(
        cluster,
        "worker-1",
        cpu=cluster.options.get("worker_cpu", "4"),
        memory=cluster.options.get("worker_memory", "16Gi"),
    )

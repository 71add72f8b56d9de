import importlib
import pkgutil

import pytest

from playground.engine import Cluster
from playground.engine.scheduler import (
    REGISTRY,
    SKIP,
    UNRESOLVABLE,
    UNSCHEDULABLE,
    CycleState,
    InvalidSchedulerConfig,
    PodNeeds,
    default_normalize_score,
)
from playground.engine.scheduler import plugins as plugins_pkg
from playground.engine.scheduler.framework import EXTENSION_POINTS, METHODS, Plugin

from .conftest import pod

HEAVY = [{"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "3", "memory": "8Gi"}}}]


def plugin_and_state(cluster, name, body, profile="default-scheduler"):
    framework = cluster.scheduler.frameworks[profile]
    state = CycleState()
    state.needs = PodNeeds(body)
    return framework.by_name[name], state


def info(cluster, node):
    return cluster.scheduler.nodes[node]


def scheduled_node(cluster, name):
    return cluster.get("pod", name)["spec"].get("nodeName")


def pending_message(cluster, name):
    [condition] = [c for c in cluster.get("pod", name)["status"]["conditions"] if c["type"] == "PodScheduled"]
    return condition["message"]


# The registry ----------------------------------------------------------------------------


def test_every_plugin_has_its_upstream_name_its_own_module_and_implements_exactly_its_points():
    modules = {m.name for m in pkgutil.iter_modules(plugins_pkg.__path__)}
    assert len(modules) == len(REGISTRY)
    for module_name in modules:
        module = importlib.import_module(f"{plugins_pkg.__name__}.{module_name}")
        defined = [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, Plugin) and v.__module__ == module.__name__
        ]
        assert len(defined) == 1, module_name
    for name, cls in REGISTRY.items():
        assert cls.name == name == cls.__name__
        assert cls.extension_points and set(cls.extension_points) <= set(EXTENSION_POINTS)
        for point, method in METHODS.items():
            assert (point in cls.extension_points) == hasattr(cls, method), (name, point)
    assert REGISTRY["NodeResourcesFit"].extension_points == ("PreFilter", "Filter", "PreScore", "Score")
    assert REGISTRY["DefaultPreemption"].extension_points == ("PostFilter",)
    assert REGISTRY["ImageLocality"].extension_points == ("Score",)


def test_default_normalize_score_is_upstreams():
    assert default_normalize_score(100, False, [0, 1, 3]) == [0, 33, 100]
    assert default_normalize_score(100, True, [0, 1, 3]) == [100, 67, 0]
    assert default_normalize_score(100, True, [0, 0]) == [100, 100]
    assert default_normalize_score(100, False, [0, 0]) == [0, 0]


# One test per plugin over its extension points ---------------------------------------------


def test_node_unschedulable(cluster):
    cluster.cordon("worker-1")
    plugin, state = plugin_and_state(cluster, "NodeUnschedulable", pod())
    status = plugin.filter(state, pod(), info(cluster, "worker-1"))
    assert (status.code, status.reasons) == (UNRESOLVABLE, ["node(s) were unschedulable"])
    assert plugin.filter(state, pod(), info(cluster, "worker-2")) is None
    tolerant = pod(
        tolerations=[
            {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}
        ]
    )
    plugin, state = plugin_and_state(cluster, "NodeUnschedulable", tolerant)
    assert plugin.filter(state, tolerant, info(cluster, "worker-1")) is None


def test_node_name(cluster):
    body = pod(nodeName="worker-2")
    plugin, state = plugin_and_state(cluster, "NodeName", body)
    status = plugin.filter(state, body, info(cluster, "worker-1"))
    assert (status.code, status.reasons) == (UNRESOLVABLE, ["node(s) didn't match the requested node name"])
    assert plugin.filter(state, body, info(cluster, "worker-2")) is None


def test_taint_toleration(cluster):
    plugin, state = plugin_and_state(cluster, "TaintToleration", pod())
    status = plugin.filter(state, pod(), info(cluster, "control-plane"))
    assert status.code == UNRESOLVABLE
    assert status.reasons == ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"]
    soft = {"key": "spot", "value": "yes", "effect": "PreferNoSchedule"}
    cluster.patch("node", "worker-1", {"spec": {"taints": [soft, {**soft, "key": "old"}]}})
    cluster.patch("node", "worker-2", {"spec": {"taints": [soft]}})
    nodes = [info(cluster, n) for n in ("worker-1", "worker-2", "worker-3")]
    assert plugin.filter(state, pod(), nodes[0]) is None  # PreferNoSchedule never rejects
    assert plugin.pre_score(state, pod(), nodes) is None
    raw = plugin.score_nodes(state, pod(), nodes)
    assert raw == [2, 1, 0]
    assert plugin.normalize_score(state, pod(), nodes, raw) == [0, 50, 100]


def test_node_affinity(cluster):
    plugin, state = plugin_and_state(cluster, "NodeAffinity", pod())
    assert plugin.pre_filter(state, pod()).code == SKIP
    assert plugin.pre_score(state, pod(), []).code == SKIP
    preferred = [
        {
            "weight": 40,
            "preference": {
                "matchExpressions": [
                    {"key": "kubernetes.io/hostname", "operator": "In", "values": ["worker-2"]}
                ]
            },
        }
    ]
    body = pod(
        nodeSelector={"kubernetes.io/os": "linux"},
        affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": preferred}},
    )
    cluster.patch("node", "worker-1", {"metadata": {"labels": {"kubernetes.io/os": "windows"}}})
    plugin, state = plugin_and_state(cluster, "NodeAffinity", body)
    assert plugin.pre_filter(state, body) is None
    status = plugin.filter(state, body, info(cluster, "worker-1"))
    assert (status.code, status.reasons) == (
        UNRESOLVABLE,
        ["node(s) didn't match Pod's node affinity/selector"],
    )
    assert plugin.filter(state, body, info(cluster, "worker-2")) is None
    nodes = [info(cluster, "worker-2"), info(cluster, "worker-3")]
    assert plugin.pre_score(state, body, nodes) is None
    assert plugin.score_nodes(state, body, nodes) == [40, 0]
    assert plugin.normalize_score(state, body, nodes, [40, 0]) == [100, 0]


def test_node_ports(cluster):
    plugin, state = plugin_and_state(cluster, "NodePorts", pod())
    assert plugin.pre_filter(state, pod()).code == SKIP
    ports = [{"name": "main", "image": "nginx:1.27", "ports": [{"containerPort": 80, "hostPort": 8080}]}]
    cluster.create(pod("taken", containers=ports, nodeName="worker-1"))
    cluster.settle()
    body = pod("new", containers=ports)
    plugin, state = plugin_and_state(cluster, "NodePorts", body)
    assert plugin.pre_filter(state, body) is None
    status = plugin.filter(state, body, info(cluster, "worker-1"))
    assert (status.code, status.reasons) == (
        UNSCHEDULABLE,
        ["node(s) didn't have free ports for the requested pod ports"],
    )
    assert plugin.filter(state, body, info(cluster, "worker-2")) is None


def test_node_resources_fit_filter_and_its_scoring_strategies(cluster):
    cluster.create(pod("heavy", containers=HEAVY, nodeName="worker-1"))
    cluster.settle()
    big = pod(containers=[{"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "2"}}}])
    plugin, state = plugin_and_state(cluster, "NodeResourcesFit", big)
    assert plugin.pre_filter(state, big) is None
    status = plugin.filter(state, big, info(cluster, "worker-1"))
    assert (status.code, status.reasons) == (UNSCHEDULABLE, ["Insufficient cpu"])
    assert plugin.filter(state, big, info(cluster, "worker-2")) is None
    nodes = [info(cluster, "worker-1"), info(cluster, "worker-2")]
    small = pod()  # no requests: scored with upstream's non-zero defaults, 100m and 200Mi
    plugin, state = plugin_and_state(cluster, "NodeResourcesFit", small)
    least = plugin.score_nodes(state, small, nodes)

    def used(node):  # percent of cpu and memory requested with the pod (non-zero defaults)
        cpu = (node.nz_cpu + 100) * 100 // node.alloc_cpu
        mem = (node.nz_mem + 200 * 1024 * 1024) * 100 // node.alloc_mem
        return cpu, mem

    # LeastAllocated: the mean of (capacity - requested) * 100 // capacity over cpu and memory.
    expected = []
    for node in nodes:
        cpu_free = (node.alloc_cpu - node.nz_cpu - 100) * 100 // node.alloc_cpu
        mem_free = (node.alloc_mem - node.nz_mem - 200 * 1024 * 1024) * 100 // node.alloc_mem
        expected.append((cpu_free + mem_free) // 2)
    assert least == expected and least[0] < least[1]
    assert least == [plugin.score(state, small, n) for n in nodes]
    cluster.set_scheduler_config(
        {
            "apiVersion": "kubescheduler.config.k8s.io/v1",
            "kind": "KubeSchedulerConfiguration",
            "profiles": [
                {
                    "schedulerName": "most",
                    "pluginConfig": [
                        {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}
                    ],
                },
                {
                    "schedulerName": "ratio",
                    "pluginConfig": [
                        {
                            "name": "NodeResourcesFit",
                            "args": {
                                "scoringStrategy": {
                                    "type": "RequestedToCapacityRatio",
                                    "resources": [{"name": "cpu", "weight": 1}],
                                    "requestedToCapacityRatio": {
                                        "shape": [
                                            {"utilization": 0, "score": 0},
                                            {"utilization": 100, "score": 10},
                                        ]
                                    },
                                }
                            },
                        }
                    ],
                },
            ],
        }
    )
    plugin, state = plugin_and_state(cluster, "NodeResourcesFit", small, profile="most")
    most = plugin.score_nodes(state, small, nodes)
    assert most == [sum(used(n)) // 2 for n in nodes] and most[0] > most[1]
    plugin, state = plugin_and_state(cluster, "NodeResourcesFit", small, profile="ratio")
    # cpu only, and the shape maps utilization 0..100 to score 0..10 (× 10): the utilization itself.
    assert plugin.score_nodes(state, small, nodes) == [used(n)[0] for n in nodes]


def test_node_resources_balanced_allocation(cluster):
    body = pod(
        containers=[
            {"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "2", "memory": "8Gi"}}}
        ]
    )
    plugin, state = plugin_and_state(cluster, "NodeResourcesBalancedAllocation", body)
    assert plugin.pre_score(state, body, []) is None
    assert plugin.score(state, body, info(cluster, "worker-1")) >= 95  # about half the cpu, half the memory
    lopsided = pod(
        containers=[
            {"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "4", "memory": "1Gi"}}}
        ]
    )
    plugin, state = plugin_and_state(cluster, "NodeResourcesBalancedAllocation", lopsided)
    assert plugin.score(state, lopsided, info(cluster, "worker-1")) < 70


def test_image_locality(cluster):
    nodes = [info(cluster, n) for n in ("worker-1", "worker-2", "worker-3")]
    image = next(iter(nodes[0].images - nodes[1].images), None) or next(iter(nodes[0].images))
    body = pod(image=image)
    plugin, state = plugin_and_state(cluster, "ImageLocality", body)
    scores = plugin.score_nodes(state, body, nodes)
    assert scores == [plugin.score(state, body, n) for n in nodes]
    assert all(0 <= s <= 100 for s in scores)
    absent = pod(image="example.com/never-pulled:1")
    plugin, state = plugin_and_state(cluster, "ImageLocality", absent)
    assert plugin.score_nodes(state, absent, nodes) == [0, 0, 0]


def test_pod_topology_spread():
    cluster = Cluster.new(workers=3)
    plugin, state = plugin_and_state(cluster, "PodTopologySpread", pod())
    assert plugin.pre_filter(state, pod()).code == SKIP
    assert plugin.pre_score(state, pod(), []).code == SKIP
    cluster.patch("node", "worker-1", {"metadata": {"labels": {"zone": "a"}}})
    cluster.patch("node", "worker-2", {"metadata": {"labels": {"zone": "b"}}})
    cluster.create(
        {
            **pod("w1", nodeName="worker-1"),
            "metadata": {"name": "w1", "namespace": "default", "labels": {"app": "web"}},
        }
    )
    cluster.settle()
    constraint = {
        "maxSkew": 1,
        "topologyKey": "zone",
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}},
    }
    body = {
        **pod("w2", topologySpreadConstraints=[constraint]),
        "metadata": {"name": "w2", "namespace": "default", "labels": {"app": "web"}},
    }
    plugin, state = plugin_and_state(cluster, "PodTopologySpread", body)
    assert plugin.pre_filter(state, body) is None
    status = plugin.filter(state, body, info(cluster, "worker-1"))
    assert (status.code, status.reasons) == (
        UNSCHEDULABLE,
        ["node(s) didn't match pod topology spread constraints"],
    )
    assert plugin.filter(state, body, info(cluster, "worker-2")) is None
    status = plugin.filter(state, body, info(cluster, "worker-3"))
    assert status.code == UNRESOLVABLE and "missing required label" in status.reasons[0]
    soft = {**constraint, "whenUnsatisfiable": "ScheduleAnyway"}
    body = {
        **pod("w3", topologySpreadConstraints=[soft]),
        "metadata": {"name": "w3", "namespace": "default", "labels": {"app": "web"}},
    }
    plugin, state = plugin_and_state(cluster, "PodTopologySpread", body)
    nodes = [info(cluster, "worker-1"), info(cluster, "worker-2")]
    assert plugin.pre_filter(state, body).code == SKIP and plugin.pre_score(state, body, nodes) is None
    raw = plugin.score_nodes(state, body, nodes)
    assert raw == [1, 0] and plugin.normalize_score(state, body, nodes, raw) == [0, 100]


def test_inter_pod_affinity(cluster):
    plugin, state = plugin_and_state(cluster, "InterPodAffinity", pod())
    assert plugin.pre_filter(state, pod()).code == SKIP
    cluster.create(
        {
            **pod("db", nodeName="worker-1"),
            "metadata": {"name": "db", "namespace": "default", "labels": {"app": "db"}},
        }
    )
    cluster.settle()
    term = {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}
    anti = pod(affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}})
    plugin, state = plugin_and_state(cluster, "InterPodAffinity", anti)
    assert plugin.pre_filter(state, anti) is None
    status = plugin.filter(state, anti, info(cluster, "worker-1"))
    assert (status.code, status.reasons) == (UNSCHEDULABLE, ["node(s) didn't match pod anti-affinity rules"])
    assert plugin.filter(state, anti, info(cluster, "worker-2")) is None
    near = pod(affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}})
    plugin, state = plugin_and_state(cluster, "InterPodAffinity", near)
    plugin.pre_filter(state, near)
    status = plugin.filter(state, near, info(cluster, "worker-2"))
    assert (status.code, status.reasons) == (UNRESOLVABLE, ["node(s) didn't match pod affinity rules"])
    preferred = pod(
        affinity={
            "podAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 5, "podAffinityTerm": term}]
            }
        }
    )
    plugin, state = plugin_and_state(cluster, "InterPodAffinity", preferred)
    nodes = [info(cluster, "worker-1"), info(cluster, "worker-2")]
    raw = plugin.score_nodes(state, preferred, nodes)
    assert raw == [5, 0] and plugin.normalize_score(state, preferred, nodes, raw) == [100, 0]


def test_default_preemption_post_filter(cluster):
    plugin, state = plugin_and_state(cluster, "DefaultPreemption", pod())
    statuses = {
        "control-plane": cluster.scheduler.frameworks["default-scheduler"]
        .by_name["TaintToleration"]
        .filter(state, pod(), info(cluster, "control-plane"))
    }
    status = plugin.post_filter(state, pod(), statuses)
    assert status.code == UNSCHEDULABLE
    assert status.reasons == [
        "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling."
    ]
    never = pod(preemptionPolicy="Never")
    plugin, state = plugin_and_state(cluster, "DefaultPreemption", never)
    assert plugin.post_filter(state, never, statuses).reasons == [
        "preemption: not eligible due to preemptionPolicy=Never"
    ]


def test_volume_binding_default_binder_and_priority_sort(cluster):
    plugin, state = plugin_and_state(cluster, "VolumeBinding", pod())
    assert plugin.pre_filter(state, pod()).code == SKIP
    body = pod(volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "missing"}}])
    plugin, state = plugin_and_state(cluster, "VolumeBinding", body)
    status = plugin.pre_filter(state, body)
    assert (status.code, status.reasons) == (UNRESOLVABLE, ['persistentvolumeclaim "missing" not found'])
    cluster.create(pod("manual", schedulerName="nobody"))
    binder, state = plugin_and_state(cluster, "DefaultBinder", pod("manual"))
    assert binder.bind(state, cluster.get("pod", "manual"), "worker-3") is None
    assert scheduled_node(cluster, "manual") == "worker-3"
    sort = cluster.scheduler.frameworks["default-scheduler"].plugins["QueueSort"][0]
    assert sort.name == "PrioritySort"
    assert sort.less((1000, 9), (0, 1)) and sort.less((0, 1), (0, 2)) and not sort.less((0, 2), (0, 1))


# Profiles ------------------------------------------------------------------------------------


def config(*profiles, **top):
    return {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "profiles": list(profiles),
        **top,
    }


def test_disabling_a_filter_removes_its_effect(cluster):
    cluster.create(pod("cp", nodeSelector={"kubernetes.io/hostname": "control-plane"}))
    cluster.settle()
    assert scheduled_node(cluster, "cp") is None
    cluster.set_scheduler_config(
        """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    plugins:
      filter:
        disabled: [{name: TaintToleration}]
"""
    )
    cluster.settle()
    assert scheduled_node(cluster, "cp") == "control-plane"
    decision = cluster.scheduling_decision("cp")
    assert "TaintToleration" not in [v[0] for v in decision["filters"]["control-plane"]]


def test_disabling_default_preemption_drops_the_postfilter_message(cluster):
    cluster.set_scheduler_config(
        config(
            {"schedulerName": "default-scheduler", "plugins": {"postFilter": {"disabled": [{"name": "*"}]}}}
        )
    )
    cluster.create(
        pod(
            "huge",
            containers=[{"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "64"}}}],
        )
    )
    cluster.settle()
    assert pending_message(cluster, "huge") == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "3 Insufficient cpu."
    )


def test_score_weights_change_the_winner(cluster):
    cluster.create(pod("heavy", containers=HEAVY, nodeName="worker-1"))
    cluster.settle()
    preferred = [
        {
            "weight": 10,
            "preference": {
                "matchExpressions": [
                    {"key": "kubernetes.io/hostname", "operator": "In", "values": ["worker-1"]}
                ]
            },
        }
    ]
    affinity = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": preferred}}

    def winner(fit_weight, name):
        score = {
            "disabled": [{"name": "*"}],
            "enabled": [
                {"name": "NodeAffinity", "weight": 1},
                {"name": "NodeResourcesFit", "weight": fit_weight},
            ],
        }
        cluster.set_scheduler_config(
            config({"schedulerName": "default-scheduler", "plugins": {"score": score}})
        )
        cluster.create(pod(name, affinity=affinity))
        cluster.settle()
        decision = cluster.scheduling_decision(name)
        assert decision["weights"] == {"NodeAffinity": 1, "NodeResourcesFit": fit_weight}
        return scheduled_node(cluster, name)

    assert winner(1, "a") == "worker-1"  # 100 + 35 beats 0 + 97
    assert winner(5, "b") != "worker-1"  # 100 + 175 loses to 0 + 485


def test_two_profiles_chosen_by_scheduler_name_and_an_unknown_name_stays_pending(cluster):
    cluster.create(pod("heavy", containers=HEAVY, nodeName="worker-1"))
    cluster.create(pod("orphan", schedulerName="packer"))
    cluster.settle()
    assert scheduled_node(cluster, "orphan") is None
    assert cluster.events(name="orphan") == []
    assert cluster.get("pod", "orphan")["status"].get("conditions") in (None, [])
    packer = {
        "schedulerName": "packer",
        "plugins": {"score": {"disabled": [{"name": "*"}], "enabled": [{"name": "NodeResourcesFit"}]}},
        "pluginConfig": [
            {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}
        ],
    }
    cluster.set_scheduler_config(config({"schedulerName": "default-scheduler"}, packer))
    cluster.create(pod("spread"))
    cluster.settle()
    assert scheduled_node(cluster, "orphan") == "worker-1"  # the fullest node
    assert scheduled_node(cluster, "spread") != "worker-1"
    assert cluster.scheduling_decision("orphan")["schedulerName"] == "packer"
    assert cluster.scheduling_decision("spread")["schedulerName"] == "default-scheduler"
    [event] = [e for e in cluster.events(name="orphan") if e["reason"] == "Scheduled"]
    assert event["message"] == "Successfully assigned default/orphan to worker-1"
    # The configuration travels with the cluster state.
    again = Cluster.from_dict(cluster.to_dict())
    assert again.scheduler_config == cluster.scheduler_config
    assert set(again.scheduler.frameworks) == {"default-scheduler", "packer"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (config({"schedulerName": ""}), "profiles[0].schedulerName: Required value"),
        (
            config({"schedulerName": "a"}, {"schedulerName": "a"}),
            'profiles[1].schedulerName: Duplicate value: "profiles[0].schedulerName"',
        ),
        (
            config({"schedulerName": "a", "plugins": {"filter": {"enabled": [{"name": "Foo"}]}}}),
            'profiles[0].plugins.filter.enabled[0]: plugin "Foo" does not exist in this playground\'s scheduler',
        ),
        (
            config({"schedulerName": "a", "plugins": {"filter": {"enabled": [{"name": "ImageLocality"}]}}}),
            'creating profile for scheduler name a: plugin "ImageLocality" does not extend FilterPlugin plugin',
        ),
        (
            config(
                {
                    "schedulerName": "a",
                    "pluginConfig": [
                        {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "Random"}}}
                    ],
                }
            ),
            'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Random": '
            'supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"',
        ),
        (
            config(
                {
                    "schedulerName": "a",
                    "pluginConfig": [
                        {
                            "name": "PodTopologySpread",
                            "args": {
                                "defaultingType": "System",
                                "defaultConstraints": [
                                    {
                                        "maxSkew": 1,
                                        "topologyKey": "zone",
                                        "whenUnsatisfiable": "DoNotSchedule",
                                    }
                                ],
                            },
                        }
                    ],
                }
            ),
            'profiles[0].pluginConfig[0].args.defaultingType: Invalid value: "System": when .defaultConstraints are not empty',
        ),
        (
            config({"schedulerName": "a", "plugins": {"bind": {"disabled": [{"name": "*"}]}}}),
            "creating profile for scheduler name a: at least one bind plugin is needed",
        ),
        (
            config({"schedulerName": "a"}, percentageOfNodesToScore=150),
            "percentageOfNodesToScore: Invalid value: 150: not in valid range [0-100]",
        ),
        ({"apiVersion": "v1", "kind": "ConfigMap"}, 'no kind "ConfigMap" is registered for version "v1"'),
        (
            config({"schedulerName": "a", "plugin": {}}),
            'strict decoding error: unknown field "profiles[0].plugin"',
        ),
    ],
)
def test_an_invalid_configuration_is_rejected_with_a_clear_message_and_changes_nothing(
    cluster, document, message
):
    with pytest.raises(InvalidSchedulerConfig) as caught:
        cluster.set_scheduler_config(document)
    assert message in caught.value.errors
    assert str(caught.value).startswith("invalid KubeSchedulerConfiguration: ")
    assert cluster.scheduler_config is None and set(cluster.scheduler.frameworks) == {"default-scheduler"}


def test_pod_topology_spread_default_constraints_from_plugin_config():
    cluster = Cluster.new(workers=3)
    spread = {
        "name": "PodTopologySpread",
        "args": {
            "defaultingType": "List",
            "defaultConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "nodeTaintsPolicy": "Honor",
                }
            ],
        },
    }
    cluster.set_scheduler_config(config({"schedulerName": "default-scheduler", "pluginConfig": [spread]}))
    from .conftest import deployment

    cluster.apply(deployment(replicas=6))
    cluster.settle()
    counts = {}
    for p in cluster.list("pods", namespace="default", label_selector="app=web"):
        counts[p["spec"]["nodeName"]] = counts.get(p["spec"]["nodeName"], 0) + 1
    assert counts == {"worker-1": 2, "worker-2": 2, "worker-3": 2}


# The decision record ---------------------------------------------------------------------------


def test_the_decision_keeps_each_plugins_verdict_and_raw_normalised_and_weighted_scores(cluster):
    cluster.create(pod("heavy", containers=HEAVY, nodeName="worker-1"))
    cluster.settle()
    cluster.create(pod("next"))
    cluster.settle()
    decision = cluster.scheduling_decision("next")
    assert decision["result"] == "Scheduled" and decision["schedulerName"] == "default-scheduler"
    assert decision["filters"]["worker-1"] == [
        ["NodeUnschedulable", "Success", ""],
        ["NodeName", "Success", ""],
        ["TaintToleration", "Success", ""],
        ["NodeResourcesFit", "Success", ""],
    ]
    assert decision["skipped"]["PreFilter"] == [
        "InterPodAffinity",
        "NodeAffinity",
        "NodePorts",
        "PodTopologySpread",
        "VolumeBinding",
    ]
    assert decision["weights"]["TaintToleration"] == 3
    for node, scores in decision["scores"].items():
        weighted = decision["weightedScores"][node]
        assert weighted == {p: decision["weights"][p] * s for p, s in scores.items()}
        assert decision["totals"][node] == sum(weighted.values())
    assert decision["rawScores"]["worker-1"]["TaintToleration"] == 0
    assert decision["scores"]["worker-1"]["TaintToleration"] == 100  # reversed: no untolerated taint is best
    assert (
        decision["scores"]["worker-1"]["NodeResourcesFit"]
        < decision["scores"]["worker-2"]["NodeResourcesFit"]
    )


def test_a_failed_decision_keeps_the_rejecting_plugin_per_node_and_the_postfilter(cluster):
    cluster.create(
        pod(
            "huge",
            containers=[{"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "64"}}}],
        )
    )
    cluster.settle()
    decision = cluster.scheduling_decision("huge")
    assert decision["result"] == "FailedScheduling"
    assert decision["filters"]["worker-2"][-1] == ["NodeResourcesFit", "Unschedulable", "Insufficient cpu"]
    assert decision["filters"]["control-plane"][-1][:2] == ["TaintToleration", "UnschedulableAndUnresolvable"]
    assert decision["postFilter"][:2] == ["DefaultPreemption", "Unschedulable"]

"""Each kind of declarative check, failing and then passing on a real engine cluster."""

import copy

import pytest

from playground.engine import Cluster
from playground.labs.checks import CheckError, compare, evaluate, field, field_exists, validate

WEB = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]
            },
        },
    },
}


@pytest.fixture(scope="module")
def base():
    return Cluster.new("default", seed=5)


@pytest.fixture
def cluster(base):
    return Cluster.from_dict(copy.deepcopy(base.to_dict()))  # to_dict shares objects with base


def ok(cluster, assertion) -> bool:
    validate({**assertion, "says": "x"}, "test")
    return evaluate(cluster, [{**assertion, "says": "x"}])[0].ok


def test_field_paths_and_comparisons():
    obj = {"spec": {"hard": {"requests.cpu": "2"}, "containers": [{"name": "a", "image": "i"}]}}
    assert field(obj, 'spec.hard["requests.cpu"]') == "2"
    assert field(obj, "spec.containers[name=a].image") == "i" and field(obj, "spec.containers[0].name") == "a"
    assert field(obj, "spec.containers[5].name") is None and field(obj, "spec.nope.x") is None
    assert (
        compare(5, ">= 3") and not compare(2, ">= 3") and compare("2000m", "2") and compare("1Gi", "> 512Mi")
    )
    assert compare("worker-1", "!= worker-2") and not compare(None, ">= 1") and compare(True, True)
    assert not compare("nginx:1.26", "nginx:1.27")


def test_object_counts_fields_conditions_and_labels(cluster):
    ready = {"object": {"kind": "Deployment", "name": "web", "fields": {"status.readyReplicas": ">= 3"}}}
    assert not ok(cluster, ready)
    cluster.create(WEB)
    cluster.settle()
    assert ok(cluster, ready)
    assert ok(cluster, {"object": {"kind": "Deployment", "name": "web", "conditions": {"Available": "True"}}})
    assert not ok(cluster, {"object": {"kind": "Deployment", "name": "web", "labels": ["tier"]}})
    assert ok(cluster, {"object": {"kind": "Pod", "selector": "app=web", "count": 3}})
    some_on_worker_1 = {
        "object": {
            "kind": "Pod",
            "selector": "app=web",
            "every": False,
            "count": ">= 1",
            "fields": {"spec.nodeName": "worker-1"},
        }
    }
    every_on_worker_1 = {
        "object": {"kind": "Pod", "selector": "app=web", "fields": {"spec.nodeName": "worker-1"}}
    }
    assert (
        ok(cluster, some_on_worker_1) != ok(cluster, every_on_worker_1)
        or ok(cluster, every_on_worker_1) is False
    )
    assert ok(cluster, {"object": {"kind": "Pod", "name": "nope", "count": 0}})


def test_spread_endpoints_node_event_and_trace(cluster):
    cluster.create(WEB)
    cluster.settle()
    assert ok(cluster, {"spread": {"pods": "app=web", "min": 3}})
    assert not ok(cluster, {"spread": {"pods": "app=web", "min": 4}})
    assert not ok(cluster, {"endpoints": {"service": "web", "min": 1}})
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]},
        }
    )
    cluster.settle()
    assert ok(cluster, {"endpoints": {"service": "web", "min": 3}})
    lb = cluster.get("Service", "web")["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert ok(cluster, {"trace": {"source": "outside", "destination": f"{lb}:80"}})
    assert not ok(cluster, {"trace": {"source": "outside", "destination": f"{lb}:81"}})

    assert not ok(cluster, {"node": {"name": "worker-1", "cordoned": True}})
    cluster.drain("worker-1", ignore_daemonsets=True)
    cluster.settle()
    assert ok(cluster, {"node": {"name": "worker-1", "cordoned": True, "only_daemonset_pods": True}})
    assert not ok(cluster, {"event": {"reason": "TaintManagerEviction"}})
    cluster.fail_node("worker-2")
    cluster.advance(400)
    assert ok(cluster, {"node": {"name": "worker-2", "ready": False}})
    assert ok(cluster, {"event": {"reason": "TaintManagerEviction", "kind": "Pod"}})


def test_badly_written_checks_are_content_errors():
    with pytest.raises(CheckError, match="exactly one of"):
        validate({"says": "x"}, "t")
    with pytest.raises(CheckError, match="says"):
        validate({"object": {"kind": "Pod"}}, "t")
    with pytest.raises(CheckError, match="unknown kind"):
        validate({"object": {"kind": "Widget"}, "says": "x"}, "t")
    with pytest.raises(CheckError, match="needs service"):
        validate({"endpoints": {"min": 2}, "says": "x"}, "t")


def test_spread_can_require_evenness(cluster):
    spread = {**WEB, "metadata": {"name": "even"}}
    spread["spec"] = {
        **WEB["spec"],
        "replicas": 6,
        "selector": {"matchLabels": {"app": "even"}},
        "template": {"metadata": {"labels": {"app": "even"}}, "spec": WEB["spec"]["template"]["spec"]},
    }
    cluster.create(spread)
    cluster.settle()
    assert ok(cluster, {"spread": {"pods": "app=even", "min": 6, "max_per": 3}})
    assert not ok(cluster, {"spread": {"pods": "app=even", "min": 6, "max_per": 1}})


def test_checks_must_name_real_fields():
    assert field_exists("Deployment", "apps/v1", "status.readyReplicas")
    assert field_exists("Deployment", "apps/v1", "spec.template.spec.containers[name=web].image")
    assert field_exists("ResourceQuota", "v1", 'spec.hard["requests.cpu"]')
    assert field_exists("Pod", "v1", "metadata.labels.tier")
    assert not field_exists("Deployment", "apps/v1", "status.readyReplica")
    assert not field_exists("Deployment", "apps/v1", "spec.template.spec.containers.image")
    with pytest.raises(CheckError, match="Deployment has no field status.ready"):
        validate({"object": {"kind": "Deployment", "fields": {"status.ready": 3}}, "says": "x"}, "t")


def says(cluster, assertion):
    validate({**assertion, "says": "the field message"}, "test")
    result = evaluate(cluster, [{**assertion, "says": "the field message"}])[0]
    return result.ok, result.says, result.missing


def test_a_missing_object_is_named_instead_of_the_field_message(cluster):
    assert says(
        cluster, {"object": {"kind": "Pod", "name": "hello", "fields": {"status.phase": "Running"}}}
    ) == (
        False,
        "There is no pod hello yet.",
        True,
    )
    assert says(cluster, {"object": {"kind": "deploy", "name": "api", "namespace": "team-a"}})[1] == (
        "There is no Deployment api in team-a yet."
    )
    assert says(cluster, {"object": {"kind": "Pod", "selector": "app=web", "count": 2}})[1] == (
        "There is no pod labelled app=web yet."
    )
    assert says(cluster, {"endpoints": {"service": "web"}})[1] == "There is no Service web yet."
    assert (
        says(cluster, {"node": {"name": "worker-9", "cordoned": True}})[1] == "There is no node worker-9 yet."
    )
    assert says(cluster, {"spread": {"pods": "app=web"}})[1] == "There is no pod labelled app=web yet."
    assert says(cluster, {"trace": {"load_balancer": "web", "port": 80}})[1] == "There is no Service web yet."
    assert says(cluster, {"event": {"reason": "Killing", "kind": "Pod", "name": "hello"}})[1] == (
        "There is no pod hello yet."
    )
    # Wanting it gone is not a missing object; an event that names no object says its own.
    assert says(cluster, {"object": {"kind": "Pod", "name": "hello", "count": 0}}) == (
        True,
        "the field message",
        False,
    )
    assert says(cluster, {"event": {"reason": "Killing", "kind": "Pod"}}) == (
        False,
        "the field message",
        False,
    )


def test_once_the_object_exists_the_field_message_is_back(cluster):
    cluster.create(WEB)
    cluster.settle()
    assert says(
        cluster, {"object": {"kind": "Deployment", "name": "web", "fields": {"spec.replicas": 5}}}
    ) == (
        False,
        "the field message",
        False,
    )
    assert says(cluster, {"endpoints": {"service": "web"}})[1] == "There is no Service web yet."
    pod = cluster.list("Pod", "default", "app=web")[0]["metadata"]["name"]
    # The pod exists and has not been stopped: the event's own message, not a missing object.
    assert says(cluster, {"event": {"reason": "Killing", "kind": "Pod", "name": pod}}) == (
        False,
        "the field message",
        False,
    )


def test_an_event_name_needs_its_kind():
    with pytest.raises(CheckError, match="an event's name needs the kind"):
        validate({"event": {"reason": "Killing", "name": "hello"}, "says": "x"}, "test")


def test_access_asks_the_rbac_authorizer_for_a_user_or_a_service_account(cluster):
    """An access check answers as `kubectl auth can-i ... --as` would (rbac.authorize)."""
    edit = {
        "user": "developer",
        "verb": "create",
        "group": "apps",
        "resource": "deployments",
        "namespace": "team-a",
    }
    elsewhere = {**edit, "namespace": "default", "allowed": False}
    robot = {"service_account": "team-a/oncall", "verb": "delete", "resource": "pods", "namespace": "team-a"}
    assert not ok(cluster, {"access": edit}) and ok(cluster, {"access": elsewhere})
    assert not ok(cluster, {"access": robot})
    cluster.apply(
        """
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-edit, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: developer}
  - {kind: ServiceAccount, name: oncall, namespace: team-a}
"""
    )
    assert ok(cluster, {"access": edit}) and ok(cluster, {"access": elsewhere})
    assert ok(cluster, {"access": robot})
    # A group the user is in counts too.
    viewer = {
        "user": "alice",
        "groups": ["auditors"],
        "verb": "list",
        "resource": "pods",
        "namespace": "team-a",
    }
    assert not ok(cluster, {"access": viewer})


def test_an_access_check_names_its_identity_verb_and_resource():
    with pytest.raises(CheckError, match="access needs verb and resource"):
        validate({"access": {"user": "u", "verb": "get"}, "says": "x"}, "t")
    with pytest.raises(CheckError, match="access names a user or a service_account"):
        validate({"access": {"verb": "get", "resource": "pods"}, "says": "x"}, "t")
    with pytest.raises(CheckError, match="service_account is NAMESPACE/NAME"):
        validate(
            {"access": {"service_account": "oncall", "verb": "get", "resource": "pods"}, "says": "x"}, "t"
        )


def test_a_missing_object_is_said_in_the_pages_language():
    """The learner's page is in Chinese: "not there yet" is too; the kind and names stay."""
    from django.utils import translation

    from playground.labs.checks import missing

    assert missing("Pod", "hello") == "There is no pod hello yet."
    with translation.override("zh-hans"):
        assert missing("Pod", "hello") == "还没有 pod hello。"
        assert missing("Deployment", "web", "payments") == "payments 中还没有 Deployment web。"
        assert missing("Pod", selector="app=web") == "还没有带标签 app=web 的 pod。"

"""The workspace, the mirror and the sandbox errors in Simplified Chinese (issue 19): the
vSphere counterparts beside workloads, the host tree's notes, the clock's status line, the
mirror's states and "last heard", and SandboxError messages. Kubernetes' own words (kinds,
kubectl's STATUS column) stay English."""

import html
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from playground import sandboxes
from playground.inventory import COUNTERPART, COUNTERPART_TEXTS
from playground.mirror import reading
from tests.playground.mirror.conftest import fake, mirror_viewer, mirrored  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request to a /zh-hans/ page leaves Chinese active in this thread; later tests
    expect the default language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


WORKLOADS = [
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    },
    {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {
            "replicas": 1,
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "c", "image": "postgres"}]},
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    },
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}
                    }
                }
            },
        },
    },
    # Asks for more CPU than any node has: it waits for the scheduler.
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "huge"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "500"}}}]},
    },
]


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def sandbox_with_workloads(client: Client) -> str:
    location = client.post("/zh-hans/playground/new", {"name": "zh", "profile": "default"})["Location"]
    public_id = re.search(r"/zh-hans/playground/([0-9a-f-]+)/", location).group(1)
    owner = sandboxes.visitor(client.session)
    sandboxes.change(owner, public_id, lambda cluster: cluster.apply(WORKLOADS), "apply")
    return public_id


def test_every_counterpart_the_engine_names_is_marked_and_translated():
    missing = sorted(set(COUNTERPART.values()) - set(COUNTERPART_TEXTS))
    assert missing == [], f"add to inventory.COUNTERPART_TEXTS: {missing}"
    with translation.override("zh-hans"):
        untranslated = sorted(text for text in COUNTERPART_TEXTS if translation.gettext(text) == text)
    assert untranslated == []


def test_the_workspace_trees_in_chinese(client):
    public_id = sandbox_with_workloads(client)
    body = page(client, f"/zh-hans/playground/{public_id}/")
    for english in (
        "vApp with FT/HA (rolling upgrades)",
        "HA/FT group of identical VMs",
        "VMs with fixed identities",
        ">scheduled task<",
        "(not placed)",
        "waiting for the scheduler<",
        "0/2 ready",
        "not on a host yet",
        "(one-armed load balancer)",
        "Next timed work in",
        "Nothing is waiting",
    ):
        assert english not in body, english
    for text in (
        "带 FT/HA 的 vApp（滚动升级）",
        "一组相同虚拟机的 HA/FT 组",
        "具有固定标识的虚拟机",
        "计划任务",
        "（未放置）",
        "等待调度器",
        "0/2 就绪",
        "尚未位于任何主机上",  # the topology diagram's own labels
        "（等待调度器）",
        "Service web（单臂负载均衡器）",
    ):
        assert text in body, text
    assert re.search(r"下一项定时工作在集群时间 .+ 之后|没有等待中的工作：集群已稳定。|个调谐在排队", body)
    assert 'placeholder="Pod/web 或 kube-system/"' in body  # the Monitor tab's object filter
    # Kinds and kubectl's STATUS words stay English.
    assert "Deployment web" in body and "Pending" in body
    obj = page(client, f"/zh-hans/playground/{public_id}/objects/Deployment/default/web/")
    assert '<span class="side-chip side-vsphere">带 FT/HA 的 vApp（滚动升级）</span>' in obj


def test_the_workspace_in_english_is_unchanged(client):
    location = client.post("/playground/new", {"name": "en", "profile": "default"})["Location"]
    public_id = re.search(r"/playground/([0-9a-f-]+)/", location).group(1)
    sandboxes.change(sandboxes.visitor(client.session), public_id, lambda c: c.apply(WORKLOADS), "apply")
    body = page(client, location)
    assert "vApp with FT/HA (rolling upgrades)" in body and "(not placed)" in body and "0/2 ready" in body


def test_sandbox_errors_in_chinese():
    with translation.override("zh-hans"):
        with pytest.raises(sandboxes.SandboxError) as profile:
            sandboxes.create("owner-zh", "x", "no-such-profile")
        with pytest.raises(sandboxes.SandboxError) as scenario:
            sandboxes.create("owner-zh", "x", "default", scenario="no-such-scenario")
    assert profile.value.message == "未知的配置 'no-such-profile'。"
    assert scenario.value.message == "未知的场景 'no-such-scenario'。"


def test_the_sandbox_limit_and_a_missing_path_in_chinese(client, monkeypatch):
    monkeypatch.setattr(sandboxes, "MAX_SANDBOXES_PER_VISITOR", 1)
    client.post("/zh-hans/playground/new", {"name": "one", "profile": "default"})
    refused = client.post("/zh-hans/playground/new", {"name": "two", "profile": "default"}, follow=True)
    body = html.unescape(refused.content.decode())
    assert "你已经有 1 个沙盒；请先删除一个。" in body and "You already have" not in body
    missing = client.get("/zh-hans/learn/no-such-path/")
    assert missing.status_code == 404
    assert "没有引导路径 'no-such-path'。" in html.unescape(missing.content.decode())


def test_last_heard_and_states_in_chinese():
    class Cluster:
        last_heard = None
        state = "synced"

    with translation.override("zh-hans"):
        assert reading.heard(Cluster())["text"] == "从未"
        for state in reading.STATES:
            assert translation.gettext(state) != state, state
    from datetime import UTC, datetime

    Cluster.last_heard = datetime.fromtimestamp(1000, UTC)
    with translation.override("zh-hans"):
        assert reading.heard(Cluster(), now=1030)["text"] == "30 秒前"
        assert reading.heard(Cluster(), now=1000 + 600)["text"] == "10 分钟前"
    with translation.override("en"):
        assert reading.heard(Cluster(), now=1030)["text"] == "30 s ago"


@pytest.mark.usefixtures("mirrored")
def test_the_mirror_pages_say_state_and_last_heard_in_chinese():
    client = mirror_viewer(Client(), "ops-zh")
    cluster = page(client, "/zh-hans/mirror/lab/")
    state = re.search(r'id="mirror-state">([^<]+)<', cluster).group(1)
    assert state in {"已同步", "正在列举", "正在启动", "正在重新连接", "已停止"}, state
    heard = re.search(r'id="last-heard">([^<]+)<', cluster).group(1)
    assert re.search(r"\d+ 秒前|\d+ 分钟前|从未", heard) and " s ago" not in heard
    assert "resource pool<" not in cluster
    index = page(client, "/zh-hans/mirror/")
    assert re.search(r"\d+ 秒前|\d+ 分钟前|从未", index) and " s ago" not in index
    assert ">synced<" not in index and ">已同步<" in index


def test_the_profiles_and_the_workshop_join_link_in_chinese(client):
    from datetime import timedelta

    from django.utils import timezone

    from playground import workshops

    index = page(client, "/zh-hans/playground/")
    assert "Kubernetes（kubeadm 风格）：一个控制平面和三个工作节点" in index
    assert "一个工作节点，别无其他" in index and "One worker, nothing else" not in index
    ann = User.objects.create_user("ann-zh", password="pw-for-tests-only")  # noqa: S106
    client.force_login(ann)
    now = timezone.now()
    workshop = workshops.create(ann, "Day 1", ["first-pod"], now, now + timedelta(hours=2), 20)
    dashboard = page(client, f"/zh-hans/workshops/{workshop.public_id}/")
    assert "<title>加入链接</title>" in dashboard and "Join link" not in dashboard


def test_workshop_form_errors_and_join_errors_in_chinese(client):
    instructor = User.objects.create_user("ins-zh", password="pw-for-tests-only")  # noqa: S106
    client.force_login(instructor)
    form = {
        "title": "",
        "labs": ["first-pod"],
        "starts": "2026-12-01T09:00",
        "ends": "2026-12-01T12:00",
        "capacity": "30",
    }
    no_title = client.post("/zh-hans/workshops/", form)
    assert no_title.status_code == 400
    assert "工作坊需要一个标题。" in html.unescape(no_title.content.decode())
    shared = client.post(
        "/zh-hans/workshops/",
        {
            **form,
            "title": "Day 1",
            "labs": ["first-pod", "self-healing"],
            "place-first-pod": "1",
            "place-self-healing": "1",
        },
    )
    body = html.unescape(shared.content.decode())
    assert "两个实验不能在顺序中占据同一位置（位置 1 被指定了不止一次）。" in body
    assert "cannot share a place" not in body
    learner = Client()
    unnamed = learner.post("/zh-hans/join/", {"code": "ZZZZZZ", "name": ""})
    text = html.unescape(unnamed.content.decode())
    assert "请填写显示名称。" in text and "Please give a display name." not in text


def test_object_page_analogy_errors_and_examples_in_chinese(client):
    public_id = sandbox_with_workloads(client)
    obj = page(client, f"/zh-hans/playground/{public_id}/objects/Deployment/default/web/")
    assert "Deployment 维持 N 个相同的 Pod" in obj and "keeps N identical pods" not in obj
    workspace = page(client, f"/zh-hans/playground/{public_id}/")
    assert "带配额的命名空间" in workspace and "无法拉取镜像的 Pod" in workspace
    assert ">Namespace with quota<" not in workspace
    unknown = client.post(f"/zh-hans/playground/{public_id}/clock", {"do": "nope"}, follow=True)
    assert "未知的时钟操作 'nope'。" in html.unescape(unknown.content.decode())
    paused = client.post(f"/zh-hans/playground/{public_id}/clock", {"do": "pause"}, follow=True)
    assert "时钟已暂停。" in html.unescape(paused.content.decode())
    missing = client.get("/zh-hans/labs/attempt/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404
    assert "没有这次实验记录，或者它属于别人。" in html.unescape(missing.content.decode())


def test_host_actions_identity_errors_and_the_mirror_gate_in_chinese(client):
    public_id = sandbox_with_workloads(client)
    maintenance = client.post(
        f"/zh-hans/playground/{public_id}/nodes/worker-3/enter-maintenance", follow=True
    )
    body = html.unescape(maintenance.content.decode())
    assert "worker-3 已进入维护模式" in body or "worker-3 已被封锁但未被腾空" in body
    assert "在 Kubernetes 中：kubectl drain worker-3 --ignore-daemonsets --delete-emptydir-data" in body
    assert "is in maintenance mode" not in body
    failed = client.post(f"/zh-hans/playground/{public_id}/nodes/worker-2/fail", follow=True)
    assert "worker-2 已失效：它的 kubelet 停止上报状态。" in html.unescape(failed.content.decode())
    unnamed = client.post(
        f"/zh-hans/playground/{public_id}/identities", {"kind": "user", "username": ""}, follow=True
    )
    assert "请填写用户名。" in html.unescape(unnamed.content.decode())
    account = client.post(
        f"/zh-hans/playground/{public_id}/identities",
        {"kind": "serviceaccount", "serviceaccount": "ci"},
        follow=True,
    )
    assert "请以 命名空间/名称 的形式填写 ServiceAccount" in html.unescape(account.content.decode())
    nobody = User.objects.create_user("no-mirror", password="pw-for-tests-only")  # noqa: S106
    client.force_login(nobody)
    gate = client.get("/zh-hans/mirror/")
    assert gate.status_code == 403
    assert "镜像集群仅供拥有“view mirror”权限的人查看。" in html.unescape(gate.content.decode())

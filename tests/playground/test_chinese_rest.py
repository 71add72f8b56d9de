"""The last English on the Chinese site (issue 19): snapshot labels, add-on descriptions,
the kubelet's volume-mount steps, the mirror's connection problems and copy errors, and the
vSphere analogues of Recent Tasks. Stored data stays English (old rows read the same);
Kubernetes' own words (Events, kubectl's output) stay English."""

import html
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from playground import sandboxes, snapshot_labels
from playground.engine import addons
from playground.kubeapi import handler
from playground.mirror import reading
from playground.models import MirroredCluster, Snapshot
from playground.views import NODE_ACTIONS
from tests.playground.mirror.conftest import fake, mirror_viewer, mirrored  # noqa: F401 (fixtures)
from tests.playground.test_chinese import WORKLOADS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def page(client: Client, url: str, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def new_sandbox(client: Client, prefix: str = "/zh-hans") -> str:
    location = client.post(f"{prefix}/playground/new", {"name": "rest", "profile": "default"})["Location"]
    return re.search(r"/playground/([0-9a-f-]+)/", location).group(1)


def snapshot_texts(body: str) -> list[str]:
    listed = re.search(r'<ol class="snapshots">(.*?)</ol>', body, re.S).group(1)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
        for li in re.findall(r"<li.*?</li>", listed, re.S)
    ]


# Snapshot labels -------------------------------------------------------------------------


def test_every_label_shape_the_code_writes_is_known_and_translated():
    labels = [
        "Apply YAML",
        "Add host",
        "Step",
        "Settle",
        "Reset",
        "Scheduler configuration",
        "Before the instructor reset this lab",
        "Edit settings: Deployment web",
        "Edit resource settings: team-a",
        "Lab solution: Run a pod",
        "Apply translation of vm.ovf",
        "As copied from lab",
        *(f"{title}: worker-1" for title, _happened, _how in NODE_ACTIONS.values()),
        *(f"kubectl: {verb} deployments/web" for verb in ("create", "replace", "patch", "delete")),
        "Before going back to: Add host",
    ]
    with translation.override("zh-hans"):
        for label in labels:
            assert snapshot_labels.describe(label) != label, label
    with translation.override("en"):
        for label in labels:
            assert snapshot_labels.describe(label) == label, label


def test_labels_in_chinese_keep_the_names_and_leave_the_unknown_alone():
    with translation.override("zh-hans"):
        assert snapshot_labels.describe("Simulate host failure: worker-2") == "模拟主机故障：worker-2"
        assert snapshot_labels.describe("Edit settings: StatefulSet db") == "编辑设置：StatefulSet db"
        assert (
            snapshot_labels.describe("kubectl: patch deployments/web/scale")
            == "kubectl：修补 deployments/web/scale"
        )
        assert (
            snapshot_labels.describe("Before going back to: Power on: worker-2")
            == "回退到“打开电源：worker-2”之前"
        )
        # A console command, a label no shape knows, one cut short: as stored.
        for label in (
            "kubectl scale deployment web --replicas=3",
            "Something old",
            "Edit settings: Deployment",
        ):
            assert snapshot_labels.describe(label) == label


def test_the_kubeapi_labels_are_the_shapes_described():
    class Rt:
        plural = "deployments"

    class Target:
        rt, name, subresource = Rt, "web", None

    class Req:
        method = "PATCH"

    label = handler.describe(Req, Target)
    with translation.override("zh-hans"):
        assert snapshot_labels.describe(label) == "kubectl：修补 deployments/web"


def test_the_snapshot_list_in_chinese_and_an_old_label_still_readable(client):
    public_id = new_sandbox(client)
    owner = sandboxes.visitor(client.session)
    client.post(f"/zh-hans/playground/{public_id}/nodes/worker-2/fail")
    sandbox = sandboxes.get(owner, public_id)
    # A row stored before labels had shapes, and one no shape will ever match.
    Snapshot.objects.create(sandbox=sandbox, label="An old label from 2025", state=sandbox.state or "{}")
    body = page(client, f"/zh-hans/playground/{public_id}/?tab=summary")
    shown = snapshot_texts(body)
    assert any(text.startswith("操作前：模拟主机故障：worker-2") for text in shown), shown
    assert any(text.startswith("操作前：An old label from 2025") for text in shown), shown
    assert "Simulate host failure" not in " ".join(shown)
    target = sandbox.snapshots.get(label="Simulate host failure: worker-2")
    client.post(f"/zh-hans/playground/{public_id}/rewind", {"snapshot": target.pk})
    after = page(client, f"/zh-hans/playground/{public_id}/?tab=summary")
    assert any(text.startswith("回退到“模拟主机故障：worker-2”之前") for text in snapshot_texts(after))
    # Stored as before, in English.
    assert sandbox.snapshots.filter(label="Before going back to: Simulate host failure: worker-2").exists()


def test_the_snapshot_list_in_english_is_unchanged(client):
    public_id = new_sandbox(client, "")
    client.post(f"/playground/{public_id}/nodes/worker-2/fail")
    shown = snapshot_texts(page(client, f"/playground/{public_id}/?tab=summary"))
    assert any(text.startswith("Before: Simulate host failure: worker-2") for text in shown), shown


def test_reset_and_rewind_messages_in_chinese(client):
    public_id = new_sandbox(client)
    reset = client.post(f"/zh-hans/playground/{public_id}/reset", follow=True)
    assert "沙盒已重置为初始状态。旧状态保存为快照“操作前：重置”。" in html.unescape(reset.content.decode())
    snap = sandboxes.get(sandboxes.visitor(client.session), public_id).snapshots.first()
    rewound = client.post(f"/zh-hans/playground/{public_id}/rewind", {"snapshot": snap.pk}, follow=True)
    assert "已回到该快照；时钟已暂停，你可以四处看看。" in html.unescape(rewound.content.decode())


# The kubelet's volume-mount steps ------------------------------------------------------------


MISSING_CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "needs-cm"},
    "spec": {
        "containers": [
            {"name": "c", "image": "nginx", "volumeMounts": [{"name": "cfg", "mountPath": "/cfg"}]}
        ],
        "volumes": [{"name": "cfg", "configMap": {"name": "missing-cm"}}],
    },
}


def test_the_missing_configmap_volume_step_in_chinese_and_its_event_in_english(client):
    public_id = new_sandbox(client)
    owner = sandboxes.visitor(client.session)
    client.post(f"/zh-hans/playground/{public_id}/clock", {"do": "pause"})
    sandboxes.change(owner, public_id, lambda c: c.apply([MISSING_CONFIGMAP]), "apply")
    client.post(f"/zh-hans/playground/{public_id}/clock", {"do": "settle"})
    english = 'MountVolume.SetUp failed for volume "cfg" : configmap "missing-cm" not found'
    cluster = sandboxes.loaded(sandboxes.get(owner, public_id))
    step = next(s for s in cluster.steps if s.get("action") == "FailedMount")
    assert step["message"] == english and step["text"]["values"]["name"] == "missing-cm"
    assert any(e.get("message") == english for e in cluster.events(kind="Pod", name="needs-cm"))
    fragment = page(
        client, f"/zh-hans/playground/{public_id}/", data={"parts": "summary"}, HTTP_HX_REQUEST="true"
    )
    assert '无法挂载卷 "cfg"（MountVolume.SetUp 失败）：找不到 configmap "missing-cm"' in fragment
    assert english not in fragment


def test_multi_attach_reads_in_chinese():
    from playground.engine.text import Text

    text = Text(
        'Multi-Attach error for volume "%(volume)s" Volume is already used by pod(s) %(pods)s',
        {"volume": "pv-1", "pods": "db-0"},
    )
    assert str(text) == 'Multi-Attach error for volume "pv-1" Volume is already used by pod(s) db-0'
    with translation.override("zh-hans"):
        assert (
            text.render(translation.gettext)
            == '卷 "pv-1" 多重挂接错误（Multi-Attach）：该卷已被 Pod db-0 使用'
        )


# Add-on descriptions ----------------------------------------------------------------------


GATEWAY = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "Gateway",
    "metadata": {"name": "gw"},
    "spec": {"gatewayClassName": "none", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]},
}


def test_addon_descriptions_in_chinese_where_custom_resources_are_listed(client):
    public_id = new_sandbox(client)
    owner = sandboxes.visitor(client.session)
    sandboxes.change(owner, public_id, lambda c: c.apply([GATEWAY]), "apply")
    english = addons.description("gateway.networking.k8s.io", "Gateway")
    assert english.startswith("Gateway asks for a traffic-handling point")
    workspace = page(client, f"/zh-hans/playground/{public_id}/?tab=workloads")
    assert 'title="Gateway 请求某个 GatewayClass 的流量处理点' in workspace and english not in workspace
    obj = page(client, f"/zh-hans/playground/{public_id}/objects/Gateway/default/gw/")
    assert re.search(r'id="kind-about">Gateway 请求某个 GatewayClass 的流量处理点', obj)
    english_page = page(client, f"/playground/{public_id}/objects/Gateway/default/gw/")
    assert english in english_page


def test_every_addon_description_is_marked_and_translated():
    modules = (addons.gateway_api, addons.vks, addons.vm_service, addons.volume_snapshots)
    with translation.override("zh-hans"):
        for module in modules:
            for kind, text in module.DESCRIPTIONS.items():
                assert addons.description(module.GROUP, kind) == text
                assert translation.gettext(text) != text, kind


# The mirror ------------------------------------------------------------------------------


def test_the_mirrors_connection_problems_in_chinese():
    refused = MirroredCluster(name="x", message="pods: 403 Forbidden: pods is forbidden: User cannot list")
    unreached = MirroredCluster(
        name="x", message="pods: HTTPSConnectionPool(host='10.0.0.1', port=6443): timed out"
    )
    bare = MirroredCluster(name="x", message="HTTPSConnectionPool(host='10.0.0.1', port=6443): refused")
    with translation.override("zh-hans"):
        assert (
            reading.problem(refused)
            == "集群拒绝镜像读取 pods（403 Forbidden）：pods is forbidden: User cannot list"
        )
        assert reading.problem(unreached) == (
            "镜像无法连接集群以读取 pods：HTTPSConnectionPool(host='10.0.0.1', port=6443): timed out"
        )
        assert reading.problem(bare).startswith("镜像无法连接集群：HTTPSConnectionPool")
        assert reading.problem(MirroredCluster(name="x", message="")) == ""
    with translation.override("en"):
        assert reading.problem(unreached).startswith("The mirror cannot reach the cluster to read pods: ")


@pytest.mark.usefixtures("mirrored")
def test_the_mirror_page_and_copy_errors_in_chinese():
    client = mirror_viewer(Client(), "ops-rest")
    MirroredCluster.objects.filter(name="lab").update(message="pods: 401 Unauthorized: Unauthorized")
    body = page(client, "/zh-hans/mirror/lab/")
    assert (
        '<div class="alert" role="alert">集群拒绝镜像读取 pods（401 Unauthorized）：Unauthorized</div>'
        in body
    )
    bad = client.post("/zh-hans/mirror/lab/copy", {"scope": "chosen", "namespace": ["nope"]})
    assert bad.status_code == 400 and "镜像集群 lab 中没有命名空间 nope。" in html.unescape(
        bad.content.decode()
    )
    none = client.post("/zh-hans/mirror/lab/copy", {"scope": "chosen"})
    assert "请至少选择一个要复制的命名空间。" in html.unescape(none.content.decode())


# Recent Tasks' vSphere analogues ---------------------------------------------------------------


def test_the_vsphere_analogues_in_chinese(client):
    from playground.inventory import ANALOGUE_BY_MESSAGE, EVENT_ANALOGUES, NO_ANALOGUE

    texts = {t for t in EVENT_ANALOGUES.values() if t != NO_ANALOGUE}
    texts |= {text for pairs in ANALOGUE_BY_MESSAGE.values() for _prefix, text in pairs}
    with translation.override("zh-hans"):
        assert sorted(t for t in texts if translation.gettext(t) == t) == []
    public_id = new_sandbox(client)
    sandboxes.change(sandboxes.visitor(client.session), public_id, lambda c: c.apply(WORKLOADS[:1]), "apply")
    client.post(f"/zh-hans/playground/{public_id}/clock", {"do": "settle"})
    body = page(client, f"/zh-hans/playground/{public_id}/events")
    assert "打开虚拟机电源" in body and "Power on VM" not in body
    assert "Started container" in body  # the Event's message stays English

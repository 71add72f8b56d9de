"""The control loops' narration (the Summary tab's steps, the Step button's message) in the
visitor's language (issue 19): a zh-hans page renders each step's "text" in Chinese, the
English page shows the stored English "message", and a step stored before steps had "text"
still shows (in English). Kubernetes Events stay English."""

import html
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from playground import sandboxes
from playground.engine.text import narrate
from tests.playground.mirror.conftest import mirror_viewer
from tests.playground.test_chinese import WORKLOADS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def new_sandbox(client: Client, prefix: str) -> str:
    location = client.post(f"{prefix}/playground/new", {"name": "narration", "profile": "default"})[
        "Location"
    ]
    public_id = re.search(r"/playground/([0-9a-f-]+)/", location).group(1)
    # Paused, a page shows the steps as saved: no work runs while it renders.
    client.post(f"{prefix}/playground/{public_id}/clock", {"do": "pause"})
    return public_id


def act(client: Client, prefix: str, public_id: str) -> list[dict]:
    """Apply a Deployment, settle, scale it up, settle, fail a host: the steps of each."""
    owner = sandboxes.visitor(client.session)
    sandboxes.change(owner, public_id, lambda c: c.apply(WORKLOADS[:1]), "apply")
    client.post(f"{prefix}/playground/{public_id}/clock", {"do": "settle"})
    sandboxes.change(owner, public_id, lambda c: c.api.scale("Deployment", "web", "default", 4), "scale")
    client.post(f"{prefix}/playground/{public_id}/clock", {"do": "settle"})
    response = client.post(f"{prefix}/playground/{public_id}/nodes/worker-2/fail")
    assert response.status_code in (200, 302)
    return list(sandboxes.loaded(sandboxes.get(owner, public_id)).steps)[-8:][::-1]


def shown_steps(client: Client, prefix: str, public_id: str) -> list[str]:
    fragment = client.get(
        f"{prefix}/playground/{public_id}/", {"parts": "summary"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    steps = re.search(r'<ol class="steps">(.*?)</ol>', fragment, re.S).group(1)
    return [
        html.unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li[^>]*>(.*?)</li>", steps, re.S)
    ]


def test_a_chinese_page_narrates_in_chinese(client):
    public_id = new_sandbox(client, "/zh-hans")
    steps = act(client, "/zh-hans", public_id)
    shown = shown_steps(client, "/zh-hans", public_id)
    assert len(shown) == len(steps) == 8
    assert shown[0] == "operator: worker-2 断电：它的 kubelet 停止上报状态"
    with translation.override("zh-hans"):
        chinese = [narrate(step, translation.gettext) for step in steps]
    for step, line, text in zip(steps, shown, chinese, strict=True):
        assert "text" in step, step  # every step of this story can be told in Chinese
        assert line == f"{step['component']}: {text}", line  # component names stay
        assert step["message"] not in line and re.search(r"[\u4e00-\u9fff]", text), line
    body = "\n".join(shown)
    assert re.search(r"ReplicaSet web-\w+ 创建了 2 个 Pod，以达到 4 个副本", body)
    assert re.search(r"kube-scheduler: 已成功将 default/web-\w+-\w+ 分配到 worker-\d", body)
    assert re.search(r"worker-\d 正在拉取镜像 nginx", body) and re.search(r"worker-\d 启动了容器 c", body)
    # Kubernetes Events stay English, as kubectl shows them.
    events = html.unescape(
        client.get(f"/zh-hans/playground/{public_id}/objects/Deployment/default/web/").content.decode()
    )
    assert re.search(r"Scaled up replica set web-\w+ from 2 to 4", events)
    # The Step button's message is narrated too.
    sandboxes.change(
        sandboxes.visitor(client.session),
        public_id,
        lambda c: c.api.scale("Deployment", "web", "default", 1),
        "scale",
    )
    stepped = client.post(f"/zh-hans/playground/{public_id}/clock", {"do": "step"}, follow=True)
    said = html.unescape(stepped.content.decode())
    assert re.search(
        r"kube-controller-manager \(deployment\): Deployment web：将 ReplicaSet web-\w+ 从 4 个副本缩容到 1 个",
        said,
    )
    assert "Scaled down replica set" not in said.split('<ol class="steps">')[0]


def test_an_english_page_shows_the_stored_english_messages(client):
    public_id = new_sandbox(client, "")
    steps = act(client, "", public_id)
    shown = shown_steps(client, "", public_id)
    assert shown == [f"{s['component']}: {s['message']}" for s in steps]
    assert shown[0] == "operator: worker-2 lost power: its kubelet stopped posting status"


def test_a_step_stored_before_steps_had_text_still_shows(client):
    public_id = new_sandbox(client, "/zh-hans")
    old = {
        "component": "kube-controller-manager (endpoints)",
        "action": "Sync",
        "kind": "Service",
        "namespace": "default",
        "name": "web",
        "message": "Service web now has 2 ready endpoint(s) of 2 pod(s)",
        "time": "2026-01-01T00:00:00.000000Z",
        "controller": "endpoints",
    }
    owner = sandboxes.visitor(client.session)
    sandboxes.change(owner, public_id, lambda c: c.steps.append(dict(old)), "old step")
    shown = shown_steps(client, "/zh-hans", public_id)
    assert (
        shown[0] == "kube-controller-manager (endpoints): Service web now has 2 ready endpoint(s) of 2 pod(s)"
    )


def test_the_network_plugin_and_load_balancer_names_in_chinese(client):
    public_id = new_sandbox(client, "/zh-hans")
    live = html.unescape(
        client.get(
            f"/zh-hans/playground/{public_id}/", {"parts": "network"}, HTTP_HX_REQUEST="true"
        ).content.decode()
    )
    assert "MetalLB（模拟插件，二层模式，命名空间 metallb-system）" in live
    assert "Flannel（VXLAN 后端，命名空间 kube-flannel）" in live
    assert "simulated addon" not in live and "VXLAN backend" not in live
    network = html.unescape(client.get(f"/zh-hans/playground/{public_id}/network/").content.decode())
    assert "Flannel（VXLAN 后端，命名空间 kube-flannel）" in network and "VXLAN backend" not in network
    english = html.unescape(client.get(f"/playground/{public_id}/network/").content.decode())
    assert "Flannel (VXLAN backend, namespace kube-flannel)" in english


def test_the_mirror_page_says_why_the_kubeconfig_cannot_be_read_in_chinese(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("contexts: [not, a, mapping\n")
    monkeypatch.setenv("KUBECONFIG", str(config))
    client = mirror_viewer(Client(), "mirror-zh")
    chinese = html.unescape(client.get("/zh-hans/mirror/").content.decode())
    assert "无法读取 kubeconfig：" in chinese and "cannot read the kubeconfig" not in chinese
    english = html.unescape(client.get("/mirror/").content.decode())
    assert "cannot read the kubeconfig: " in english

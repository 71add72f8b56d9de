"""The translator's page in Simplified Chinese (issue 19): the mapping table's rows, the
"no equivalent" reasons, the description of the file and the form's errors are Chinese;
field paths, kinds and names stay as Kubernetes writes them."""

import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

SAMPLES = Path(__file__).parent / "samples"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request to a /zh-hans/ page leaves Chinese active in this thread; later tests
    expect the default language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def chinese(client: Client, name: str) -> str:
    response = client.post("/zh-hans/translate/", {"source": (SAMPLES / name).read_text(), "filename": name})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_mapping_table_of_a_vmx_in_chinese(client):
    body = chinese(client, "web01.vmx")
    for english in (
        "No equivalent",
        "with 1 VM",
        "1 disk,",
        "simulated: stored, not run",
        "line 3<",
        "a container does not boot firmware.",
        "(chosen because the VM mentions 'nginx')",
        "the pod's one interface",
        "replace VMware Tools heartbeats",
        " key app.port → env APP_PORT",
    ):
        assert english not in body, english
    for text in (
        "，包含 1 台虚拟机：",
        "1 个磁盘",
        "模拟的：只保存，不运行",
        "第 3 行",
        "无对应项：容器不引导固件。",
        "无对应项：容器共享节点的内核，不带客户机操作系统；由镜像 nginx:1.27 取代它（之所以选它，是因为虚拟机提到了 'nginx'）。",
        "Service web01（端口 80）；Pod 唯一的接口",
        "readinessProbe 和 livenessProbe（tcpSocket :80）取代 VMware Tools 检测信号",
        "ConfigMap web01-config 的键 app.port → 环境变量 APP_PORT；另有 containerPort 80 和 Service web01 端口 80",
    ):
        assert text in body, text
    # Field paths and values stay as Kubernetes writes them.
    assert "spec.readinessProbe.guestHeartbeat.thresholdStatus: green" in body


def test_a_vapp_a_second_nic_and_an_assumed_port_in_chinese(client):
    vapp = chinese(client, "shop-vapp.ovf")
    assert "：vApp <strong>shop</strong>，包含 3 台虚拟机：" in vapp
    assert "（vApp）" in vapp and "(vApp)" not in vapp
    assert "VirtualSystemCollection[shop]/StartupSection (第 27 行)" in vapp
    assert "每个对象上的标签 app.kubernetes.io/part-of: shop" in vapp
    lb = chinese(client, "lb-appliance.ovf")
    assert "无对应项：Pod 只有一个网络接口（第二个需要 Multus，不属于核心 Kubernetes）。" in lb
    assert "Multus, outside core Kubernetes" not in lb
    # sql01 has no port in its file: a row says which one is assumed.
    sql = chinese(client, "sql01.ovf")
    assert "（文件中没有端口）" in sql and "假定为 1433" in sql
    assert "(no port in the file)" not in sql and "1433 assumed" not in sql


def test_the_form_errors_in_chinese(client):
    empty = Client().post("/zh-hans/translate/", {"source": ""})
    assert empty.status_code == 400
    body = empty.content.decode()
    assert "请粘贴 .vmx 或 .ovf，或选择要上传的文件。" in body
    assert "Paste a .vmx or an .ovf" not in body
    unknown = client.post(
        "/zh-hans/translate/download", {"source": (SAMPLES / "web01.vmx").read_text(), "target": "x"}
    )
    assert unknown.status_code == 400
    assert unknown.content.decode() == "未知的转换 'x'：请选择 vm 或 workload。\n"


def test_english_rows_are_unchanged(client):
    body = html.unescape(
        client.post("/translate/", {"source": (SAMPLES / "web01.vmx").read_text()}).content.decode()
    )
    assert "No equivalent: a container does not boot firmware." in body
    assert "line 3<" in body and "with 1 VM:" in body and "1 disk, 1 NIC" in body


def test_a_file_that_cannot_be_read_is_explained_in_chinese(client):
    broken = client.post("/zh-hans/translate/", {"source": (SAMPLES / "broken.ovf").read_text()})
    assert broken.status_code == 400
    body = html.unescape(broken.content.decode())
    assert "第 11 行第 9 列：XML 格式不正确（mismatched tag）" in body  # expat's own reason stays English
    assert "not well-formed XML" not in body
    xxe = html.unescape(
        client.post("/zh-hans/translate/", {"source": (SAMPLES / "xxe.ovf").read_text()}).content.decode()
    )
    assert "OVF 描述符从不需要它，因此被拒绝" in xxe and "so it is refused" not in xxe
    vmx = client.post("/zh-hans/translate/", {"source": "just some words\n", "filename": "x.vmx"})
    text = html.unescape(vmx.content.decode())
    assert "第 1 行：应为 key = \"value\"，实际为 'just some words'" in text
    binary = client.post(
        "/zh-hans/translate/",
        {"file": SimpleUploadedFile("disk.vmx", b"\x00\x01binary")},
    )
    assert "文件 disk.vmx 是二进制内容（第 0 个字节为 NUL）" in html.unescape(binary.content.decode())
    # The command and str() keep English.
    english = client.post("/translate/", {"source": (SAMPLES / "broken.ovf").read_text()})
    assert "line 11, column 9: not well-formed XML (mismatched tag)" in english.content.decode()

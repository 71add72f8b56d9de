"""The interface in Simplified Chinese (issue 19, docs/i18n.md): /zh-hans/ pages, the
language switcher, Accept-Language on the first visit, English URLs unchanged, and a
message catalogue that holds every marked string, translated."""

import contextlib
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from playground.models import Workshop
from tests.playground.mirror.conftest import fake, mirror_viewer, mirrored  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def page(client, url, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_english_urls_are_unchanged_and_english():
    client = Client()
    assert reverse("concepts:pair", args=["vm-pod"]) == "/concepts/vm-pod/"
    assert reverse("playground:labs") == "/labs/"
    html = page(client, "/concepts/vm-pod/")
    assert '<html lang="en">' in html
    assert "How they match" in html
    # The switcher offers Chinese, for this same page.
    assert '<input type="hidden" name="next" value="/zh-hans/concepts/vm-pod/">' in html
    assert 'name="language" value="zh-hans"' in html


def test_infrastructure_paths_have_no_language_prefix():
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/zh-hans/healthz").status_code == 404
    assert client.get("/zh-hans/k8s/no-such-token/api").status_code == 404
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/zh-hans/admin/login/").status_code == 404
    with translation.override("zh-hans"):
        assert reverse("healthz") == "/healthz"
        assert reverse("concepts:glossary") == "/zh-hans/glossary/"


def test_the_home_page_in_chinese():
    html = page(Client(), "/zh-hans/")
    assert '<html lang="zh-Hans">' in html
    assert "你已经在管理集群了。" in html
    assert "从这里开始：你使用 Kubernetes 的第一天" in html
    assert 'href="/zh-hans/concepts/' in html  # links stay in Chinese
    assert "资源管理" in html  # category titles
    assert 'name="language" value="en"' in html and "English" in html


def test_a_pair_in_chinese_keeps_commands_and_manifest_in_english():
    html = page(Client(), "/zh-hans/concepts/resource-pool-namespace/")
    for text in ("相同之处", "不同之处", "常用命令对照", "示例清单", "已对照"):
        assert text in html
    assert "kubectl create namespace team-a" in html
    assert "kind: Namespace" in html


def test_the_glossary_in_chinese():
    html = page(Client(), "/zh-hans/glossary/")
    assert "<h1>术语表</h1>" in html
    assert 'data-template="显示 SHOWN / TOTAL 个术语"' in html


def test_labs_list_and_a_lab_workspace_in_chinese():
    client = Client()
    html = page(client, "/zh-hans/labs/")
    assert "开始这个实验" in html and "入门" in html
    response = client.post("/zh-hans/labs/first-pod/start")
    assert response.status_code == 302
    assert response["Location"].startswith("/zh-hans/labs/attempt/")
    workspace = page(client, response["Location"])
    assert '<html lang="zh-Hans">' in workspace
    for text in ("任务 1：", "立即检查", "尚未完成：", "下载 kubeconfig", "键盘快捷键", "摘要", "主机和集群"):
        assert text in workspace, text
    # kubectl's own words stay English.
    assert "kubectl" in workspace


def test_the_workshop_pages_for_an_instructor_in_chinese():
    instructor = Client()
    User.objects.create_user("ann", password="s3cret-pass")
    response = instructor.post("/zh-hans/accounts/login/", {"username": "ann", "password": "s3cret-pass"})
    assert response.status_code == 302
    listing = page(instructor, "/zh-hans/workshops/")
    assert "<h1>你的工作坊</h1>" in listing and "创建工作坊" in listing
    now = timezone.localtime()
    response = instructor.post(
        "/zh-hans/workshops/",
        {
            "title": "团队培训",
            "labs": ["first-pod"],
            "starts": now.strftime("%Y-%m-%dT%H:%M"),
            "ends": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "3",
        },
    )
    assert response.status_code == 302
    workshop = Workshop.objects.get()
    dashboard = page(instructor, f"/zh-hans/workshops/{workshop.public_id}/")
    for text in ("控制", "发给所有人的消息", "还没有人加入。", "导出结果（CSV）", "讲师备注："):
        assert text in dashboard, text


def test_the_switcher_keeps_the_page_and_sets_the_cookie():
    client = Client(enforce_csrf_checks=False)
    response = client.post(
        "/i18n/setlang/",
        {"language": "zh-hans", "next": "/zh-hans/concepts/vm-pod/"},
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/concepts/vm-pod/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    html = page(client, "/zh-hans/labs/")
    assert '<input type="hidden" name="next" value="/labs/">' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/labs/"})
    assert response["Location"] == "/labs/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_the_switcher_form_is_protected_by_csrf():
    client = Client(enforce_csrf_checks=True)
    html = page(client, "/zh-hans/glossary/")
    assert 'action="/i18n/setlang/"' in html and "csrfmiddlewaretoken" in html
    assert '<input type="hidden" name="next" value="/glossary/">' in html
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/glossary/"}).status_code == 403


def test_accept_language_chooses_chinese_on_the_first_visit_only():
    client = Client()
    response = client.get("/concepts/vm-pod/?x=1", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/concepts/vm-pod/?x=1"
    assert "Accept-Language" in response["Vary"]
    # English first, or a language the site does not speak: English.
    assert client.get("/concepts/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9,zh;q=0.5").status_code == 200
    assert client.get("/concepts/", HTTP_ACCEPT_LANGUAGE="fr-FR").status_code == 200
    # Once the visitor chose English with the switcher, the cookie wins.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client, "/concepts/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en">' in html
    # Never for the API, health probes or form posts.
    other = Client()
    assert other.get("/healthz", HTTP_ACCEPT_LANGUAGE="zh-CN").status_code == 200
    assert other.get("/version", HTTP_ACCEPT_LANGUAGE="zh-CN").status_code != 302


def test_the_catalogue_holds_every_marked_string_translated(tmp_path):
    """makemessages over the project (into a copy of the committed catalogue) must find no
    msgid the committed catalogue lacks, and the catalogue must have no empty or fuzzy
    translation; the compiled .mo must be the .po's."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext (xgettext) is not installed; the Makefile's packages include it")
    committed = CATALOGUE.read_text(encoding="utf-8")
    assert "#, fuzzy" not in committed
    entries = _entries(committed)
    untranslated = [msgid for msgid, msgstr in entries.items() if msgid and not msgstr]
    assert untranslated == []

    # Run makemessages on a copy of the project's source so the committed files stay put.
    copy = tmp_path / "project"
    for name in ("concepts", "playground", "translator", "templates", "config"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.yaml"))
    (copy / "locale").mkdir()
    with contextlib.chdir(copy), override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], no_location=True, verbosity=0)
    found = _entries((copy / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    missing = sorted(set(found) - set(entries))
    assert missing == [], f"marked but not in locale/zh_Hans/LC_MESSAGES/django.po: {missing}"

    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(CATALOGUE)], check=True)
    assert compiled.read_bytes() == CATALOGUE.with_suffix(".mo").read_bytes(), "recompile the .mo"


def _entries(text: str) -> dict[str, str]:
    """msgid → msgstr (msgstr[0] for plurals) of a .po file."""
    entries = {}
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?|msgstr\[\d+\]|msgctxt) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            entries[fields["msgid"]] = fields.get("msgstr", fields.get("msgstr[0]", ""))
    return entries


def test_recent_tasks_page_and_the_identity_form_in_chinese():
    client = Client()
    workspace = page(client, client.post("/zh-hans/labs/first-pod/start")["Location"])
    # The identity form (templates/playground/_identities.html) is part of the workspace.
    for text in ("为另一个身份生成 kubeconfig", "上下文的初始命名空间", "（以逗号分隔，可选）"):
        assert text in workspace, text
    # The command itself stays English, as kubectl takes it.
    assert "kubectl create rolebinding dev-edit --clusterrole=edit" in workspace
    events = re.search(r'href="(/zh-hans/playground/[0-9a-f-]+/events)"', workspace).group(1)
    html = page(client, events)
    assert '<html lang="zh-Hans">' in html
    assert "近期任务" in html and "练习场" in html and "Recent Tasks" not in html


def test_topology_legend_quota_and_server_error_in_chinese():
    from django.template.loader import render_to_string

    with translation.override("zh-hans"):
        topology = render_to_string(
            "playground/_topology.html", {"diagram": None, "diagram_error": "dot missing"}
        )
        quota = render_to_string(
            "playground/_quota.html",
            {"quotas": [{"name": "team-a", "lines": [{"resource": "pods", "used": 2, "hard": 10}]}]},
        )
        error = render_to_string("500.html")
    assert "无法绘制拓扑图。" in topology and "图例" in topology and "Legend" not in topology
    assert "配额 team-a（资源池限制）：" in quota and "pods 2 / 10" in quota
    assert '<html lang="zh-Hans">' in error and "我们这边出了问题" in error
    with translation.override("en"):
        assert "Something went wrong on our side" in render_to_string("500.html")


def test_the_image_installs_a_cjk_font_for_the_diagrams_chinese_labels():
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert re.search(r"apt-get install [^\n]*\bgraphviz\b[^\n]*\bfonts-noto-cjk\b", final_stage)


@pytest.mark.usefixtures("mirrored")
def test_a_mirrored_object_and_resource_list_in_chinese():
    client = mirror_viewer(Client(), "ops")
    with translation.override("zh-hans"):
        node_url = reverse("playground:mirror-object", args=["lab", "nodes", "-", "kind-worker"])
        pods_url = reverse("playground:mirror-resource", args=["lab", "pods"])
    assert node_url.startswith("/zh-hans/")
    node = page(client, node_url)
    for text in ("标记", "（Kubernetes 标签）", "Pod 预留的 CPU", "此主机上的 Pod", "只读"):
        assert text in node, text
    assert "Pods on this host" not in node and "CPU reserved by pods" not in node
    pods = page(client, pods_url)
    assert "个对象，按集群存储的样子列出。" in pods and "集群镜像" in pods
    assert "object(s)" not in pods
    with translation.override("zh-hans"):
        cluster_url = reverse("playground:mirror-cluster", args=["lab"])
    cluster = page(client, cluster_url)
    for text in ("只读镜像", "复制到沙盒", "复制所选命名空间", "拓扑", "图例"):
        assert text in cluster, text
    assert "Copy into a sandbox" not in cluster and "Legend" not in cluster


def test_the_network_page_in_chinese_keeps_device_names_in_english():
    client = Client()
    workspace = page(client, client.post("/zh-hans/labs/first-pod/start")["Location"])
    public_id = re.search(r"/zh-hans/playground/([0-9a-f-]+)/events", workspace).group(1)
    html = page(client, f"/zh-hans/playground/{public_id}/network/")
    for text in ("Pod 网络", "跟踪一个请求", "集群外部的客户端", "节点 IP", "Service（虚拟 IP）"):
        assert text in html, text
    assert "cni0" in html and "Trace a request" not in html


def test_a_sandbox_error_is_shown_in_chinese_and_in_english():
    """SandboxError messages (playground/sandboxes.py) are translated when raised."""
    missing = "/playground/00000000-0000-4000-8000-000000000000/"
    chinese = Client().get("/zh-hans" + missing)
    assert chinese.status_code == 404
    assert "没有这个沙盒，或者它属于其他人。" in chinese.content.decode()
    english = Client().get(missing)
    assert english.status_code == 404
    assert "There is no such sandbox, or it belongs to someone else." in english.content.decode()

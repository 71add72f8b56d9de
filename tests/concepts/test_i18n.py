"""Content translations (concepts.i18n, docs/i18n.md): the overlay, the source hash, the
status of every entry, stamping, and what check_content does with missing and outdated ones."""

import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from concepts import i18n
from concepts.catalogue import CONTENT_DIR, ContentError, load
from concepts.content_check import check_translations

ENGLISH_FILE = CONTENT_DIR / "resource-management.yaml"
SLUG = "resource-pool-namespace"


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of the shipped catalogue, with an empty zh-hans directory beside it."""
    directory = tmp_path / "content"
    directory.mkdir()
    for path in CONTENT_DIR.glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    (directory / "zh-hans").mkdir()
    return directory


def english_pair(slug=SLUG, path=ENGLISH_FILE) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return next(item for item in data["pairs"] if item["slug"] == slug)


def write_translation(directory: Path, body: str) -> Path:
    path = directory / "zh-hans" / "resource-management.yaml"
    path.write_text(body, encoding="utf-8")
    return path


TRANSLATION = """\
pairs:
  - slug: resource-pool-namespace
    source: "{source}"
    title: 资源池与命名空间
    summary: 在团队之间划分一个集群的方式。
    vsphere:
      name: 资源池
      terms: {{resource pool: 资源池, folder: 文件夹}}
    kubernetes:
      name: 命名空间
      terms: {{Namespace: 命名空间}}
    commands:
      - task: 创建团队的空间
      - task: 在其中工作
      - task: 设为默认
"""


def test_the_hash_covers_the_text_fields_only():
    entry = english_pair()
    before = i18n.source_hash(i18n.PAIR, entry)
    assert len(before) == 12
    assert i18n.source_hash(i18n.PAIR, {**entry, "manifest": "kind: Changed"}) == before
    assert i18n.source_hash(i18n.PAIR, {**entry, "aliases": ["other"]}) == before
    assert i18n.source_hash(i18n.PAIR, {**entry, "summary": entry["summary"] + " More."}) != before
    changed_task = [dict(c) for c in entry["commands"]]
    changed_task[0]["task"] = "Something else"
    assert i18n.source_hash(i18n.PAIR, {**entry, "commands": changed_task}) != before
    changed_command = [dict(c) for c in entry["commands"]]
    changed_command[0]["kubernetes"] = "kubectl create ns other"
    assert i18n.source_hash(i18n.PAIR, {**entry, "commands": changed_command}) == before


def test_a_translation_overlays_text_and_keeps_everything_else(content):
    source = i18n.source_hash(i18n.PAIR, english_pair())
    write_translation(content, TRANSLATION.format(source=source))
    english = load(content).get(SLUG)
    chinese = load(content, "zh-hans").get(SLUG)
    assert chinese.title == "资源池与命名空间"
    assert chinese.vsphere.name == "资源池"
    assert chinese.commands[0].task == "创建团队的空间"
    # Untranslated text stays English; code and structure always come from English.
    assert chinese.match == english.match
    assert chinese.manifest == english.manifest
    assert [c.kubernetes for c in chinese.commands] == [c.kubernetes for c in english.commands]
    assert chinese.kubernetes.kinds == english.kubernetes.kinds
    # Terms stay English, each with its translation beside it.
    assert chinese.vsphere.terms == english.vsphere.terms
    assert chinese.vsphere.local("resource pool") == "资源池"
    assert chinese.vsphere.local("vApp container") == ""
    # Other pairs are untouched, and English never sees the translation.
    assert load(content, "zh-hans").get("vm-pod") == load(content).get("vm-pod")
    assert english.title == "Resource pools and namespaces"


def test_search_in_chinese_and_in_english_on_the_translated_catalogue(content):
    write_translation(content, TRANSLATION.format(source="x"))
    chinese = load(content, "zh-hans")
    assert chinese.search("资源池")[0].slug == SLUG
    assert chinese.search("命名空间")[0].slug == SLUG
    assert chinese.search("resource pool")[0].slug == SLUG
    assert chinese.search("Namespace")[0].slug == SLUG


def test_the_glossary_shows_the_chinese_beside_the_english_term(content):
    write_translation(content, TRANSLATION.format(source="x"))
    terms = [t for _, group in load(content, "zh-hans").glossary() for t in group]
    pool = next(t for t in terms if t.term == "resource pool")
    assert pool.local == "资源池"
    assert pool.counterpart == "命名空间"


def test_a_translation_that_does_not_fit_is_invalid_and_the_page_stays_english(content):
    body = TRANSLATION.format(source="x").replace("      - task: 设为默认\n", "")
    write_translation(content, body)
    assert load(content, "zh-hans").get(SLUG).title == "Resource pools and namespaces"
    kinds = [i18n.Kind("pair", content, "*.yaml", i18n.PAIR, list_field="pairs", keyed_by="slug")]
    _, problems = i18n.status("zh-hans", kinds)
    (invalid,) = [p for p in problems if p.state == "invalid"]
    assert invalid.entry == SLUG
    assert "commands: must be a list of 3 item(s)" in invalid.detail


def test_unknown_fields_and_terms_are_invalid(content):
    kinds = [i18n.Kind("pair", content, "*.yaml", i18n.PAIR, list_field="pairs", keyed_by="slug")]
    write_translation(content, TRANSLATION.format(source="x") + "    manifest: 'kind: Pod'\n")
    (problem,) = [p for p in i18n.status("zh-hans", kinds)[1] if p.state == "invalid"]
    assert "manifest: not a translatable field" in problem.detail
    write_translation(content, TRANSLATION.format(source="x").replace("folder: 文件夹", "cluster: 集群"))
    (problem,) = [p for p in i18n.status("zh-hans", kinds)[1] if p.state == "invalid"]
    assert "'cluster' is not one of the English terms" in problem.detail


def test_status_lists_missing_outdated_and_current_entries(content):
    kinds = [i18n.Kind("pair", content, "*.yaml", i18n.PAIR, list_field="pairs", keyed_by="slug")]
    count, problems = i18n.status("zh-hans", kinds)
    assert count == len(load(content).pairs)
    assert {p.state for p in problems} == {"missing"}
    assert len(problems) == count

    path = write_translation(content, TRANSLATION.format(source="0" * 12))
    _, problems = i18n.status("zh-hans", kinds)
    (outdated,) = [p for p in problems if p.state == "outdated"]
    assert (outdated.entry, outdated.file) == (SLUG, str(path))
    assert len(problems) == count

    assert i18n.stamp("zh-hans", path, kinds) == [SLUG]
    _, problems = i18n.status("zh-hans", kinds)
    assert len(problems) == count - 1 and {p.state for p in problems} == {"missing"}
    # Stamping edits the source line only: the translator's layout stays.
    assert path.read_text(encoding="utf-8") == TRANSLATION.format(
        source=i18n.source_hash(i18n.PAIR, english_pair(path=content / "resource-management.yaml"))
    )

    # An English edit to the text makes the translation outdated; to a manifest does not.
    english = content / "resource-management.yaml"
    text = english.read_text(encoding="utf-8")
    english.write_text(text.replace("name: team-a\n", "name: team-b\n", 1), encoding="utf-8")
    assert len(i18n.status("zh-hans", kinds)[1]) == count - 1
    english.write_text(
        text.replace("A way to divide one cluster", "One way to divide a cluster"), encoding="utf-8"
    )
    assert [p.entry for p in i18n.status("zh-hans", kinds)[1] if p.state == "outdated"] == [SLUG]


def test_stamp_adds_a_missing_source_line_to_a_whole_file_entry(tmp_path):
    english = tmp_path / "demo.yaml"
    english.write_text("title: Demo\nsummary: A demo.\npairs: [vm-pod]\nsteps: [First, Second]\n")
    (tmp_path / "zh-hans").mkdir()
    translation = tmp_path / "zh-hans" / "demo.yaml"
    translation.write_text("title: 演示\nsteps: [第一, 第二]\n", encoding="utf-8")
    kind = i18n.Kind("scenario", tmp_path, "*.yaml", i18n.SCENARIO)
    assert [p.state for p in i18n.status("zh-hans", [kind])[1]] == ["invalid"]  # no source yet
    assert i18n.stamp("zh-hans", translation, [kind]) == ["demo.yaml"]
    assert translation.read_text(encoding="utf-8").startswith(
        f'source: "{i18n.source_hash(i18n.SCENARIO, yaml.safe_load(english.read_text()))}"\ntitle: 演示\n'
    )
    assert i18n.status("zh-hans", [kind])[1] == []
    assert i18n.localize(kind, english, yaml.safe_load(english.read_text()), "zh-hans")["steps"] == [
        "第一",
        "第二",
    ]


def test_check_content_fails_on_outdated_and_on_missing_only_when_complete(content, settings):
    kinds = [i18n.Kind("pair", content, "*.yaml", i18n.PAIR, list_field="pairs", keyed_by="slug")]
    settings.CONTENT_LANGUAGES_COMPLETE = []
    assert "zh-hans: 0 of" in check_translations(kinds)
    settings.CONTENT_LANGUAGES_COMPLETE = ["zh-hans"]
    with pytest.raises(ContentError, match=f"zh-hans missing: .*: {SLUG}"):
        check_translations(kinds)
    settings.CONTENT_LANGUAGES_COMPLETE = []
    write_translation(content, TRANSLATION.format(source="0" * 12))
    with pytest.raises(ContentError, match=f"1 translation.*\n  zh-hans outdated: .*: {SLUG}"):
        check_translations(kinds)


def test_the_shipped_translations_are_current_and_valid():
    """Every committed translation matches the English it says it translates (the suite's
    form of check_content's rule; missing ones count only once zh-hans is complete)."""
    for language in i18n.CONTENT_LANGUAGES:
        _, problems = i18n.status(language)
        assert [str(p) for p in problems if p.state != "missing"] == []


def test_translations_command_lists_missing_entries(capsys):
    call_command("translations")
    out = capsys.readouterr().out
    kind = i18n.KIND["lab"]
    untranslated = [p for p in kind.english_files() if not kind.translation_path(p, "zh-hans").is_file()]
    for english in untranslated:
        assert f"zh-hans missing: playground/labs/content/zh-hans/{english.name}\n" in out
    last = out.strip().splitlines()[-1]
    # zh-hans is marked complete (settings.CONTENT_LANGUAGES_COMPLETE), and it is.
    assert last.startswith("zh-hans (complete): ")
    assert last.endswith("entries translated and current; 0 missing, 0 outdated, 0 invalid.")


def test_translations_command_stamps_a_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "zh-hans").mkdir()
    shutil.copy(CONTENT_DIR / "resource-management.yaml", tmp_path / "resource-management.yaml")
    kind = i18n.Kind("pair", tmp_path, "*.yaml", i18n.PAIR, list_field="pairs", keyed_by="slug")
    monkeypatch.setattr(i18n, "KINDS", (kind,))
    path = write_translation(tmp_path, TRANSLATION.format(source="old"))
    call_command("translations", "--stamp", "zh-hans", str(path))
    assert capsys.readouterr().out == f"Stamped 1 entry in {path}.\n"
    assert i18n.status("zh-hans", [kind])[1][0].state == "missing"  # the other pairs only
    assert SLUG not in [p.entry for p in i18n.status("zh-hans", [kind])[1]]


def test_the_architecture_diagram_draws_translated_labels_with_a_cjk_font(tmp_path):
    """A zh-hans architecture translation puts Chinese titles, box labels and edge labels in
    the graphviz source, whose fontname falls back to a CJK family, and dot renders them."""
    from concepts.architecture import ARCHITECTURE_FILE, FONT, load_layout, to_dot
    from concepts.diagrams import render_svg

    english = tmp_path / "architecture.yaml"
    shutil.copy(ARCHITECTURE_FILE, english)
    layout = yaml.safe_load(english.read_text(encoding="utf-8"))
    (tmp_path / "zh-hans").mkdir()
    edges = len(layout["vsphere"]["edges"])
    translation = {
        "source": i18n.source_hash(i18n.ARCHITECTURE, layout),
        "vsphere": {
            "groups": [{"title": "管理"}] + [{}] * (len(layout["vsphere"]["groups"]) - 1),
            "edges": ["调用"] * edges,
        },
    }
    (tmp_path / "zh-hans" / "architecture.yaml").write_text(
        yaml.safe_dump(translation, allow_unicode=True), encoding="utf-8"
    )
    chinese = load_layout(english, language="zh-hans")
    assert chinese["vsphere"]["groups"][0]["title"] == "管理"
    assert chinese["vsphere"]["groups"][1] == layout["vsphere"]["groups"][1]  # {} keeps English
    source = to_dot(chinese, lambda slug: f"/zh-hans/concepts/{slug}/")
    assert "Noto Sans CJK SC" in FONT and f'fontname="{FONT}"' in source
    assert 'label="管理"' in source and 'label="调用"' in source
    svg = render_svg(source, "dot")
    assert "管理" in svg and "调用" in svg
    assert load_layout(english)["vsphere"]["groups"][0]["title"] == layout["vsphere"]["groups"][0]["title"]

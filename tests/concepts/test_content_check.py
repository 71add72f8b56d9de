import pytest
import yaml
from django.core.management import CommandError, call_command

from concepts.content_check import check_all


def test_check_content_command_passes_on_shipped_content(capsys):
    call_command("check_content")
    out = capsys.readouterr().out
    assert out.startswith("OK: ")
    assert "concept pairs in 10 of 10 categories" in out


def test_check_all_reports_an_architecture_box_pointing_nowhere(tmp_path):
    from concepts.architecture import ARCHITECTURE_FILE

    layout = yaml.safe_load(ARCHITECTURE_FILE.read_text())
    layout["vsphere"]["groups"][0]["boxes"][0]["pair"] = "no-such-pair"
    broken = tmp_path / "architecture.yaml"
    broken.write_text(yaml.safe_dump(layout))
    with pytest.raises(ValueError, match="no pair 'no-such-pair'"):
        check_all(architecture_file=broken)


def test_check_content_command_fails_loudly(monkeypatch, tmp_path):
    (tmp_path / "a.yaml").write_text("category: storage\npairs: []\n")
    monkeypatch.setattr("concepts.content_check.CONTENT_DIR", tmp_path)
    monkeypatch.setattr(
        "concepts.management.commands.check_content.check_all",
        lambda: check_all(content_dir=tmp_path),
    )
    with pytest.raises(CommandError, match="pairs must be a non-empty list"):
        call_command("check_content")

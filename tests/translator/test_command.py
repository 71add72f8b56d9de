"""manage.py translate_vm FILE [--as vm|workload]."""

import io
import tarfile
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

SAMPLES = Path(__file__).parent / "samples"


def run(*args):
    out = io.StringIO()
    call_command("translate_vm", *args, stdout=out)
    return out.getvalue()


def test_mapping_table_by_default():
    text = run(str(SAMPLES / "web01.vmx"))
    assert "web01: numvcpus = 2  [line 13]" in text
    assert "    Workload:   resources.limits.cpu: 2 (a VM never uses more than its vCPUs)" in text
    assert "    Concept:    /concepts/reservations-requests-limits/" in text


@pytest.mark.parametrize("target, kind", [("vm", "VirtualMachine"), ("workload", "StatefulSet")])
def test_yaml_of_one_translation(target, kind):
    docs = [d for d in yaml.safe_load_all(run(str(SAMPLES / "redis-ovf2.ovf"), "--as", target)) if d]
    assert kind in [d["kind"] for d in docs]


def test_ova_from_disk(tmp_path):
    path = tmp_path / "cache.ova"
    with tarfile.open(path, "w") as archive:
        archive.add(SAMPLES / "redis-ovf2.ovf", arcname="cache.ovf")
        disk = tmp_path / "disk.vmdk"
        disk.write_bytes(b"\0" * 1024 * 1024)
        archive.add(disk, arcname="cache-disk1.vmdk")
    docs = [d for d in yaml.safe_load_all(run(str(path), "--as", "workload")) if d]
    assert docs[0]["metadata"]["name"] == "cache01-config"


def test_errors_are_command_errors():
    with pytest.raises(CommandError, match=r"xxe.ovf: line 2: the descriptor declares an external entity"):
        run(str(SAMPLES / "xxe.ovf"))
    with pytest.raises(CommandError, match="No such file"):
        run(str(SAMPLES / "missing.vmx"))
    with pytest.raises(CommandError):
        run(str(SAMPLES / "web01.vmx"), "--as", "nonsense")

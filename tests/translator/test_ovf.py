"""translator.ovf: OVF 1.x and 2.0 descriptors, .ova archives, and hostile input."""

import io
import tarfile
from pathlib import Path

import pytest

from translator import ovf
from translator.model import MAX_ELEMENTS, TranslateError

SAMPLES = Path(__file__).parent / "samples"


def read(name):
    return ovf.read((SAMPLES / name).read_bytes(), name)


def test_windows_sql_server_with_three_disks():
    source = read("sql01.ovf")
    assert (source.kind, source.version) == ("ovf", "1.x")
    (m,) = source.machines
    assert (m.name, m.guest_id, m.windows, m.cpus, m.memory_mib) == (
        "sql01",
        "windows2019srv_64Guest",
        True,
        4,
        16384,
    )
    assert (m.cpu_reservation_mhz, m.cpu_limit_mhz, m.memory_reservation_mib) == (4000, 8000, 16384)
    assert m.cpu_shares_level == "high" and m.memory_shares_level == "high"
    assert [(d.name, d.capacity_bytes // 2**30, d.boot, d.storage_policy) for d in m.disks] == [
        ("root", 90, True, "vSAN Default Storage Policy"),
        ("disk-1", 200, False, "Gold SQL Storage Policy"),
        ("disk-2", 50, False, "Gold SQL Storage Policy"),
    ]
    cpu = next(s for s in m.settings if s.topic == "cpu_reservation")
    assert cpu.where.startswith("VirtualSystem[sql01]/VirtualHardwareSection/Item[4 virtual CPU(s)] (line ")


def test_ovf_2_envelope_with_storage_and_ethernet_port_items():
    source = read("redis-ovf2.ovf")
    assert source.version == "2.0"
    (m,) = source.machines
    assert (m.cpus, m.memory_mib, m.memory_limit_mib, m.cpu_shares) == (2, 8192, 6144, 4000)
    assert [(d.name, d.capacity_bytes // 2**30) for d in m.disks] == [("root", 16), ("disk-1", 32)]
    assert [n.network for n in m.nics] == ["Cache-Network"]
    assert [p.number for p in m.ports] == [6379]


def test_multi_nic_appliance_and_class_prefixed_properties():
    (m,) = read("lb-appliance.ovf").machines
    assert [(n.name, n.network) for n in m.nics] == [
        ("eth0", "Mgmt-Network"),
        ("eth1", "Frontend-Network"),
        ("eth2", "Backend-Network"),
    ]
    assert [p.key for p in m.properties] == ["vami.hostname", "vami.https_port", "vami.mgmt_port"]
    assert [p.number for p in m.ports] == [443, 8443]


def test_product_section_properties_keep_passwords_apart():
    (m,) = read("orders-api.ovf").machines
    props = {p.key: (p.value, p.password) for p in m.properties}
    assert props["app.db_password"] == ("s3cr3t-Orders", True)
    assert props["app.port"] == ("8080", False)
    shown = next(s for s in m.settings if s.key == "Property app.db_password")
    assert (shown.value, shown.topic) == ("(hidden)", "password")


def test_virtual_system_collection_three_vms():
    source = read("shop-vapp.ovf")
    assert source.name == "shop"
    assert [m.name for m in source.machines] == ["shop-web", "shop-app", "shop-db"]
    assert [len(m.data_disks) for m in source.machines] == [0, 0, 1]
    assert [s.topic for s in source.settings] == [
        "vapp",
        "startup_order",
        "startup_order",
        "startup_order",
        "property",
    ]
    # The vApp's own property reaches each VM.
    assert all(any(p.key == "environment" for p in m.properties) for m in source.machines)


def _ova(descriptor: bytes, disk_size: int = 5 * 1024 * 1024) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (
            ("web.ovf", descriptor),
            ("web.mf", b"SHA256(web.ovf)= 00\n"),
            ("web-disk1.vmdk", b"\0" * disk_size),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_ova_reads_only_its_descriptor():
    data = _ova((SAMPLES / "redis-ovf2.ovf").read_bytes())
    source = ovf.read(data, "cache.ova")
    assert (source.kind, source.filename, source.machines[0].name) == (
        "ova",
        "cache.ova (web.ovf)",
        "cache01",
    )
    # Sniffed as a tar even under another name.
    assert ovf.read(data, "upload.bin").kind == "ova"


def test_ova_without_descriptor_and_not_a_tar():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("disk.vmdk")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"abc"))
    with pytest.raises(TranslateError, match="holds no .ovf descriptor"):
        ovf.read(buffer.getvalue(), "x.ova")
    with pytest.raises(TranslateError, match="not a readable tar archive"):
        ovf.read(b"hello, not a tar", "x.ova")


@pytest.mark.parametrize(
    "name, message",
    [
        ("broken.ovf", "line 11, column 9: not well-formed XML (mismatched tag)"),
        ("xxe.ovf", "line 2: the descriptor declares an external entity"),
        (
            "entity-bomb.ovf",
            "line 2: the descriptor declares entities (<!ENTITY …>), which can expand into gigabytes",
        ),
    ],
)
def test_broken_and_hostile_files(name, message):
    with pytest.raises(TranslateError) as error:
        read(name)
    assert message in str(error.value)


def test_external_entity_never_reaches_the_file():
    with pytest.raises(TranslateError) as error:
        read("xxe.ovf")
    assert "root:" not in str(error.value)


def test_oversize_descriptor_is_refused_before_parsing():
    big = b'<?xml version="1.0"?><Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">' + b" " * (
        50 * 1024 * 1024
    )
    with pytest.raises(
        TranslateError, match=r"The file huge.ovf is 52,428,878 bytes; the limit is 2,097,152 bytes"
    ):
        ovf.read(big, "huge.ovf")
    # Inside an .ova too: the member's size is read from its header, the member is not.
    with pytest.raises(TranslateError, match=r"descriptor web.ovf is 3,000,000 bytes; the limit is"):
        ovf.read(_ova(b" " * 3_000_000, disk_size=1), "big.ova")


def test_too_many_elements():
    text = (
        '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">\n'
        + "<Info/>" * (MAX_ELEMENTS + 10)
        + "</Envelope>"
    )
    with pytest.raises(
        TranslateError, match=f"line 2: the descriptor has more than {MAX_ELEMENTS:,} elements"
    ):
        ovf.read(text.encode(), "many.ovf")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<<<not xml", "line 1, column 2: not well-formed XML"),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "line 1: the root element is <html>"),
        (b'<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"/>', "the Envelope has no VirtualSystem"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "is binary (byte 7 is NUL)"),
        (b'caf\xe9 = "x"', "is not UTF-8 text (byte 3 is 0xe9)"),
    ],
)
def test_not_xml_binary_and_wrong_documents(data, message):
    with pytest.raises(TranslateError) as error:
        ovf.read(data, "upload.ovf")
    assert message in str(error.value)


def test_disk_item_pointing_nowhere_names_its_line():
    text = (SAMPLES / "sql01.ovf").read_text().replace("ovf:/disk/vmdisk3", "ovf:/disk/vmdisk9")
    with pytest.raises(TranslateError, match=r"line \d+: Item 'Hard disk 3' points at ovf:/disk/vmdisk9"):
        ovf.read(text.encode(), "sql01.ovf")

"""translator.mapping: every setting gets a row, both targets or a reason, and a real concept pair."""

from pathlib import Path

import pytest

from concepts.catalogue import catalogue
from translator import mapping, ovf
from translator.model import Setting

SAMPLES = Path(__file__).parent / "samples"


def rows(name):
    return mapping.rows(ovf.read((SAMPLES / name).read_bytes(), name))


def test_every_rule_links_an_existing_concept_pair():
    cat = catalogue()
    assert {slug for slug in mapping.concept_slugs() if cat.get(slug) is None} == set()
    assert cat.get("vm-pod") is not None  # the pair the whole translator leans on


def test_every_rule_has_both_targets_that_format():
    for topic, (vm, workload, _concept) in mapping.RULES.items():
        assert vm and workload, topic


@pytest.mark.parametrize(
    "name",
    ["web01.vmx", "sql01.ovf", "lb-appliance.ovf", "orders-api.ovf", "shop-vapp.ovf", "redis-ovf2.ovf"],
)
def test_one_row_per_setting(name):
    source = ovf.read((SAMPLES / name).read_bytes(), name)
    table = mapping.rows(source)
    settings = len(source.settings) + sum(len(m.settings) + (0 if m.ports else 1) for m in source.machines)
    settings += sum(len(source.machines) - 1 for s in source.settings if s.topic in ("property", "password"))
    assert len(table) == settings
    assert all(row.where for row in table)


def find(table, key):
    return next(row for row in table if row.key == key)


def test_sql_server_rows():
    table = rows("sql01.ovf")
    disk = find(table, "Item 'Hard disk 2'")
    assert disk.vm == "PersistentVolumeClaim sql01-disk-1 (200Gi), spec.volumes[disk-1]"
    assert disk.workload == "StatefulSet volumeClaimTemplates[disk-1] (200Gi), mounted at /var/opt/mssql"
    assert disk.concept == "datastore-persistent-volume"
    policy = find(table, "Item 'Hard disk 2' StorageGroup")
    assert policy.workload == "storageClassName: gold-sql-storage-policy"
    assert policy.concept == "storage-policy-storageclass"
    cpu = find(table, "Item '4 virtual CPU(s)' Reservation")
    assert cpu.workload == "resources.requests.cpu: 2 (reservation in MHz over a 2 GHz core)"
    assert cpu.vm.startswith("VirtualMachineClass guaranteed-large")
    guest = find(table, "OperatingSystemSection")
    assert guest.workload_none and "mcr.microsoft.com/mssql/server:2022-latest" in guest.workload
    assert guest.concept == "guest-os-containers"


def test_no_equivalent_rows_say_why():
    table = rows("web01.vmx")
    usb = find(table, "usb_xhci.present")
    assert usb.vm_none and usb.workload_none and usb.concept == "vm-pod"
    mac = find(table, "ethernet0.generatedAddress")
    assert (
        mac.workload
        == "No equivalent: a pod's interface and address are the network plugin's; reach it through Service web01."
    )
    snapshot_free = find(table, "migrate.hostLog")
    assert snapshot_free.concept == "vmotion-rescheduling"
    tools = find(table, "tools.syncTime")
    assert tools.vm == "spec.readinessProbe.guestHeartbeat.thresholdStatus: green"
    assert tools.concept == "vm-monitoring-probes"


def test_second_nic_has_no_pod_equivalent():
    table = rows("lb-appliance.ovf")
    first, second = (
        find(table, "Item 'Network adapter 1' Connection"),
        find(table, "Item 'Network adapter 2' Connection"),
    )
    assert first.workload.startswith("Service lb01 (ports 443, 8443)")
    assert second.workload_none and "Multus" in second.workload
    assert second.vm == "spec.network.interfaces[eth1].network.name: frontend-network"


def test_vapp_rows():
    table = rows("shop-vapp.ovf")
    vapp = find(table, "VirtualSystemCollection")
    assert (
        vapp.workload == "label app.kubernetes.io/part-of: shop on every object"
        and vapp.concept == "vapp-application"
    )
    startup = [row for row in table if row.key.startswith("StartupSection")]
    assert len(startup) == 3 and all(row.concept == "boot-order-init-containers" for row in startup)
    shared = [row for row in table if row.key == "Property environment"]
    assert [row.machine for row in shared] == ["shop-web", "shop-app", "shop-db"]


def test_unknown_topic_is_a_programming_error():
    with pytest.raises(KeyError):
        mapping.RULES[Setting("x", "y", "line 1", "nonexistent").topic]

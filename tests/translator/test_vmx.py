"""translator.vmx: a .vmx read line by line, as ESXi writes it."""

from pathlib import Path

import pytest

from translator import vmx
from translator.model import TranslateError

SAMPLES = Path(__file__).parent / "samples"


def test_linux_web_server_vmx():
    source = vmx.parse((SAMPLES / "web01.vmx").read_text(), "web01.vmx")
    (machine,) = source.machines
    assert (machine.name, machine.guest_os, machine.windows) == ("web01", "ubuntu-64", False)
    assert (machine.cpus, machine.memory_mib) == (2, 4096)
    assert (machine.cpu_reservation_mhz, machine.memory_reservation_mib, machine.cpu_limit_mhz) == (
        1000,
        2048,
        -1,
    )
    assert machine.hardware_version == 19
    assert [(d.name, d.label, d.boot) for d in machine.disks] == [("root", "scsi0:0", True)]
    assert [(n.name, n.network, n.adapter) for n in machine.nics] == [("eth0", "VM Network", "vmxnet3")]
    assert machine.cloud_init.startswith("#cloud-config\npackages: [nginx]")
    assert [p.number for p in machine.ports] == [80]
    topics = {s.key: (s.topic, s.where) for s in machine.settings}
    assert topics["numvcpus"] == ("cpus", "line 13")
    assert topics["sata0:0.fileName"][0] == "cdrom"  # the ISO is not a disk
    assert topics["usb_xhci.present"][0] == "usb"
    assert topics["serial0.present"][0] == "serial"
    assert topics["vcpu.hotadd"][0] == "hot_add"
    assert topics["ethernet0.generatedAddress"][0] == "mac"
    assert topics["bios.bootOrder"][0] == "boot_order"


@pytest.mark.parametrize(
    "text, message",
    [
        ('displayName = "a"\nnumvcpus = two\n', "line 2: expected key = \"value\", found 'numvcpus = two'"),
        ('displayName = "a"\nnumvcpus = "two"\n', "line 2: numvcpus must be a whole number, found 'two'"),
        ('foo = "bar"\n', "This does not look like a .vmx"),
        (
            'displayName = "a"\nguestinfo.userdata = "%%%"\nguestinfo.userdata.encoding = "base64"\n',
            "line 2: guestinfo.userdata is not valid base64",
        ),
    ],
)
def test_malformed_vmx_names_the_line(text, message):
    with pytest.raises(TranslateError) as error:
        vmx.parse(text)
    assert message in str(error.value)

"""Issue 20: the vm-to-workload lab applies exactly what the translator writes for its .vmx.

The lab shows a .vmx in its first task's instructions and its solution pastes the container
workload translation into `kubectl apply -f -`; if the translator changes, this fails until
the lab's YAML is regenerated (`manage.py translate_vm shop-web.vmx --as workload`).
"""

import re

from playground.labs import labs
from translator import service


def _lab_vmx_and_solution():
    task = labs()["vm-to-workload"].tasks[0]
    # The .vmx is the instructions' code block: the lines indented by four spaces.
    block = re.search(r"(?:^    .*\n)+", task.instructions, re.M).group(0)
    vmx = "".join(line[4:] + "\n" for line in block.splitlines())
    (command,) = task.commands
    first_line, stdin = command.split("\n", 1)
    assert first_line == "kubectl apply -f -"
    return vmx, stdin


def test_the_lab_solution_is_the_translators_output_for_the_labs_vmx():
    vmx, stdin = _lab_vmx_and_solution()
    translation = service.translate(vmx.encode(), "shop-web.vmx")
    assert stdin == translation.yaml("workload")


def test_the_lab_checks_look_for_the_objects_the_translator_derives_from_display_name():
    vmx, _ = _lab_vmx_and_solution()
    objects = service.translate(vmx.encode(), "shop-web.vmx").workload
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    service_ = next(o for o in objects if o["kind"] == "Service")
    selector = ",".join(f"{k}={v}" for k, v in deployment["spec"]["selector"]["matchLabels"].items())
    lab = labs()["vm-to-workload"]
    first, second = (task.check for task in lab.tasks)
    assert first[0]["object"]["kind"] == "Deployment"
    assert first[0]["object"]["name"] == deployment["metadata"]["name"] == "shop-web"
    assert first[1]["object"]["selector"] == selector
    assert second[0]["endpoints"]["service"] == service_["metadata"]["name"]

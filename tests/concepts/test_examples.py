"""check_content runs every pair's example in a fresh sandbox: it must reach the state the
pair declares, and a broken example or a wrong expectation fails with a clear message."""

import pytest
import yaml
from django.core.management import CommandError, call_command

from concepts.catalogue import ContentError, load
from concepts.content_check import check_all
from concepts.examples import check_example

NGINX_POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n"


def pair_with(tmp_path, manifest, expect):
    data = {
        "category": "workloads",
        "pairs": [
            {
                "slug": "vm-pod",
                "title": "A VM and a pod",
                "summary": "Smallest unit.",
                "vsphere": {"name": "Virtual machine", "what": "A machine.", "admin": "Creates it."},
                "kubernetes": {"name": "Pod", "kinds": ["Pod"], "what": "Containers."},
                "match": "Both are placed.",
                "differ": "Pods are replaced.",
                "manifest": manifest,
                "commands": [{"task": "List", "vsphere": "Get-VM", "kubernetes": "kubectl get pods"}],
                "related": [],
                "references": ["000"],
                "expect": expect,
                "checked": {"kubernetes": "1.37"},
            }
        ],
    }
    (tmp_path / "workloads.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    [pair] = load(tmp_path).pairs
    return pair


def deployment(name, image="nginx:1.27", labels=None, replicas=2):
    labels = labels or {"app": name}
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "c", "image": image}]},
                },
            },
        }
    )


def test_a_running_example_passes(tmp_path):
    check_example(pair_with(tmp_path, deployment("web"), "Running"))


def test_a_broken_example_fails_naming_the_state_it_reached(tmp_path):
    pair = pair_with(tmp_path, deployment("web", image="nginx:1.27-typo"), "Running")
    with pytest.raises(ContentError) as error:
        check_example(pair)
    message = str(error.value)
    assert message.startswith("workloads.yaml: pair 'vm-pod': expect: expected Running within 600 s")
    assert "pods not Running and Ready" in message
    assert "ImagePullBackOff" in message or "ErrImagePull" in message


def test_an_incorrect_expectation_fails(tmp_path):
    pair = pair_with(tmp_path, NGINX_POD, "ImagePullBackOff")
    with pytest.raises(ContentError, match=r"expected ImagePullBackOff .* its pods are web Running"):
        check_example(pair)


def test_a_named_failure_is_reached(tmp_path):
    check_example(pair_with(tmp_path, NGINX_POD.replace("nginx:1.27", "nginx:1.27-typo"), "ImagePullBackOff"))


def test_created_is_refused_for_an_example_that_makes_pods(tmp_path):
    with pytest.raises(ContentError, match="the example makes pods, so 'Created' says too little"):
        check_example(pair_with(tmp_path, NGINX_POD, "Created"))


def test_an_example_the_sandbox_refuses_fails_with_the_api_error(tmp_path):
    quota = "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n  namespace: team-a\nspec:\n  hard:\n    pods: '2'\n"
    with pytest.raises(ContentError, match='refused the example: namespaces "team-a" not found'):
        check_example(pair_with(tmp_path, quota, "Created"))


def test_a_service_must_have_ready_endpoints_to_count_as_running(tmp_path):
    service = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "nothing-has-this"}, "ports": [{"port": 80}]},
        }
    )
    pair = pair_with(tmp_path, deployment("web") + "---\n" + service, {"state": "Running", "within": 60})
    with pytest.raises(ContentError, match="Service web has no ready endpoints"):
        check_example(pair)


def test_bound_needs_every_claim_bound(tmp_path):
    claim = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "no-such-class",
                "resources": {"requests": {"storage": "1Gi"}},
            },
        }
    )
    with pytest.raises(ContentError, match="claim data is Pending"):
        check_example(pair_with(tmp_path, claim, {"state": "Bound", "within": 60}))
    check_example(pair_with(tmp_path, claim.replace("storageClassName: no-such-class\n", ""), "Bound"))


def test_a_cronjob_completes_when_its_schedule_comes_and_not_before(tmp_path):
    cronjob = yaml.safe_dump(
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "report"},
            "spec": {
                "schedule": "0 2 * * *",
                "timeZone": "Etc/UTC",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "restartPolicy": "OnFailure",
                                "containers": [{"name": "c", "image": "busybox:1.36", "command": ["true"]}],
                            }
                        }
                    }
                },
            },
        }
    )
    check_example(pair_with(tmp_path, cronjob, {"state": "Complete", "within": 90000}))
    with pytest.raises(ContentError, match="expected Complete within 600 s .* it made no Job yet"):
        check_example(pair_with(tmp_path, cronjob, "Complete"))


def test_unschedulable_is_reached_by_a_pod_no_node_fits(tmp_path):
    pod = NGINX_POD.replace("spec:\n", "spec:\n  nodeSelector:\n    disktype: ssd\n")
    check_example(pair_with(tmp_path, pod, "Unschedulable"))
    with pytest.raises(ContentError, match=r"0/4 nodes are available"):
        check_example(pair_with(tmp_path, pod, {"state": "Running", "within": 30}))


def test_unsupported_must_still_be_refused_by_the_engine(tmp_path):
    custom = "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: c\n"
    check_example(pair_with(tmp_path, custom, {"state": "Unsupported", "note": "no Cluster API types"}))
    with pytest.raises(
        ContentError, match=r"declared Unsupported \(no such engine\), but the engine now accepts"
    ):
        check_example(pair_with(tmp_path, NGINX_POD, {"state": "Unsupported", "note": "no such engine"}))


def test_the_command_fails_when_an_example_misses_its_state(monkeypatch, tmp_path):
    pair_with(tmp_path, NGINX_POD, "CrashLoopBackOff")
    monkeypatch.setattr(
        "concepts.management.commands.check_content.check_all",
        lambda: check_all(content_dir=tmp_path),
    )
    with pytest.raises(CommandError, match=r"pair 'vm-pod': expect: expected CrashLoopBackOff"):
        call_command("check_content")


def test_the_command_fails_when_a_pair_has_no_expectation(monkeypatch, tmp_path):
    pair_with(tmp_path, NGINX_POD, "Running")
    text = (tmp_path / "workloads.yaml").read_text().replace("  expect: Running\n", "")
    (tmp_path / "workloads.yaml").write_text(text)
    monkeypatch.setattr(
        "concepts.management.commands.check_content.check_all",
        lambda: check_all(content_dir=tmp_path),
    )
    with pytest.raises(CommandError, match=r"missing required field\(s\) expect"):
        call_command("check_content")


VM = """apiVersion: vmoperator.vmware.com/v1alpha5
kind: VirtualMachine
metadata:
  name: web-vm
  namespace: dev-team
spec:
  className: {cls}
  imageName: ubuntu-24.04-server-cloudimg-amd64
"""


def test_provisioned_needs_a_vm_powered_on_with_an_address(tmp_path):
    """A VM Service VM counts once the VM operator reports its power state and IP; one
    whose class the namespace lacks never gets there, and the failure says so."""
    check_example(
        pair_with(
            tmp_path, VM.format(cls="best-effort-small"), {"state": "Provisioned", "profile": "vsphere"}
        )
    )
    broken = pair_with(
        tmp_path, VM.format(cls="no-such-class"), {"state": "Provisioned", "profile": "vsphere"}
    )
    with pytest.raises(ContentError, match="VirtualMachine web-vm is not created"):
        check_example(broken)
    with pytest.raises(ContentError, match="makes no VirtualMachine or Cluster"):
        check_example(pair_with(tmp_path, NGINX_POD, {"state": "Provisioned"}))

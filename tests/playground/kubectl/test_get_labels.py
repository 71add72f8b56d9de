"""kubectl get --show-labels and -L/--label-columns, as kubectl 1.37 prints them.

Upstream: HumanReadablePrinter (k8s.io/cli-runtime/pkg/printers/tablegenerator and
k8s.io/kubectl/pkg/cmd/get/humanreadable_flags.go) adds formatLabelHeaders' columns (each -L
key's last path segment, upper-cased) then LABELS, and appendLabelCells' cells (the key's value,
empty when unset; labels.FormatLabels: sorted key=value, comma-joined, <none> when empty);
the table goes through printers.GetNewTabWriter (minimum width 6, padding 3), which pads every
cell that another follows, so an empty last column leaves trailing spaces. The expected lines
were printed by the real kubectl 1.37 against a sandbox in the same state.
"""

import pytest

from playground import console
from playground.engine import Cluster

from ..engine.conftest import deployment

NODE_LABELS = (
    "beta.kubernetes.io/arch=amd64,beta.kubernetes.io/os=linux,kubernetes.io/arch=amd64,"
    "kubernetes.io/hostname={name},kubernetes.io/os=linux"
)


def run(cluster, line):
    return console.run(cluster, console.parse(line))


@pytest.fixture
def cluster():
    c = Cluster.new()
    c.apply(deployment("web", replicas=2, labels={"app": "web"}))
    c.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "plain", "namespace": "default"},
            "data": {"k": "v"},
        }
    )
    c.settle()
    return c


def test_show_labels_adds_the_labels_column_last(cluster):
    lines = run(cluster, "kubectl get nodes --show-labels").splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "LABELS"]
    assert lines[2].endswith("   " + NODE_LABELS.format(name="worker-1"))
    assert lines[1].endswith(
        NODE_LABELS.format(name="control-plane")
        + ",node-role.kubernetes.io/control-plane=,node.kubernetes.io/exclude-from-external-load-balancers="
    )


def test_an_object_without_labels_shows_none(cluster):
    plain = run(cluster, "kubectl get configmap plain").splitlines()
    labelled = run(cluster, "kubectl get configmap plain --show-labels").splitlines()
    assert labelled == [plain[0] + "   LABELS", plain[1].ljust(len(plain[0])) + "   <none>"]


def test_label_columns_are_upper_cased_last_segments_before_labels(cluster):
    text = run(cluster, "kubectl get nodes -L kubernetes.io/os --show-labels")
    header, row = text.splitlines()[:2]
    assert header.split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "OS", "LABELS"]
    # The OS column is as wide as "linux" plus three spaces; LABELS, last, is not padded.
    assert header.index("LABELS") - header.index("OS") == len("linux") + 3
    assert row.split()[5] == "linux"


def test_label_columns_take_a_list_and_repeat(cluster):
    once = run(cluster, "kubectl get pods -L app,pod-template-hash")
    again = run(cluster, "kubectl get pods -L app -L pod-template-hash")
    assert once == again
    header = once.splitlines()[0]
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "APP", "POD-TEMPLATE-HASH"]
    pod = cluster.list("Pod", "default")[0]
    expected = pod["metadata"]["labels"]["pod-template-hash"]
    assert any(line.split()[-2:] == ["web", expected] for line in once.splitlines()[1:])


def test_an_unset_label_column_is_empty_with_the_padding_before_it(cluster):
    """`kubectl get pods -L app,nosuch` against the sandbox prints `web   ` at the end of each
    row: the APP cell padded to its column, then the empty NOSUCH cell."""
    lines = run(cluster, "kubectl get pods -L app,nosuch").splitlines()
    assert lines[0].endswith("APP   NOSUCH")
    assert all(line.endswith("   web   ") for line in lines[1:])


def test_wide_output_keeps_its_columns_then_the_label_ones(cluster):
    lines = run(cluster, "kubectl get pods -o wide -L app --show-labels").splitlines()
    assert lines[0].endswith("READINESS GATES   APP   LABELS")
    hash_ = cluster.list("Pod", "default")[0]["metadata"]["labels"]["pod-template-hash"]
    assert lines[1].endswith(f"<none>            web   app=web,pod-template-hash={hash_}")


def test_all_namespaces_puts_namespace_first(cluster):
    lines = run(cluster, "kubectl get svc -A --show-labels").splitlines()
    assert lines[0].split()[:2] == ["NAMESPACE", "NAME"] and lines[0].endswith("LABELS")
    kubernetes = next(line for line in lines if " kubernetes " in line)
    assert kubernetes.startswith("default ") and kubernetes.endswith(
        "component=apiserver,provider=kubernetes"
    )


def test_several_kinds_each_get_the_label_columns(cluster):
    blocks = run(cluster, "kubectl get deploy,svc --show-labels").split("\n\n")
    assert [b.splitlines()[0].split()[-1] for b in blocks] == ["LABELS", "LABELS"]
    assert blocks[0].splitlines()[1].startswith("deployment.apps/web ")
    assert blocks[1].splitlines()[1].endswith("component=apiserver,provider=kubernetes")


def test_name_yaml_and_json_output_ignore_the_label_flags(cluster):
    assert run(cluster, "kubectl get deploy --show-labels -o name") == "deployment.apps/web\n"
    assert run(cluster, "kubectl get deploy web -L app -o yaml") == run(
        cluster, "kubectl get deploy web -o yaml"
    )


def test_the_flags_complete_and_parse(cluster):
    command = console.parse("kubectl get pods -Lapp -L tier,zone --show-labels")
    assert command.flag("label-columns") == ["app", "tier", "zone"]
    assert command.flag("show-labels") is True
    assert console.parse("kubectl get pods").flag("label-columns") is None
    words = console.complete(cluster, "kubectl get pods --sh")["candidates"]
    assert "--show-labels" in words

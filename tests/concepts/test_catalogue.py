"""The catalogue's content rules, search and glossary, on the shipped content and on broken files."""

import textwrap

import pytest
import yaml

from concepts.catalogue import CATEGORIES, ContentError, load, validate_manifest

# Every construct the reference documents compare must have a pair.
REQUIRED_PAIRS = [
    "vsphere-platform-kubernetes",
    "vcenter-control-plane",
    "esxi-host-node",
    "vcenter-db-etcd",
    "host-agent-kubelet",
    "vm-pod",
    "guest-os-containers",
    "vsphere-client-dashboard",
    "powercli-kubectl",
    "vmx-ovf-manifests",
    "resource-pool-namespace",
    "reservations-requests-limits",
    "resource-pool-quota",
    "limitrange-defaults",
    "tags-labels",
    "annotations-custom-attributes",
    "ft-ha-replicasets",
    "drs-scheduler",
    "drs-rules-affinity",
    "template-container-image",
    "vm-upgrade-deployment-rollout",
    "one-armed-lb-clusterip",
    "nodeport-loadbalancer",
    "inline-l7-ingress",
    "vm-dns-cluster-dns",
    "east-west-north-south",
    "vswitch-pod-network",
    "nsx-segments-namespace-networks",
    "nsx-dfw-networkpolicy",
    "datastore-persistent-volume",
    "storage-policy-storageclass",
    "host-agents-daemonset",
    "fixed-identity-statefulset",
    "scheduled-tasks-jobs",
    "roles-permissions-rbac",
    "maintenance-mode-drain",
    "vmotion-rescheduling",
    "monitoring-metrics-logs",
    "supervisor-cluster",
    "spherelet-kubelet",
    "vsphere-pods",
    "tkg-clusters",
    "pks-cluster-lifecycle",
    "vsphere-cluster-kubernetes-cluster",
]


@pytest.fixture(scope="module")
def shipped():
    return load()


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data)
    return path


def minimal_pair(slug="vm-pod", **overrides):
    pair = {
        "slug": slug,
        "title": "A VM and a pod",
        "summary": "Smallest unit.",
        "vsphere": {"name": "Virtual machine", "what": "A machine.", "admin": "Creates it."},
        "kubernetes": {"name": "Pod", "kinds": ["Pod"], "what": "Containers."},
        "match": "Both are placed.",
        "differ": "Pods are replaced.",
        "manifest": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n",
        "commands": [{"task": "List", "vsphere": "Get-VM", "kubernetes": "kubectl get pods"}],
        "related": [],
        "references": ["000"],
        "expect": "Running",
        "checked": {"kubernetes": "1.37", "vsphere": "8.0"},
    }
    pair.update(overrides)
    return pair


def test_it_ships_at_least_45_pairs_in_every_category(shipped):
    assert len(shipped.pairs) >= 45
    assert {pair.category for pair in shipped.pairs} == set(CATEGORIES)


@pytest.mark.parametrize("slug", REQUIRED_PAIRS)
def test_every_construct_the_references_compare_has_a_pair(shipped, slug):
    pair = shipped.get(slug)
    assert pair is not None, f"missing pair {slug}"
    assert pair.differ and pair.match and pair.commands and pair.manifest_documents


def test_every_manifest_is_kubernetes_shaped(shipped):
    for pair in shipped.pairs:
        for document in pair.manifest_documents:
            assert document["apiVersion"] and document["kind"] and document["metadata"]["name"]


def test_related_pairs_all_resolve(shipped):
    for pair in shipped.pairs:
        assert all(related.slug != pair.slug for related in shipped.related(pair))
        assert len(shipped.related(pair)) == len(pair.related)


def test_the_differences_are_said_plainly(shipped):
    assert "lockstep" in shipped.get("ft-ha-replicasets").differ
    assert "replaced" in shipped.get("vmotion-rescheduling").summary
    assert "not a vSphere HA/DRS cluster" in shipped.get("vsphere-cluster-kubernetes-cluster").summary


def test_search_finds_namespace_from_resource_pool_and_back(shipped):
    assert shipped.search("resource pool")[0].slug == "resource-pool-namespace"
    assert shipped.search("Namespace")[0].slug == "resource-pool-namespace"
    assert shipped.search("resource-pool")[0].slug == "resource-pool-namespace"


def test_search_matches_every_word_and_is_case_insensitive(shipped):
    assert shipped.search("VMOTION")[0].slug == "vmotion-rescheduling"
    assert shipped.search("kubelet")[0].slug == "host-agent-kubelet"
    assert shipped.search("etcd")[0].slug == "vcenter-db-etcd"
    assert shipped.search("zzzz-no-such-thing") == []
    assert shipped.search("   ") == shipped.pairs


def test_glossary_holds_both_vocabularies_pointing_across(shipped):
    letters = dict(shipped.glossary())
    assert list(letters) == sorted(letters)
    everything = [term for terms in letters.values() for term in terms]
    by_term = {(t.term, t.side): t for t in everything}
    assert by_term[("resource pool", "vsphere")].counterpart == "Namespace"
    assert by_term[("etcd", "kubernetes")].counterpart == "vCenter Server database"
    assert by_term[("kubelet", "kubernetes")].pair.slug == "host-agent-kubelet"


def test_it_loads_a_minimal_valid_file(tmp_path):
    write(tmp_path, "workloads.yaml", {"category": "workloads", "pairs": [minimal_pair()]})
    catalogue = load(tmp_path)
    assert [pair.slug for pair in catalogue.pairs] == ["vm-pod"]
    assert catalogue.pairs[0].vsphere.terms == ("Virtual machine",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slug": "Not A Slug"}, "slug must be lowercase words joined by hyphens"),
        ({"related": ["nope"]}, "related: no pair 'nope'"),
        ({"references": ["999"]}, "references: unknown document '999'"),
        ({"manifest": "kind: Pod\nmetadata:\n  name: web\n"}, "apiVersion is required"),
        ({"manifest": "apiVersion: v1\nkind: Pod\nmetadata: {}\n"}, "metadata.name is required"),
        ({"manifest": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Web_1\n"}, "RFC 1123"),
        ({"manifest": "apiVersion: v1\n  kind: [\n"}, "not valid YAML"),
        ({"commands": []}, "commands must be a non-empty list"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"expect": "Humming"}, "expect.state: unknown state 'Humming'"),
        ({"expect": {"state": "Running", "profile": "mars"}}, "expect.profile: unknown profile 'mars'"),
        ({"expect": {"state": "Running", "within": 0}}, "expect.within: must be a number of seconds"),
        ({"expect": {"state": "Unsupported"}}, "an Unsupported example must say what the engine lacks"),
        ({"expect": {"state": "Running", "after": 5}}, "expect: unknown field(s) after"),
        ({"checked": {"vsphere": "8.0"}}, "checked: missing required field(s) kubernetes"),
        ({"checked": {"kubernetes": "latest"}}, "checked.kubernetes: 'latest' is not a version"),
        ({"then_now": [{"then": "a", "now": "b"}]}, "then_now[0]: missing required field(s) since"),
        ({"then_now": []}, "then_now: must be a non-empty list"),
    ],
)
def test_it_rejects_broken_pairs_naming_file_and_field(tmp_path, change, message):
    write(tmp_path, "workloads.yaml", {"category": "workloads", "pairs": [minimal_pair(**change)]})
    with pytest.raises(ContentError) as error:
        load(tmp_path)
    assert message in str(error.value)
    assert "workloads.yaml" in str(error.value)


def test_it_rejects_a_missing_required_field(tmp_path):
    pair = minimal_pair()
    del pair["differ"]
    write(tmp_path, "workloads.yaml", {"category": "workloads", "pairs": [pair]})
    with pytest.raises(ContentError, match="missing required field\\(s\\) differ"):
        load(tmp_path)


@pytest.mark.parametrize("field", ["expect", "checked"])
def test_every_pair_must_say_what_its_example_reaches_and_when_it_was_checked(tmp_path, field):
    pair = minimal_pair()
    del pair[field]
    write(tmp_path, "workloads.yaml", {"category": "workloads", "pairs": [pair]})
    with pytest.raises(ContentError, match=f"missing required field\\(s\\) {field}"):
        load(tmp_path)


def test_expect_checked_and_then_now_are_parsed(tmp_path):
    pair = minimal_pair(
        expect={"state": "Running", "profile": "zones", "within": 120},
        checked={"kubernetes": "1.37", "vsphere": "8.0 U3", "vcf": "9.0"},
        then_now=[{"then": "Docker.", "now": "containerd.", "since": "Kubernetes 1.24"}],
    )
    write(tmp_path, "workloads.yaml", {"category": "workloads", "pairs": [pair]})
    [parsed] = load(tmp_path).pairs
    assert (parsed.expect.state, parsed.expect.profile, parsed.expect.within) == ("Running", "zones", 120)
    assert str(parsed.checked) == "Kubernetes 1.37, vSphere 8.0 U3, VMware Cloud Foundation 9.0"
    assert [(n.then, n.now, n.since) for n in parsed.then_now] == [
        ("Docker.", "containerd.", "Kubernetes 1.24")
    ]


def test_every_shipped_pair_is_checked_against_kubernetes_1_37(shipped):
    assert {pair.checked.kubernetes for pair in shipped.pairs} == {"1.37"}
    vsphere_side = [pair for pair in shipped.pairs if pair.category == "vsphere-with-kubernetes"]
    assert all(pair.checked.vcf == "9.0" for pair in vsphere_side)


@pytest.mark.parametrize(
    ("slug", "words"),
    [
        ("host-agent-kubelet", "1.24"),
        ("vswitch-pod-network", "kubenet"),
        ("one-armed-lb-clusterip", "nftables"),
        ("vsphere-client-dashboard", "Headlamp"),
        ("inline-l7-ingress", "Gateway API"),
        ("guest-os-containers", "restartPolicy: Always"),
        ("reservations-requests-limits", "resize"),
        ("tkg-clusters", "ClusterClass"),
        ("pks-cluster-lifecycle", "tkgi"),
        ("monitoring-metrics-logs", "VCF Operations"),
        ("supervisor-cluster", "vSphere Supervisor"),
    ],
)
def test_then_and_now_notes_cover_what_changed_since_the_sources(shipped, slug, words):
    notes = shipped.get(slug).then_now
    assert notes, f"{slug} has no then-and-now note"
    assert any(words in f"{note.then} {note.now} {note.since}" for note in notes)


def test_it_rejects_an_unknown_category(tmp_path):
    write(tmp_path, "x.yaml", {"category": "gardening", "pairs": [minimal_pair()]})
    with pytest.raises(ContentError, match="unknown category 'gardening'"):
        load(tmp_path)


def test_it_rejects_a_slug_used_twice(tmp_path):
    write(tmp_path, "a.yaml", {"category": "workloads", "pairs": [minimal_pair()]})
    write(tmp_path, "b.yaml", {"category": "storage", "pairs": [minimal_pair()]})
    with pytest.raises(ContentError, match="slug already used in a.yaml"):
        load(tmp_path)


def test_it_refuses_yaml_that_is_not_data(tmp_path):
    write(tmp_path, "a.yaml", "category: !!python/object:os.system ls\npairs: []\n")
    with pytest.raises(ContentError, match="not valid YAML"):
        load(tmp_path)


def test_validate_manifest_accepts_multiple_documents():
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Service
        metadata:
          name: a
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: b
        """
    )
    assert [doc["kind"] for doc in validate_manifest(text, "here")] == ["Service", "Deployment"]


def test_a_yaml_error_names_the_file_and_line(tmp_path):
    write(tmp_path, "a.yaml", "category: storage\npairs:\n  - slug: x\n    title: a: b\n")
    with pytest.raises(
        ContentError, match=r"a\.yaml: line 4: not valid YAML: mapping values are not allowed here"
    ):
        load(tmp_path)

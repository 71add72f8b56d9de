"""The ten concept pairs of issue 17's batch A (security, operations, configuration): each
page renders with its commands side by side, search finds it by the word a vSphere
administrator would type, its example reaches its declared state through check_content's own
code (concepts.examples.check_example), and the example shows in a sandbox what the pair
teaches."""

import base64
import re

import pytest
import yaml
from django.utils.html import escape

from concepts.catalogue import catalogue
from concepts.examples import check_example
from playground.engine import ApiError, Cluster
from playground.engine.podstatus import pod_ready
from playground.engine.rbac import Attributes, User, authorize, service_account_user
from playground.engine.registry.certificates.certificatesigningrequest import condition_text

NEW_PAIRS = (
    "vm-hardening-pod-security",
    "sso-oidc-vsphere-login",
    "vmca-cluster-pki",
    "vm-encryption-secrets-at-rest",
    "vlcm-cluster-upgrades",
    "alarms-prometheus-rules",
    "linked-mode-kubeconfig-contexts",
    "srm-velero",
    "host-profiles-node-config",
    "content-library-oci-registry",
)


def pair(slug):
    found = catalogue().get(slug)
    assert found is not None, f"no pair {slug!r}"
    return found


def sandbox(slug, seconds=120):
    """A fresh sandbox of the pair's profile with its example applied and time advanced."""
    p = pair(slug)
    cluster = Cluster.new(p.expect.profile, seed=1)
    cluster.apply(p.manifest)
    cluster.advance(seconds)
    return cluster


def doc(slug, kind, name=None):
    return next(
        d
        for d in pair(slug).manifest_documents
        if d["kind"] == kind and name in (None, d["metadata"]["name"])
    )


def allowed(cluster, user, verb, resource, namespace="", group=""):
    attributes = Attributes(verb=verb, resource=resource, namespace=namespace, api_group=group)
    return authorize(cluster.store, user, attributes).allowed


# The catalogue --------------------------------------------------------------------------


@pytest.mark.parametrize("slug", NEW_PAIRS)
def test_each_pair_is_checked_against_current_versions_and_links_to_existing_pairs(slug):
    p = pair(slug)
    assert (p.checked.kubernetes, p.checked.vsphere) == ("1.37", "8.0")
    assert len(p.commands) >= 3
    assert all(c.vsphere and c.kubernetes for c in p.commands)
    assert p.related and all(catalogue().get(other) for other in p.related)
    assert p.differ.strip() and p.references


def test_each_pair_is_reachable_from_another_pair():
    linked = {slug for other in catalogue().pairs for slug in other.related if other.slug != slug}
    assert set(NEW_PAIRS) - linked == set()


@pytest.mark.parametrize(
    ("slug", "since"),
    [
        ("vm-hardening-pod-security", "1.25"),
        ("sso-oidc-vsphere-login", "1.34"),
        ("vm-encryption-secrets-at-rest", "1.29"),
        ("vlcm-cluster-upgrades", "1.28"),
        ("srm-velero", "2024"),
        ("host-profiles-node-config", "1.24"),
        ("content-library-oci-registry", "Helm 3.8"),
    ],
)
def test_then_and_now_notes_date_what_changed_since_the_sources(slug, since):
    assert any(since in note.since for note in pair(slug).then_now)


# Each example reaches its declared state, through check_content's own code ---------------


@pytest.mark.parametrize("slug", NEW_PAIRS)
def test_each_example_reaches_its_declared_state(slug):
    check_example(pair(slug))  # raises ContentError naming the pair when it does not


# Pages and search -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", NEW_PAIRS)
def test_each_pair_page_shows_both_sides_commands_and_where_it_stops(client, slug):
    p = pair(slug)
    response = client.get(f"/concepts/{slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(p.vsphere.name) in html and escape(p.kubernetes.name) in html
    for command in p.commands:
        assert f"<code>{escape(command.vsphere)}</code>" in html
        assert f"<code>{escape(command.kubernetes)}</code>" in html
    assert "Everyday commands side by side" in html
    assert f"it reaches <strong>{p.expect.state}</strong>" in html
    first_words = " ".join(p.differ.split()[:4])
    assert escape(first_words) in html or first_words in re.sub(r"<[^>]+>", "", html)
    for note in p.then_now:
        assert escape(note.since) in html


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("SRM", "srm-velero"),
        ("Site Recovery Manager", "srm-velero"),
        ("Velero", "srm-velero"),
        ("content library", "content-library-oci-registry"),
        ("subscribed library", "content-library-oci-registry"),
        ("Helm", "content-library-oci-registry"),
        ("host profile", "host-profiles-node-config"),
        ("ClusterClass", "host-profiles-node-config"),
        ("vLCM", "vlcm-cluster-upgrades"),
        ("version skew", "vlcm-cluster-upgrades"),
        ("alarm definition", "alarms-prometheus-rules"),
        ("PrometheusRule", "alarms-prometheus-rules"),
        ("Enhanced Linked Mode", "linked-mode-kubeconfig-contexts"),
        ("kubeconfig contexts", "linked-mode-kubeconfig-contexts"),
        ("multi-cluster", "linked-mode-kubeconfig-contexts"),
        ("VMCA", "vmca-cluster-pki"),
        ("CertificateSigningRequest", "vmca-cluster-pki"),
        ("key provider", "vm-encryption-secrets-at-rest"),
        ("EncryptionConfiguration", "vm-encryption-secrets-at-rest"),
        ("vCenter Single Sign-On", "sso-oidc-vsphere-login"),
        ("kubectl vsphere login", "sso-oidc-vsphere-login"),
        ("hardening", "vm-hardening-pod-security"),
        ("Pod Security Admission", "vm-hardening-pod-security"),
    ],
)
def test_search_puts_the_pair_first_for_its_own_words(query, slug):
    results = catalogue().search(query)
    assert results and results[0].slug == slug, [p.slug for p in results[:3]]


@pytest.mark.django_db
def test_catalogue_search_view_finds_srm_by_its_vsphere_name(client, htmx_headers):
    html = client.get("/concepts/", {"q": "SRM"}, **htmx_headers).content.decode()
    first_card = re.search(r'class="pair-card" href="([^"]+)"', html).group(1)
    assert first_card == "/concepts/srm-velero/"


# What each example shows in the sandbox ----------------------------------------------------


def test_hardened_namespace_runs_the_restricted_pod_and_refuses_a_plain_nginx_pod():
    """PodSecurity admission (k8s.io/pod-security-admission, policy.checkRestricted…): a pod
    without a securityContext fails the restricted level, and `enforce` refuses it in
    upstream's words; the example's pod passes every check and runs."""
    cluster = sandbox("vm-hardening-pod-security")
    web = cluster.get("Pod", "web", "hardened")
    assert web["status"]["phase"] == "Running" and pod_ready(web)
    plain = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "plain", "namespace": "hardened"},
        "spec": {"containers": [{"name": "plain", "image": "nginx"}]},
    }
    with pytest.raises(ApiError) as refused:
        cluster.create(plain)
    message = str(refused.value)
    assert 'pods "plain" is forbidden: violates PodSecurity "restricted:latest"' in message
    for check in ("allowPrivilegeEscalation != false", "runAsNonRoot != true", "seccompProfile"):
        assert check in message
    # The same pod is admitted where no level is enforced: the refusal is the namespace's label.
    plain["metadata"]["namespace"] = "default"
    assert cluster.create(plain)["metadata"]["name"] == "plain"


def test_sso_binding_lets_the_sso_user_and_group_edit_only_their_namespace():
    """RBACAuthorizer (plugin/pkg/auth/authorizer/rbac): a RoleBinding grants its subjects the
    ClusterRole `edit` in its own namespace only; users reach it with the sso: prefix."""
    cluster = sandbox("sso-oidc-vsphere-login", seconds=5)
    jane = User("sso:jane@vsphere.local", ("system:authenticated",))
    colleague = User("sso:sam@vsphere.local", ("sso:payments-devs@vsphere.local", "system:authenticated"))
    stranger = User("sso:eve@vsphere.local", ("system:authenticated",))
    for user in (jane, colleague):
        assert allowed(cluster, user, "create", "deployments", "payments", "apps")
        assert not allowed(cluster, user, "create", "deployments", "default", "apps")
    assert not allowed(cluster, stranger, "create", "deployments", "payments", "apps")
    # The prefix matters: the bare directory name is a different user.
    assert not allowed(cluster, User("jane@vsphere.local"), "get", "pods", "payments")


def test_csr_example_waits_for_approval():
    """certificates.k8s.io/v1: a new request has no conditions, which kubectl prints as
    Pending (printCertificateSigningRequest); its spec keeps the signer and usages asked for."""
    cluster = sandbox("vmca-cluster-pki", seconds=5)
    csr = cluster.get("CertificateSigningRequest", "jane")
    assert condition_text(csr) == "Pending"
    assert csr["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client"
    assert csr["spec"]["usages"] == ["client auth"]
    pem = base64.b64decode(csr["spec"]["request"])
    assert pem.startswith(b"-----BEGIN CERTIFICATE REQUEST-----")


def test_secret_example_is_only_base64_which_anyone_can_decode():
    """stringData is merged into data as base64 (pkg/apis/core/v1 conversion): an encoding
    that any reader reverses, which is the pair's point about encryption at rest."""
    cluster = sandbox("vm-encryption-secrets-at-rest", seconds=5)
    secret = cluster.get("Secret", "db-credentials", "default")
    assert "stringData" not in secret
    assert base64.b64decode(secret["data"]["password"]).decode() == "s3cret-but-only-base64"


def test_upgrade_example_budget_allows_one_eviction_at_a_time():
    """DisruptionController and the eviction subresource (pkg/registry/core/pod/storage/
    eviction.go): with 3 ready replicas and minAvailable 2 one eviction is allowed; a second
    one before a replacement is ready is refused with 429, as a node drain would see it."""
    cluster = sandbox("vlcm-cluster-upgrades")
    budget = cluster.get("PodDisruptionBudget", "web", "default")
    assert budget["status"]["disruptionsAllowed"] == 1
    first, second = [p["metadata"]["name"] for p in cluster.list("Pod", namespace="default")][:2]
    cluster.evict(first)
    with pytest.raises(ApiError) as refused:
        cluster.evict(second)
    assert refused.value.code == 429
    assert "disruption budget" in str(refused.value)
    cluster.advance(60)
    running = [p for p in cluster.list("Pod", namespace="default") if pod_ready(p)]
    assert len(running) == 3  # the ReplicaSet replaced the evicted pod


def test_alarm_rules_are_a_prometheus_rules_file_mounted_into_a_running_prometheus():
    cluster = sandbox("alarms-prometheus-rules")
    rules = yaml.safe_load(
        doc("alarms-prometheus-rules", "ConfigMap", "alert-rules")["data"]["pods.rules.yaml"]
    )
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {a["alert"] for a in alerts} == {"PodRestartingOften", "NodeNotReady"}
    assert all(a["expr"] and re.fullmatch(r"\d+[smh]", a["for"]) for a in alerts)
    config = yaml.safe_load(
        doc("alarms-prometheus-rules", "ConfigMap", "prometheus-config")["data"]["prometheus.yml"]
    )
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yaml"]
    [pod] = [
        p
        for p in cluster.list("Pod", namespace="default")
        if p["metadata"]["labels"].get("app") == "prometheus"
    ]
    assert pod["status"]["phase"] == "Running" and pod_ready(pod)
    mounted = {v["configMap"]["name"] for v in pod["spec"]["volumes"] if "configMap" in v}
    assert mounted == {"prometheus-config", "alert-rules"}


def test_the_prometheus_operator_kind_is_not_served_without_its_crds():
    """kubectl apply of a kind no CRD defines: the pair's 'where it stops' says PrometheusRule
    exists only with the operator's CRDs, and the sandbox says so in kubectl's words."""
    cluster = Cluster.new("default", seed=1)
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "workloads", "namespace": "default"},
        "spec": {"groups": []},
    }
    with pytest.raises(ApiError, match='no matches for kind "PrometheusRule"'):
        cluster.apply([rule])


def test_fleet_viewer_is_applied_per_cluster_and_reads_but_does_not_change():
    """Two sandboxes stand for two contexts: applying to one leaves the other untouched, and
    the ServiceAccount bound to `view` may list pods everywhere but delete nothing."""
    prod, lab = sandbox("linked-mode-kubeconfig-contexts", 5), Cluster.new("default", seed=2)
    assert not [
        sa
        for sa in lab.list("ServiceAccount", namespace="kube-system")
        if sa["metadata"]["name"] == "fleet-viewer"
    ]
    viewer = service_account_user("kube-system", "fleet-viewer")
    assert allowed(prod, viewer, "list", "pods", "default")
    assert allowed(prod, viewer, "list", "deployments", "kube-system", "apps")
    assert not allowed(prod, viewer, "delete", "pods", "default")
    assert not allowed(lab, viewer, "list", "pods", "default")
    # Applying the same manifest again changes nothing: the loop over contexts is safe to rerun.
    before = prod.get("ClusterRoleBinding", "fleet-viewer")["metadata"]["resourceVersion"]
    prod.apply(pair("linked-mode-kubeconfig-contexts").manifest)
    assert prod.get("ClusterRoleBinding", "fleet-viewer")["metadata"]["resourceVersion"] == before


def test_velero_example_app_has_its_claim_bound_and_opts_its_volume_in():
    cluster = sandbox("srm-velero")
    claim = cluster.get("PersistentVolumeClaim", "orders", "shop")
    assert claim["status"]["phase"] == "Bound"
    [pod] = cluster.list("Pod", namespace="shop")
    assert pod["status"]["phase"] == "Running" and pod_ready(pod)
    assert pod["metadata"]["annotations"]["backup.velero.io/backup-volumes"] == "data"
    schedule = {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": {"name": "shop-daily", "namespace": "default"},
        "spec": {"schedule": "0 2 * * *", "template": {"includedNamespaces": ["shop"]}},
    }
    with pytest.raises(ApiError, match='no matches for kind "Schedule"'):
        cluster.apply([schedule])


def test_kubelet_config_is_a_kubelet_configuration_as_kubeadm_stores_it():
    cluster = sandbox("host-profiles-node-config", seconds=5)
    stored = cluster.get("ConfigMap", "kubelet-config", "kube-system")
    config = yaml.safe_load(stored["data"]["kubelet"])
    assert (config["apiVersion"], config["kind"]) == ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration")
    assert config["cgroupDriver"] == "systemd" and config["evictionHard"]["memory.available"] == "200Mi"


def test_registry_example_pulls_from_harbor_with_its_pull_secret_and_reports_a_digest():
    cluster = sandbox("content-library-oci-registry")
    secret = cluster.get("Secret", "harbor-pull", "default")
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    assert "harbor.corp.local" in base64.b64decode(secret["data"][".dockerconfigjson"]).decode()
    pods = [
        p
        for p in cluster.list("Pod", namespace="default")
        if p["metadata"]["labels"].get("app") == "restreview-ui"
    ]
    assert len(pods) == 2
    for pod in pods:
        assert pod_ready(pod) and pod["spec"]["imagePullSecrets"] == [{"name": "harbor-pull"}]
        image_id = pod["status"]["containerStatuses"][0]["imageID"]
        assert image_id.startswith("harbor.corp.local/library/restreview-ui@sha256:")

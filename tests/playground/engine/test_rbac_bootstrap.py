"""The bootstrap policy is stored, as kube-apiserver's rbac/bootstrap-roles post-start hook
(pkg/registry/rbac/rest/storage_rbac.go EnsureRBACPolicy) leaves it: cluster-admin, admin,
edit and view are ClusterRoles that `kubectl get clusterroles` lists, with their rules."""

import pytest

from playground import console
from playground.engine import Cluster, rbac
from playground.engine.rbac import Attributes, User

GROUP = "rbac.authorization.k8s.io"


def _names(cluster, kind):
    return {o["metadata"]["name"] for o in cluster.list(kind)}


@pytest.mark.parametrize("profile", ["default", "minimal", "vsphere"])
def test_every_profile_stores_the_user_facing_cluster_roles_and_their_bindings(profile):
    cluster = Cluster.new(profile)
    assert {"cluster-admin", "admin", "edit", "view"} <= _names(cluster, "ClusterRole")
    assert {"cluster-admin", "system:basic-user", "system:discovery"} <= _names(cluster, "ClusterRoleBinding")
    binding = cluster.get("ClusterRoleBinding", "cluster-admin")
    assert binding["subjects"] == [{"apiGroup": GROUP, "kind": "Group", "name": "system:masters"}]
    assert binding["roleRef"] == {"apiGroup": GROUP, "kind": "ClusterRole", "name": "cluster-admin"}


def test_kubectl_get_clusterroles_lists_them(cluster):
    out = console.run(cluster, console.parse("kubectl get clusterroles"))
    names = [line.split()[0] for line in out.splitlines()[1:] if line.strip()]
    for name in ("admin", "cluster-admin", "edit", "view"):
        assert name in names


def test_stored_roles_carry_bootstrap_policy_labels_and_the_aggregated_rules(cluster):
    """bootstrappolicy.ClusterRoles: cluster-admin is * on everything; view, edit and admin
    are aggregated (aggregate-to-view into view, view into edit, edit into admin), and the
    aggregation controller writes the collected rules into each one."""
    admin_role = cluster.get("ClusterRole", "cluster-admin")
    assert {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]} in admin_role["rules"]
    assert {"nonResourceURLs": ["*"], "verbs": ["*"]} in admin_role["rules"]
    view = cluster.get("ClusterRole", "view")
    assert view["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
    assert view["metadata"]["labels"][f"{GROUP}/aggregate-to-edit"] == "true"
    assert view["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] == "true"
    assert view["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {f"{GROUP}/aggregate-to-view": "true"}}]
    }

    def grants(role, verb, group, resource):
        return any(
            verb in r.get("verbs", [])
            and group in r.get("apiGroups", [])
            and resource in r.get("resources", [])
            for r in role["rules"]
        )

    edit = cluster.get("ClusterRole", "edit")
    admin = cluster.get("ClusterRole", "admin")
    assert grants(view, "list", "", "pods") and not grants(view, "get", "", "secrets")
    assert grants(edit, "create", "apps", "deployments") and grants(edit, "get", "", "secrets")
    assert grants(edit, "list", "", "pods")  # view's rules, aggregated into edit
    assert not grants(edit, "create", GROUP, "rolebindings")
    assert grants(admin, "create", GROUP, "rolebindings") and grants(admin, "delete", "apps", "deployments")


def test_the_stored_roles_decide_and_a_role_aggregated_later_still_counts(cluster):
    """rule.go VisitRulesFor reads the stored roles; an aggregate-to-view role added after
    the bootstrap extends view (and edit, admin) as the aggregation controller would."""
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    cluster.api.create(
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "dev-view"},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": GROUP, "kind": "User", "name": "developer"}],
        },
        "team-a",
    )
    dev = User("developer")

    def can(verb, resource, group=""):
        attrs = Attributes(verb=verb, api_group=group, resource=resource, namespace="team-a")
        return rbac.authorize(cluster.store, dev, attrs).allowed

    assert can("list", "pods") and not can("create", "pods") and not can("get", "secrets")
    assert not can("list", "widgets", "example.com")
    cluster.api.create(
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "widget-viewer", "labels": {f"{GROUP}/aggregate-to-view": "true"}},
            "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["list"]}],
        }
    )
    assert can("list", "widgets", "example.com")


def test_a_stored_role_is_not_overwritten_and_a_deleted_one_stays_deleted(cluster):
    """The policy is stored once, when the cluster is built; what a learner changes stays."""
    role = cluster.get("ClusterRole", "view")
    rbac.store_bootstrap_policy(cluster)
    assert (
        cluster.get("ClusterRole", "view")["metadata"]["resourceVersion"]
        == role["metadata"]["resourceVersion"]
    )
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    cluster.api.create(
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "dev-edit"},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"apiGroup": GROUP, "kind": "User", "name": "developer"}],
        },
        "team-a",
    )
    attrs = Attributes(verb="create", api_group="apps", resource="deployments", namespace="team-a")
    assert rbac.authorize(cluster.store, User("developer"), attrs).allowed
    cluster.api.delete("ClusterRole", "edit")
    assert "edit" not in _names(cluster, "ClusterRole")
    # A binding to a deleted role grants nothing and carries the lister's not-found error
    # (rule.go GetRoleReferenceRules), as upstream.
    decision = rbac.authorize(cluster.store, User("developer"), attrs)
    assert not decision.allowed
    assert decision.reason == f'RBAC: clusterrole.{GROUP} "edit" not found'


def test_a_cluster_saved_before_the_policy_was_stored_still_has_the_built_in_roles(cluster):
    for kind in ("ClusterRoleBinding", "ClusterRole"):
        for obj in list(cluster.store.iter(kind)):
            if (obj["metadata"].get("labels") or {}).get("kubernetes.io/bootstrapping") == "rbac-defaults":
                cluster.store.remove(kind, obj)
    assert "view" not in _names(cluster, "ClusterRole")
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    cluster.api.create(
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "dev-view"},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": GROUP, "kind": "User", "name": "developer"}],
        },
        "team-a",
    )
    attrs = Attributes(verb="list", resource="pods", namespace="team-a")
    assert rbac.authorize(cluster.store, User("developer"), attrs).allowed

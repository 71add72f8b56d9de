"""The RBAC authorizer (playground/engine/rbac.py) against the engine's own store."""

import pytest

from playground.engine import rbac
from playground.engine.rbac import Attributes, User

DEV = User("developer", ("developers", rbac.AUTHENTICATED))
GROUP = "rbac.authorization.k8s.io"


def _namespace(cluster, name):
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def _binding(cluster, name, namespace, role, subjects, role_kind="ClusterRole"):
    body = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "RoleBinding" if namespace else "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": GROUP, "kind": role_kind, "name": role},
        "subjects": subjects,
    }
    cluster.api.create(body, namespace)


def _user(name="developer"):
    return [{"apiGroup": GROUP, "kind": "User", "name": name}]


def _can(cluster, user, verb, resource, namespace="", group="", name="", sub=""):
    attributes = Attributes(
        verb=verb, api_group=group, resource=resource, namespace=namespace, name=name, subresource=sub
    )
    return rbac.authorize(cluster.store, user, attributes).allowed


@pytest.fixture
def team(cluster):
    _namespace(cluster, "team-a")
    _binding(cluster, "dev-edit", "team-a", "edit", _user())
    return cluster


def test_rolebinding_to_edit_allows_in_its_namespace_only(team):
    """RBACAuthorizer.Authorize via VisitRulesFor: a RoleBinding's rules apply only to
    requests in the binding's namespace; edit aggregates view (bootstrappolicy: view is
    labelled aggregate-to-edit), so reads come from view's rules and writes from
    system:aggregate-to-edit."""
    assert _can(team, DEV, "list", "pods", "team-a")
    assert _can(team, DEV, "create", "deployments", "team-a", "apps")
    assert _can(team, DEV, "get", "pods", "team-a", name="web", sub="log")
    assert not _can(team, DEV, "list", "pods", "default")
    assert not _can(team, DEV, "create", "deployments", "default", "apps")
    assert not _can(team, DEV, "list", "pods")  # kubectl get pods -A: the cluster scope
    # edit grants no quota or RBAC writes and no status writes (the privileged parts).
    assert not _can(team, DEV, "create", "resourcequotas", "team-a")
    assert not _can(team, DEV, "create", "roles", "team-a", GROUP)
    assert not _can(team, DEV, "update", "pods", "team-a", name="web", sub="status")
    assert _can(team, DEV, "get", "pods", "team-a", name="web", sub="status")


def test_admin_is_edit_plus_roles(team):
    """The admin ClusterRole aggregates edit (labelled aggregate-to-admin) and
    system:aggregate-to-admin's roles and rolebindings."""
    _binding(team, "lead-admin", "team-a", "admin", _user("lead"))
    lead = User("lead", (rbac.AUTHENTICATED,))
    assert _can(team, lead, "create", "rolebindings", "team-a", GROUP)
    assert _can(team, lead, "delete", "pods", "team-a", name="x")
    assert not _can(team, DEV, "create", "rolebindings", "team-a", GROUP)


def test_view_reads_but_never_secrets(cluster):
    """system:aggregate-to-view has no secrets: view cannot read them, edit can."""
    _namespace(cluster, "team-a")
    _binding(cluster, "v", "team-a", "view", _user("viewer"))
    viewer = User("viewer", (rbac.AUTHENTICATED,))
    assert _can(cluster, viewer, "get", "deployments", "team-a", "apps", name="web")
    assert not _can(cluster, viewer, "get", "secrets", "team-a", name="db")
    assert not _can(cluster, viewer, "delete", "pods", "team-a", name="web")


def test_custom_role_aggregates_into_edit(team):
    """clusterroleaggregation syncClusterRole: a ClusterRole labelled aggregate-to-edit
    adds its rules to edit (and so to admin)."""
    assert not _can(team, DEV, "create", "widgets", "team-a", "example.com")
    team.api.create(
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "widgets-edit", "labels": {f"{GROUP}/aggregate-to-edit": "true"}},
            "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["*"]}],
        }
    )
    assert _can(team, DEV, "create", "widgets", "team-a", "example.com")


def test_rule_allows_matching():
    """RuleAllows (rbac/v1/evaluation_helpers.go): verbs and groups with *, resources with
    * and */subresource, resourceNames, nonResourceURLs with a trailing *."""
    rule = {"verbs": ["get"], "apiGroups": [""], "resources": ["pods/log"]}
    assert rbac.rule_allows(Attributes("get", resource="pods", subresource="log"), rule)
    assert not rbac.rule_allows(Attributes("get", resource="pods"), rule)
    star = {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*/scale"]}
    assert rbac.rule_allows(
        Attributes("patch", api_group="apps", resource="deployments", subresource="scale"), star
    )
    assert not rbac.rule_allows(Attributes("patch", api_group="apps", resource="deployments"), star)
    named = {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["app"]}
    assert rbac.rule_allows(Attributes("get", resource="configmaps", name="app"), named)
    assert not rbac.rule_allows(Attributes("get", resource="configmaps", name="other"), named)
    assert not rbac.rule_allows(Attributes("list", resource="configmaps"), named)
    urls = {"verbs": ["get"], "nonResourceURLs": ["/apis/*", "/version"]}
    assert rbac.rule_allows(Attributes("get", resource_request=False, path="/apis/apps/v1"), urls)
    assert rbac.rule_allows(Attributes("get", resource_request=False, path="/version"), urls)
    assert not rbac.rule_allows(Attributes("get", resource_request=False, path="/metrics"), urls)
    assert not rbac.rule_allows(Attributes("post", resource_request=False, path="/version"), urls)


def test_bootstrap_bindings(cluster):
    """bootstrappolicy.ClusterRoleBindings: system:masters is cluster-admin (and the
    privileged-group authorizer allows it first); every authenticated user may discover
    the API and review itself."""
    nobody = User("nobody", (rbac.AUTHENTICATED,))
    assert rbac.authorize(
        cluster.store, User("admin", (rbac.MASTERS,)), Attributes("delete", resource="nodes")
    ).allowed
    for path in ("/api", "/apis/apps/v1", "/version", "/healthz", "/openapi/v3"):
        assert rbac.authorize(
            cluster.store, nobody, Attributes("get", resource_request=False, path=path)
        ).allowed
    assert not rbac.authorize(
        cluster.store, nobody, Attributes("get", resource_request=False, path="/metrics")
    ).allowed
    review = Attributes("create", api_group="authorization.k8s.io", resource="selfsubjectaccessreviews")
    assert rbac.authorize(cluster.store, nobody, review).allowed


def test_service_account_subjects(cluster):
    """appliesToUser: a ServiceAccount subject without a namespace means the binding's."""
    _namespace(cluster, "team-a")
    _binding(cluster, "ci", "team-a", "edit", [{"kind": "ServiceAccount", "name": "ci"}])
    ci = rbac.service_account_user("team-a", "ci")
    assert ci.name == "system:serviceaccount:team-a:ci"
    assert _can(cluster, ci, "create", "pods", "team-a")
    other = rbac.service_account_user("default", "ci")
    assert not _can(cluster, other, "create", "pods", "team-a")


def test_group_subjects_and_roles(team):
    """A Group subject; a Role's rules in its own namespace; the reason names the binding
    (rbac.go: "RBAC: allowed by RoleBinding ...", rule.go roleBindingDescriber)."""
    team.api.create(
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "Role",
            "metadata": {"name": "cm-reader"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
        },
        "team-a",
    )
    _binding(
        team,
        "devs-cm",
        "team-a",
        "cm-reader",
        [{"apiGroup": GROUP, "kind": "Group", "name": "developers"}],
        "Role",
    )
    decision = rbac.authorize(
        team.store,
        User("alice", ("developers",)),
        Attributes("get", resource="configmaps", namespace="team-a", name="x"),
    )
    assert decision.allowed
    assert (
        decision.reason
        == 'RBAC: allowed by RoleBinding "devs-cm/team-a" of Role "cm-reader" to Group "developers"'
    )


def test_missing_role_is_the_reason(team):
    """A binding to a role that does not exist allows nothing; the lister's not-found error
    becomes the refusal's reason (rbac.go Authorize: "RBAC: " + the aggregate)."""
    _binding(team, "ghost", "team-a", "nope", _user(), "Role")
    decision = rbac.authorize(
        team.store, DEV, Attributes("create", resource="resourcequotas", namespace="team-a")
    )
    assert not decision.allowed
    assert decision.reason == 'RBAC: role.rbac.authorization.k8s.io "nope" not found'


def test_request_attributes():
    """NewRequestInfo (requestinfo.go): verbs from the method, list/watch/deletecollection
    without a name, a namespace's own name as its namespace, the watch field selector's
    name, discovery as non-resource requests."""
    a = rbac.request_attributes("GET", "/api/v1/namespaces/team-a/pods", {})
    assert (a.verb, a.resource, a.namespace, a.api_group) == ("list", "pods", "team-a", "")
    a = rbac.request_attributes("GET", "/apis/apps/v1/namespaces/x/deployments", {"watch": "true"})
    assert (a.verb, a.api_group, a.api_version) == ("watch", "apps", "v1")
    a = rbac.request_attributes("GET", "/api/v1/namespaces/x/pods", {"fieldSelector": "metadata.name=web"})
    assert (a.verb, a.name) == ("list", "web")
    a = rbac.request_attributes("DELETE", "/api/v1/namespaces/x/pods", {})
    assert a.verb == "deletecollection"
    a = rbac.request_attributes("GET", "/api/v1/namespaces/team-a", {})
    assert (a.resource, a.name, a.namespace) == ("namespaces", "team-a", "team-a")
    a = rbac.request_attributes("PUT", "/api/v1/namespaces/team-a/finalize", {})
    assert (a.resource, a.subresource, a.verb) == ("namespaces", "finalize", "update")
    a = rbac.request_attributes("GET", "/api/v1/namespaces/x/pods/web/log", {})
    assert (a.resource, a.name, a.subresource, a.verb) == ("pods", "web", "log", "get")
    a = rbac.request_attributes("PATCH", "/api/v1/nodes/n1", {})
    assert (a.verb, a.namespace, a.name) == ("patch", "", "n1")
    for path in ("/api", "/api/v1", "/apis", "/apis/apps/v1", "/version", "/healthz"):
        a = rbac.request_attributes("GET", path, {})
        assert not a.resource_request and a.path == path and a.verb == "get"


def test_forbidden_message():
    """responsewriters.forbiddenMessage and apierrors.NewForbidden, word for word."""
    user = User("developer")
    list_pods = rbac.request_attributes("GET", "/api/v1/namespaces/default/pods", {})
    assert rbac.forbidden_message(user, list_pods) == (
        'pods is forbidden: User "developer" cannot list resource "pods" in API group "" in the namespace "default"'
    )
    node = rbac.request_attributes("DELETE", "/api/v1/nodes/n1", {})
    assert rbac.forbidden_message(user, node) == (
        'nodes "n1" is forbidden: User "developer" cannot delete resource "nodes" in API group "" at the cluster scope'
    )
    scale = rbac.request_attributes("PATCH", "/apis/apps/v1/namespaces/x/deployments/web/scale", {})
    assert rbac.forbidden_message(user, scale) == (
        'deployments.apps "web" is forbidden: User "developer" cannot patch resource "deployments/scale" '
        'in API group "apps" in the namespace "x"'
    )
    assert rbac.forbidden_message(user, rbac.request_attributes("GET", "/metrics", {})) == (
        'forbidden: User "developer" cannot get path "/metrics"'
    )


def test_rules_for_lists_what_applies(team):
    """RulesFor as SelfSubjectRulesReview shows it: the bootstrap rules for every
    authenticated user, and the RoleBinding's only in its namespace."""
    resources, urls, errors = rbac.rules_for(team.store, DEV, "team-a")
    assert errors == []
    assert {
        "verbs": ["create"],
        "apiGroups": ["authentication.k8s.io"],
        "resources": ["selfsubjectreviews"],
    } in resources
    assert any("deployments" in r["resources"] and "create" in r["verbs"] for r in resources)
    assert {
        "verbs": ["get"],
        "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"],
    } in urls
    elsewhere, _urls, _errors = rbac.rules_for(team.store, DEV, "default")
    assert not any("deployments" in r["resources"] for r in elsewhere)
    admin, _urls, _errors = rbac.rules_for(team.store, User("root", (rbac.MASTERS,)), "default")
    assert admin[0] == {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}

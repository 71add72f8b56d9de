"""Identities a sandbox issues, through Django: minting kubeconfigs, RBAC enforced on
every request of a non-owner, impersonation, and each token opening one sandbox only."""

import io
import json

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from playground import identities
from playground.kubeapi import views
from playground.models import Sandbox, SandboxIdentity

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(client):
    assert client.post("/playground/try/self-healing").status_code == 302
    return Sandbox.objects.get()


def _api(client, token, method, path, body=None, **headers):
    call = getattr(client, method.lower())
    kwargs = {"content_type": "application/json"} if body is not None else {}
    data = json.dumps(body) if body is not None else None
    response = (
        call(f"/k8s/{token}{path}", data, **kwargs, **headers)
        if data
        else call(f"/k8s/{token}{path}", **headers)
    )
    return response.status_code, json.loads(response.content) if response.content[
        :1
    ] == b"{" else response.content


def _bind(client, sandbox, namespace, role, user="developer"):
    status, _ = _api(
        client,
        sandbox.token,
        "POST",
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": f"{user}-{role}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
        },
    )
    assert status == 201


def test_the_web_form_mints_a_kubeconfig_for_a_developer(client, sandbox):
    """The sandbox page offers the form; posting it downloads a kubeconfig whose token is
    the identity's own (not the sandbox's), whose user entry is the user's name."""
    page = client.get(f"/playground/{sandbox.public_id}/").content.decode()
    assert f'action="/playground/{sandbox.public_id}/identities"' in page
    assert "system:masters" in page
    response = client.post(
        f"/playground/{sandbox.public_id}/identities",
        {"kind": "user", "username": "developer", "groups": "developers, qa", "namespace": "team-a"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="kubeconfig-developer-')
    config = yaml.safe_load(response.content)
    identity = SandboxIdentity.objects.get()
    assert identity.sandbox == sandbox and identity.groups == ["developers", "qa"]
    assert config["users"] == [{"name": "developer", "user": {"token": identity.token}}]
    assert config["clusters"][0]["cluster"]["server"] == f"http://testserver/k8s/{identity.token}"
    assert config["contexts"][0]["context"]["namespace"] == "team-a"
    assert identity.token != sandbox.token and len(identity.token) >= 43  # 256 random bits
    # Asking again keeps the token; another visitor may not mint for this sandbox.
    client.post(f"/playground/{sandbox.public_id}/identities", {"kind": "user", "username": "developer"})
    assert SandboxIdentity.objects.get().token == identity.token
    stranger = Client()
    refused = stranger.post(f"/playground/{sandbox.public_id}/identities", {"username": "x"})
    assert refused.status_code == 404 and SandboxIdentity.objects.count() == 1
    bad = client.post(
        f"/playground/{sandbox.public_id}/identities", {"kind": "serviceaccount", "serviceaccount": "x"}
    )
    assert bad.status_code == 400
    # A page that says what to type, not a bare text answer that leaves the workspace.
    assert "Give the ServiceAccount as namespace/name" in bad.content.decode()
    assert "<html" in bad.content.decode()


def test_whoami_and_the_developers_refusals_in_upstreams_words(client, sandbox):
    """SelfSubjectReview names the identity and its groups (plus system:authenticated);
    an unbound developer may discover the API (system:discovery) but nothing else, with
    responsewriters.Forbidden's Status: 403, reason Forbidden, details name/group/kind."""
    identity = identities.mint(sandbox, "developer", ["developers"])
    status, review = _api(
        client,
        identity.token,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert status == 201
    assert review["status"]["userInfo"] == {
        "username": "developer",
        "groups": ["developers", "system:authenticated"],
    }
    for path in ("/version", "/api", "/apis", "/apis/apps/v1", "/healthz"):
        assert client.get(f"/k8s/{identity.token}{path}").status_code == 200, path
    status, body = _api(client, identity.token, "GET", "/api/v1/namespaces/default/pods")
    assert status == 403
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods is forbidden: User "developer" cannot list resource "pods" in API group "" '
        'in the namespace "default"',
        "reason": "Forbidden",
        "details": {"kind": "pods"},
        "code": 403,
    }
    status, body = _api(client, identity.token, "DELETE", "/api/v1/nodes/worker-1")
    assert status == 403
    assert body["message"] == (
        'nodes "worker-1" is forbidden: User "developer" cannot delete resource "nodes" in API group "" '
        "at the cluster scope"
    )
    assert body["details"] == {"name": "worker-1", "kind": "nodes"}
    # Authorization comes before routing: a path the developer may not get is 403 whether or not it exists.
    status, body = _api(client, identity.token, "GET", "/metrics")
    assert status == 403 and body["message"] == 'forbidden: User "developer" cannot get path "/metrics"'
    assert body["details"] == {}
    # The owner's token is untouched: cluster-admin.
    assert _api(client, sandbox.token, "GET", "/api/v1/namespaces/default/pods")[0] == 200


def test_a_rolebinding_opens_one_namespace(client, sandbox):
    """RBACAuthorizer over the sandbox's own RoleBindings: edit in team-a lets the developer
    list, create and read logs there (view's rules aggregate into edit), and nowhere else;
    a write it is refused changes nothing."""
    _api(client, sandbox.token, "POST", "/api/v1/namespaces", {"metadata": {"name": "team-a"}})
    _bind(client, sandbox, "team-a", "edit")
    identity = identities.mint(sandbox, "developer")
    token = identity.token
    assert _api(client, token, "GET", "/api/v1/namespaces/team-a/pods")[0] == 200
    assert _api(client, token, "GET", "/api/v1/namespaces/team-a")[0] == 200  # its own namespace
    assert _api(client, token, "GET", "/api/v1/namespaces")[0] == 403  # not the list of them
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"}, "data": {"a": "1"}}
    assert _api(client, token, "POST", "/api/v1/namespaces/team-a/configmaps", config)[0] == 201
    status, body = _api(client, token, "POST", "/api/v1/namespaces/default/configmaps", config)
    assert status == 403
    assert body["message"] == (
        'configmaps is forbidden: User "developer" cannot create resource "configmaps" in API group "" '
        'in the namespace "default"'
    )
    assert _api(client, sandbox.token, "GET", "/api/v1/namespaces/default/configmaps/app")[0] == 404
    # Quotas are the namespace owner's (edit cannot write them), as a pool's limits are.
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q"},
        "spec": {"hard": {"pods": "1"}},
    }
    assert _api(client, token, "POST", "/api/v1/namespaces/team-a/resourcequotas", quota)[0] == 403


def test_can_i_answers_for_the_asker(client, sandbox):
    """SelfSubjectAccessReview (selfsubjectaccessreview/rest.go Create): the identity's
    own answer, with RBAC's "allowed by" reason; the owner is always allowed."""
    _api(client, sandbox.token, "POST", "/api/v1/namespaces", {"metadata": {"name": "team-a"}})
    _bind(client, sandbox, "team-a", "edit")
    token = identities.mint(sandbox, "developer").token

    def can(tok, namespace, **headers):
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {
                "resourceAttributes": {
                    "namespace": namespace,
                    "verb": "create",
                    "group": "apps",
                    "resource": "deployments",
                }
            },
        }
        status, review = _api(
            client, tok, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body, **headers
        )
        assert status == 201
        return review["status"]

    assert can(token, "team-a") == {
        "allowed": True,
        "reason": 'RBAC: allowed by RoleBinding "developer-edit/team-a" of ClusterRole "edit" to User "developer"',
    }
    assert can(token, "default") == {"allowed": False}
    assert can(sandbox.token, "default") == {"allowed": True}
    # The owner impersonating the developer gets the developer's answer.
    assert can(sandbox.token, "default", HTTP_IMPERSONATE_USER="developer") == {"allowed": False}
    assert can(sandbox.token, "team-a", HTTP_IMPERSONATE_USER="developer")["allowed"] is True


def test_impersonation_is_the_owners(client, sandbox):
    """WithImpersonation: the owner may act as anyone (groups too); an identity without the
    impersonate verb gets 403 naming the users resource, as upstream."""
    token = identities.mint(sandbox, "developer").token
    status, body = _api(client, token, "GET", "/version", HTTP_IMPERSONATE_USER="admin")
    assert status == 403
    assert body["message"] == (
        'users "admin" is forbidden: User "developer" cannot impersonate resource "users" in API group "" '
        "at the cluster scope"
    )
    status, body = _api(
        client,
        sandbox.token,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        HTTP_IMPERSONATE_USER="jane",
        HTTP_IMPERSONATE_GROUP="ops",
    )
    assert status == 201
    assert body["status"]["userInfo"] == {"username": "jane", "groups": ["ops", "system:authenticated"]}
    status, body = _api(
        client, sandbox.token, "GET", "/api/v1/namespaces/default/pods", HTTP_IMPERSONATE_USER="jane"
    )
    assert status == 403 and 'User "jane" cannot list resource "pods"' in body["message"]


def test_a_service_account_identity(client, sandbox):
    """serviceaccount.UserInfo: the account's name and groups; a RoleBinding to the
    ServiceAccount subject (namespace defaulted to the binding's) applies."""
    _api(client, sandbox.token, "POST", "/api/v1/namespaces", {"metadata": {"name": "team-a"}})
    out = io.StringIO()
    call_command("sandbox_kubeconfig", str(sandbox.public_id), "--service-account", "team-a/ci", stdout=out)
    config = yaml.safe_load(out.getvalue())
    assert config["users"][0]["name"] == "system:serviceaccount:team-a:ci"
    token = config["users"][0]["user"]["token"]
    status, _ = _api(
        client,
        sandbox.token,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings",
        {
            "metadata": {"name": "ci-view"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci"}],
        },
    )
    assert status == 201
    assert _api(client, token, "GET", "/apis/apps/v1/namespaces/team-a/deployments")[0] == 200
    assert _api(client, token, "GET", "/api/v1/namespaces/team-a/secrets")[0] == 403
    status, review = _api(
        client,
        token,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert review["status"]["userInfo"]["groups"] == [
        "system:serviceaccounts",
        "system:serviceaccounts:team-a",
        "system:authenticated",
    ]


def test_an_identity_token_opens_its_own_sandbox_only(client, sandbox):
    """A token belongs to exactly one sandbox: another sandbox's identity sees that sandbox
    alone, whatever it is allowed; once its sandbox is gone the token is 401."""
    assert client.post("/playground/try/self-healing").status_code == 302
    other = Sandbox.objects.exclude(pk=sandbox.pk).get()
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "only-in-first"}}
    assert _api(client, sandbox.token, "POST", "/api/v1/namespaces/default/configmaps", config)[0] == 201
    intruder = identities.mint(other, "admin-of-other", ["system:masters"])
    caller = views._sandbox(intruder.token)
    assert caller.sandbox.pk == other.pk
    status, body = _api(client, intruder.token, "GET", "/api/v1/namespaces/default/configmaps")
    assert status == 200
    assert "only-in-first" not in [item["metadata"]["name"] for item in body["items"]]
    assert (
        _api(client, intruder.token, "GET", "/api/v1/namespaces/default/configmaps/only-in-first")[0] == 404
    )
    # The bearer form too: the token, not the path, picks the sandbox.
    bearer = client.get(
        "/k8s/api/v1/namespaces/default/configmaps", HTTP_AUTHORIZATION=f"Bearer {intruder.token}"
    )
    assert "only-in-first" not in bearer.content.decode()
    # A near miss and a deleted sandbox's identity are 401.
    assert client.get(f"/k8s/{intruder.token[:-1]}x/version").status_code == 401
    other.delete()
    assert client.get(f"/k8s/{intruder.token}/version").status_code == 401

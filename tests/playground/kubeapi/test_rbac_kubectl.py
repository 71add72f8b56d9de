"""RBAC with the real kubectl 1.37 (issue 17 §4): a developer's kubeconfig bound to `edit`
in one namespace, the owner's cluster-admin and impersonation."""

import re

import pytest

from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl
from tests.servers import manage


@pytest.fixture
def team(api_server, tmp_path):
    """The owner's kubectl and a developer's, the developer bound to edit in team-a."""
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    created = manage(api_server.environment, "sandbox_kubeconfig", "--new", "--server", api_server.url)
    public_id = re.search(r"Created sandbox ([0-9a-f-]{36})", created.stderr).group(1)
    (tmp_path / "owner.yaml").write_text(created.stdout)
    minted = manage(
        api_server.environment,
        "sandbox_kubeconfig",
        public_id,
        "--user",
        "developer",
        "--group",
        "developers",
        "--namespace",
        "team-a",
        "--server",
        api_server.url,
    )
    (tmp_path / "dev.yaml").write_text(minted.stdout)
    owner = Kubectl(KUBECTLS["1.37"], tmp_path / "owner.yaml", tmp_path / "owner-cache")
    dev = Kubectl(KUBECTLS["1.37"], tmp_path / "dev.yaml", tmp_path / "dev-cache")
    owner.ok("create", "namespace", "team-a")
    owner.ok("create", "rolebinding", "dev-edit", "--clusterrole=edit", "--user=developer", "-n", "team-a")
    return owner, dev


def test_developer_works_in_its_namespace_and_is_refused_elsewhere(team):
    """RBACAuthorizer.Authorize (plugin/pkg/auth/authorizer/rbac/rbac.go) over the
    sandbox's RoleBinding; the refusal is responsewriters.Forbidden's forbiddenMessage,
    which kubectl prints after "Error from server (Forbidden)"."""
    owner, dev = team
    assert dev.ok("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}") == "developer"
    listed = dev.run("get", "pods", "-n", "team-a")
    assert listed.returncode == 0 and listed.stderr.strip() == "No resources found in team-a namespace."
    refused = dev.fails("get", "pods", "-n", "default")
    assert refused.strip() == (
        'Error from server (Forbidden): pods is forbidden: User "developer" cannot list resource "pods" '
        'in API group "" in the namespace "default"'
    )
    assert dev.ok("create", "deployment", "web", "--image=nginx:1.27") == "deployment.apps/web created\n"
    assert "web" in owner.ok("get", "deployments", "-n", "team-a")
    refused = dev.fails("create", "quota", "q", "--hard=pods=2")
    assert 'cannot create resource "resourcequotas" in API group "" in the namespace "team-a"' in refused
    refused = dev.fails("get", "nodes")
    assert refused.strip() == (
        'Error from server (Forbidden): nodes is forbidden: User "developer" cannot list resource "nodes" '
        'in API group "" at the cluster scope'
    )


def test_can_i_is_truthful_for_each_identity(team):
    """kubectl auth can-i sends a SelfSubjectAccessReview (selfsubjectaccessreview/rest.go)
    answered by the same authorizer; --as sends Impersonate-User, which the owner
    (system:masters) may and the developer may not (WithImpersonation's 403)."""
    owner, dev = team
    assert dev.ok("auth", "can-i", "create", "deployments", "-n", "team-a") == "yes\n"
    answer = dev.run("auth", "can-i", "create", "deployments", "-n", "default")
    assert answer.returncode == 1 and answer.stdout == "no\n"
    assert owner.ok("auth", "can-i", "create", "pods", "-n", "default") == "yes\n"
    answer = owner.run("auth", "can-i", "create", "pods", "--as", "developer", "-n", "default")
    assert answer.returncode == 1 and answer.stdout == "no\n"
    assert owner.ok("auth", "can-i", "create", "pods", "--as", "developer", "-n", "team-a") == "yes\n"
    assert owner.ok(
        "auth", "can-i", "get", "pods", "--subresource=log", "--as", "developer", "-n", "team-a"
    ) == ("yes\n")
    refused = dev.fails("get", "pods", "--as", "admin")
    assert refused.strip() == (
        'Error from server (Forbidden): users "admin" is forbidden: User "developer" cannot impersonate '
        'resource "users" in API group "" at the cluster scope'
    )


def test_can_i_list_shows_the_developers_rules(team):
    """kubectl auth can-i --list sends a SelfSubjectRulesReview for the namespace: edit's
    rules in team-a, only the bootstrap ones (system:basic-user, system:discovery,
    system:public-info-viewer) in default."""
    _owner, dev = team
    here = [line.split() for line in dev.ok("auth", "can-i", "--list", "-n", "team-a").splitlines()]
    # kubectl merges the verbs of one resource: edit's writes, then view's reads.
    verbs = ["[create", "delete", "deletecollection", "patch", "update", "get", "list", "watch]"]
    assert ["deployments.apps", "[]", "[]", *verbs] in here
    assert ["pods/log", "[]", "[]", "[get", "list", "watch]"] in here
    assert ["[/version]", "[]", "[get]"] in here
    elsewhere = dev.ok("auth", "can-i", "--list", "-n", "default")
    assert "deployments.apps" not in elsewhere and "pods" not in elsewhere.split()
    assert "selfsubjectaccessreviews.authorization.k8s.io" in elsewhere

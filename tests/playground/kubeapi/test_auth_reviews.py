"""Who am I and what may I do (issue 15, §3d): SelfSubjectReview, SelfSubjectRulesReview,
TokenRequest and TokenReview, through the handler and with the real kubectl 1.37."""

import base64
import json

import pytest
import yaml

from playground.engine import Cluster
from playground.engine.errors import ApiError
from playground.kubeapi import auth, discovery, handler
from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

TOKEN = "s3cret-sandbox-token"


def _post(cluster, path, body, user="sandbox-demo-learner"):
    req = handler.ApiRequest("POST", path, body=json.dumps(body).encode(), user=user, token=TOKEN)
    response = handler.write(cluster, handler.route(req.path), req)
    return response, json.loads(response.body)


def _claims(token: str) -> tuple[dict, dict]:
    header, claims, _signature = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(claims)


@pytest.fixture
def cluster():
    return Cluster.new("default", seed=1)


def test_self_subject_review_is_the_kubeconfigs_user():
    """pkg/registry/authentication/selfsubjectreview/rest.go ``Create``: status.userInfo is
    the requester; the owner is in system:masters (cluster-admin) and system:authenticated."""
    cluster = Cluster.new("default", seed=1)
    response, review = _post(
        cluster,
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert response.status == 201
    assert review["status"] == {
        "userInfo": {"username": "sandbox-demo-learner", "groups": ["system:masters", "system:authenticated"]}
    }
    with pytest.raises(ApiError) as refused:
        req = handler.ApiRequest("GET", "/apis/authentication.k8s.io/v1/selfsubjectreviews")
        handler.read(cluster, handler.route(req.path), req)
    assert refused.value.code == 405


def test_token_request_mints_a_service_account_token_a_token_review_accepts(cluster):
    """pkg/registry/core/serviceaccount/storage/token.go ``TokenREST.Create``: expirationSeconds
    defaults to 3600 (SetDefaults_TokenRequestSpec), audiences to the API server's; the token
    carries pkg/serviceaccount/claims.go's claims. A TokenReview
    (pkg/registry/authentication/tokenreview/storage.go) authenticates it as the service
    account with its groups; a tampered one, the sandbox's own token and an expired one."""
    response, request = _post(
        cluster,
        "/api/v1/namespaces/default/serviceaccounts/default/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    assert response.status == 201 and request["kind"] == "TokenRequest"
    assert request["spec"] == {
        "audiences": ["https://kubernetes.default.svc.cluster.local"],
        "expirationSeconds": 3600,
        "boundObjectRef": None,
    }
    token = request["status"]["token"]
    header, claims = _claims(token)
    account = cluster.get("ServiceAccount", "default", "default")
    assert header["alg"] == "HS256"
    assert claims["sub"] == "system:serviceaccount:default:default"
    assert claims["kubernetes.io"] == {
        "namespace": "default",
        "serviceaccount": {"name": "default", "uid": account["metadata"]["uid"]},
    }
    assert claims["exp"] - claims["iat"] == 3600 and claims["iss"] == auth.ISSUER
    # The sandbox's API does not take it as a credential, and the reply says so.
    assert auth.UNUSABLE in response.headers["Warning"]

    _r, review = _post(cluster, "/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {"token": token}})
    assert review["status"]["authenticated"] is True
    assert review["status"]["user"]["username"] == "system:serviceaccount:default:default"
    assert review["status"]["user"]["uid"] == account["metadata"]["uid"]
    assert review["status"]["user"]["groups"] == [
        "system:serviceaccounts",
        "system:serviceaccounts:default",
        "system:authenticated",
    ]
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    _r, bad = _post(cluster, "/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {"token": tampered}})
    assert "authenticated" not in bad["status"] and bad["status"]["error"].startswith("[invalid bearer token")
    _r, owner = _post(cluster, "/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {"token": TOKEN}})
    assert owner["status"]["user"] == {
        "username": "sandbox-demo-learner",
        "groups": ["system:masters", "system:authenticated"],
    }
    cluster.advance(3601)
    _r, expired = _post(cluster, "/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {"token": token}})
    assert "authenticated" not in expired["status"]


def test_token_request_validation_and_missing_account(cluster):
    """ValidateTokenRequest: at least 10 minutes; an unknown service account is a 404."""
    with pytest.raises(ApiError) as short:
        _post(
            cluster,
            "/api/v1/namespaces/default/serviceaccounts/default/token",
            {"spec": {"expirationSeconds": 60}},
        )
    assert short.value.code == 422
    assert short.value.status["message"] == (
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: '
        "Invalid value: 60: may not specify a duration less than 10 minutes"
    )
    with pytest.raises(ApiError) as missing:
        _post(cluster, "/api/v1/namespaces/default/serviceaccounts/nobody/token", {"spec": {}})
    assert (
        missing.value.code == 404 and missing.value.status["message"] == 'serviceaccounts "nobody" not found'
    )
    with pytest.raises(ApiError) as no_token:
        _post(cluster, "/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {}})
    assert no_token.value.code == 422


def test_self_subject_rules_review_lists_cluster_admins_rules(cluster):
    """The rules of the bootstrap roles the owner holds
    (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go): cluster-admin's * rules,
    system:basic-user's review kinds, system:discovery's URLs."""
    _r, review = _post(
        cluster, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {"spec": {"namespace": "default"}}
    )
    assert review["spec"] == {"namespace": "default"} and review["status"]["incomplete"] is False
    assert review["status"]["resourceRules"][0] == {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}
    assert review["status"]["nonResourceRules"][0] == {"verbs": ["*"], "nonResourceURLs": ["*"]}


def test_discovery_serves_the_reviews_and_the_token_subresource():
    names = {r["name"]: r for r in discovery.resource_list("authentication.k8s.io/v1")["resources"]}
    assert names["selfsubjectreviews"]["verbs"] == ["create"] and names["tokenreviews"]["verbs"] == ["create"]
    rules = {r["name"] for r in discovery.resource_list("authorization.k8s.io/v1")["resources"]}
    assert "selfsubjectrulesreviews" in rules
    core = {r["name"]: r for r in discovery.resource_list("v1")["resources"]}
    token = core["serviceaccounts/token"]
    assert (token["kind"], token["group"], token["version"], token["verbs"]) == (
        "TokenRequest",
        "authentication.k8s.io",
        "v1",
        ["create"],
    )


@pytest.fixture
def kubectl(api_server, tmp_path):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(), tmp_path / "cache")


def test_kubectl_auth_whoami(kubectl):
    """kubectl's whoami table (staging/src/k8s.io/kubectl/pkg/cmd/auth/whoami.go) with the
    user the kubeconfig names."""
    user = yaml.safe_load(kubectl.kubeconfig.read_text())["users"][0]["name"]
    out = kubectl.ok("auth", "whoami")
    assert [line.split(None, 1) for line in out.strip().splitlines()] == [
        ["ATTRIBUTE", "VALUE"],
        ["Username", user],
        ["Groups", "[system:masters system:authenticated]"],
    ]
    as_json = json.loads(kubectl.ok("auth", "whoami", "-o", "json"))
    assert as_json["kind"] == "SelfSubjectReview" and as_json["status"]["userInfo"]["username"] == user


def test_kubectl_create_token_and_can_i_list(kubectl):
    """`kubectl create token default` prints a JWT-shaped token (and the sandbox's warning
    that it is not a credential here); `kubectl auth can-i --list` prints the * rules."""
    result = kubectl.run("create", "token", "default", "--duration=20m")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    header, claims = _claims(token)
    assert claims["sub"] == "system:serviceaccount:default:default" and claims["exp"] - claims["iat"] == 1200
    assert header["alg"] == "HS256"
    assert "Warning: " + auth.UNUSABLE in result.stderr
    rules = kubectl.ok("auth", "can-i", "--list")
    lines = [line.split() for line in rules.strip().splitlines()]
    assert lines[0] == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert ["*.*", "[]", "[]", "[*]"] in lines and ["[*]", "[]", "[*]"] in lines
    assert ["selfsubjectrulesreviews.authorization.k8s.io", "[]", "[]", "[create]"] in lines
    assert kubectl.ok("auth", "can-i", "create", "deployments") == "yes\n"

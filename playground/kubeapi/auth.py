"""Who is asking, and what they may do: the authentication and authorization reviews.

A sandbox's owner holds the kubeconfig's token and is its cluster-admin (the
``system:masters`` group, as kubeadm's admin.conf user is); the identities it issues
(``SandboxIdentity``) are other users, with what RBAC gives them. The reviews answer
for whoever asks (or whom the owner impersonates):

* SelfSubjectReview (``kubectl auth whoami``): the user the token authenticates as,
  named as the sandbox's kubeconfig names its user entry
  (pkg/registry/authentication/selfsubjectreview/rest.go ``Create``).
* SelfSubjectRulesReview (``kubectl auth can-i --list``): the RBAC rules that apply to
  the user in the namespace asked about, from the sandbox's bindings and the bootstrap
  ones (``playground.engine.rbac.rules_for``): the owner's cluster-admin ``*``, and for
  everyone system:basic-user's review kinds, system:discovery's and
  system:public-info-viewer's URLs (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go).
* TokenRequest (``serviceaccounts/<name>/token``, ``kubectl create token``): a
  JWT-shaped service account token with upstream's claims
  (pkg/serviceaccount/claims.go ``Claims``) and TokenRequest status. It is signed with a
  key derived from the sandbox's own token (HS256, not the cluster's RS256 key), so a
  TokenReview in the same sandbox accepts it as that service account; the sandbox's API
  itself accepts only the kubeconfig's token, and the reply says so in a Warning.
* TokenReview: the kubeconfig's token is its owner; a token this sandbox issued, while
  unexpired and its service account exists with the same uid, is that service account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid

from playground.engine import rbac
from playground.engine.errors import ApiError, bad_request
from playground.engine.kinds import ResourceType
from playground.engine.util import rfc3339

AUTHENTICATION = "authentication.k8s.io/v1"
AUTHORIZATION = "authorization.k8s.io/v1"
# kubeadm's --service-account-issuer and --api-audiences default.
ISSUER = "https://kubernetes.default.svc.cluster.local"
GROUPS = ["system:masters", "system:authenticated"]
DEFAULT_EXPIRATION = 3600  # SetDefaults_TokenRequestSpec
MIN_EXPIRATION = 600
UNUSABLE = (
    "the sandbox's API accepts only the token of its kubeconfig: this service account token passes a "
    "TokenReview in this sandbox but does not authenticate requests"
)

RESOURCES = [
    ResourceType(
        "SelfSubjectReview",
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        False,
        has_status=False,
        verbs=("create",),
    ),
    ResourceType(
        "TokenReview",
        "authentication.k8s.io",
        "v1",
        "tokenreviews",
        False,
        has_status=False,
        verbs=("create",),
    ),
    ResourceType(
        "SelfSubjectRulesReview",
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        False,
        has_status=False,
        verbs=("create",),
    ),
]
REVIEWS = {rt.kind for rt in RESOURCES}


def stamp_requester(body: dict, username: str, groups=GROUPS) -> None:
    """A CertificateSigningRequest records who asked (the CSR strategy's PrepareForCreate
    overwrites whatever the client sent)."""
    spec = body.get("spec")
    if isinstance(spec, dict):
        for key in ("uid", "extra"):
            spec.pop(key, None)
        spec["username"], spec["groups"] = username, list(groups)


def user_info(username: str, groups=GROUPS) -> dict:
    return {"username": username, "groups": list(groups)}


def _object(kind: str, api_version: str, body: dict) -> dict:
    if not isinstance(body, dict):
        raise bad_request("the body of the request must be an object")
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return {"kind": kind, "apiVersion": api_version, "metadata": {**metadata, "creationTimestamp": None}}


def review(cluster, kind: str, body, username: str, token: str, groups=GROUPS) -> dict:
    """The reply to a POST of one of REVIEWS, for ``username`` in ``groups``."""
    if kind == "SelfSubjectReview":
        reply = _object(kind, AUTHENTICATION, body)
        reply["status"] = {"userInfo": user_info(username, groups)}
        return reply
    if kind == "SelfSubjectRulesReview":
        spec = body.get("spec") if isinstance(body, dict) else None
        reply = _object(kind, AUTHORIZATION, body)
        reply["spec"] = spec if isinstance(spec, dict) else {}
        namespace = reply["spec"].get("namespace") or ""
        # The RBAC rule resolver's RulesFor (the sandbox's bindings and the bootstrap ones).
        resource_rules, url_rules, errors = rbac.rules_for(
            cluster.store, rbac.User(username, tuple(groups)), str(namespace)
        )
        reply["status"] = {
            "resourceRules": resource_rules,
            "nonResourceRules": url_rules,
            "incomplete": bool(errors),
        }
        if errors:
            reply["status"]["evaluationError"] = (
                errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
            )
        return reply
    spec = body.get("spec") if isinstance(body, dict) else None
    presented = spec.get("token") if isinstance(spec, dict) else None
    if not isinstance(presented, str) or not presented:
        raise ApiError(
            422,
            "Invalid",
            'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value: token must be specified',
            {
                "group": "authentication.k8s.io",
                "kind": "TokenReview",
                "causes": [
                    {
                        "reason": "FieldValueRequired",
                        "message": "Required value: token must be specified",
                        "field": "spec.token",
                    }
                ],
            },
        )
    reply = _object(kind, AUTHENTICATION, body)
    reply["spec"] = spec
    reply["status"] = token_review_status(cluster, presented, username, token, spec.get("audiences"))
    return reply


def token_review_status(cluster, presented: str, username: str, token: str, audiences) -> dict:
    if token and hmac.compare_digest(presented.encode(), token.encode()):
        return {"authenticated": True, "user": user_info(username), "audiences": list(audiences or [ISSUER])}
    claims = _verify(cluster, presented, token)
    if claims is None:
        return {
            "user": {},
            "error": "[invalid bearer token, square/go-jose: error in cryptographic primitive]",
        }
    wanted = list(audiences or [ISSUER])
    if not set(wanted) & set(claims["aud"]):
        found, target = json.dumps(claims["aud"]), json.dumps(wanted)
        return {
            "user": {},
            "error": f"[invalid bearer token, token audiences {found} is invalid for the target audiences {target}]",
        }
    who = claims["kubernetes.io"]
    namespace, account = who["namespace"], who["serviceaccount"]
    return {
        "authenticated": True,
        "user": {
            "username": claims["sub"],
            "uid": account["uid"],
            "groups": [
                "system:serviceaccounts",
                f"system:serviceaccounts:{namespace}",
                "system:authenticated",
            ],
            "extra": {"authentication.kubernetes.io/credential-id": [f"JTI={claims['jti']}"]},
        },
        "audiences": [a for a in wanted if a in claims["aud"]],
    }


# TokenRequest --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(cluster, token: str) -> bytes:
    """The signing key: from the sandbox's secret token (from the kube-system namespace's
    uid when the sandbox has none, as in the engine's own tests)."""
    if not token:
        system = cluster.store.get("Namespace", None, "kube-system") or {"metadata": {}}
        token = system["metadata"].get("uid", "sandbox")
    return hashlib.sha256(b"serviceaccount-token:" + token.encode()).digest()


def _sign(cluster, token: str, header: dict, claims: dict) -> str:
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = hmac.new(_key(cluster, token), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def _verify(cluster, presented: str, token: str) -> dict | None:
    parts = presented.split(".")
    if len(parts) != 3:
        return None
    try:
        signature = _unb64(parts[2])
        claims = json.loads(_unb64(parts[1]))
    except ValueError:
        return None
    expected = hmac.new(_key(cluster, token), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected) or not isinstance(claims, dict):
        return None
    if claims.get("exp", 0) <= cluster.clock:
        return None
    who = claims.get("kubernetes.io") or {}
    account = cluster.store.get(
        "ServiceAccount", who.get("namespace"), (who.get("serviceaccount") or {}).get("name")
    )
    if account is None or account["metadata"].get("uid") != (who.get("serviceaccount") or {}).get("uid"):
        return None
    return claims


def _invalid_request(field: str, value, detail: str) -> ApiError:
    message = f"{field}: Invalid value: {json.dumps(value)}: {detail}"
    return ApiError(
        422,
        "Invalid",
        f'TokenRequest.authentication.k8s.io "" is invalid: {message}',
        {
            "group": "authentication.k8s.io",
            "kind": "TokenRequest",
            "causes": [{"reason": "FieldValueInvalid", "message": message.split(": ", 1)[1], "field": field}],
        },
    )


def token_request(cluster, namespace: str, name: str, body, token: str) -> tuple[dict, list[str]]:
    """POST serviceaccounts/<name>/token (pkg/registry/core/serviceaccount/storage/token.go
    ``TokenREST.Create``): defaults, validation, the token and its expiry."""
    account = cluster.api.get("ServiceAccount", name, namespace)  # a 404 when it is not there
    if not isinstance(body, dict):
        raise bad_request("the body of the request must be a TokenRequest")
    spec = dict(body.get("spec") or {})
    expiration = spec.get("expirationSeconds")
    if expiration is None:
        expiration = DEFAULT_EXPIRATION
    if not isinstance(expiration, int) or isinstance(expiration, bool):
        raise bad_request("spec.expirationSeconds must be an integer")
    if expiration < MIN_EXPIRATION:
        raise _invalid_request(
            "spec.expirationSeconds", expiration, "may not specify a duration less than 10 minutes"
        )
    if expiration > 1 << 32:
        raise _invalid_request(
            "spec.expirationSeconds", expiration, "may not specify a duration larger than 2^32 seconds"
        )
    audiences = spec.get("audiences") or [ISSUER]
    now = int(cluster.clock)
    claims = {
        "aud": list(audiences),
        "exp": now + expiration,
        "iat": now,
        "iss": ISSUER,
        "jti": str(uuid.UUID(bytes=secrets.token_bytes(16), version=4)),
        "kubernetes.io": {
            "namespace": namespace,
            "serviceaccount": {"name": name, "uid": account["metadata"]["uid"]},
        },
        "nbf": now,
        "sub": f"system:serviceaccount:{namespace}:{name}",
    }
    header = {"alg": "HS256", "kid": _b64(hashlib.sha256(_key(cluster, token)).digest()[:16])}
    reply = {
        "kind": "TokenRequest",
        "apiVersion": AUTHENTICATION,
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": rfc3339(cluster.clock)},
        "spec": {
            "audiences": list(audiences),
            "expirationSeconds": expiration,
            "boundObjectRef": spec.get("boundObjectRef"),
        },
        "status": {
            "token": _sign(cluster, token, header, claims),
            "expirationTimestamp": rfc3339(now + expiration),
        },
    }
    return reply, [UNUSABLE]

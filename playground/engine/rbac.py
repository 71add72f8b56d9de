"""RBAC: what an identity may do, decided from the cluster's Roles, ClusterRoles and bindings.

After kube-apiserver's RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go
``Authorize``, ``RulesFor``) and its rule resolver (pkg/registry/rbac/validation/rule.go
``VisitRulesFor``, ``appliesTo``): the ClusterRoleBindings that name the user, one of
its groups or its service account are visited first, then the RoleBindings of the
request's namespace; the first rule that allows the request decides
(rbac/v1/evaluation_helpers.go ``RuleAllows``). Nothing denies: a request no rule
allows has no opinion, which the server answers with 403.

The bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go) is
built in: ``cluster-admin``, the aggregated ``admin``, ``edit`` and ``view`` with
their ``system:aggregate-to-*`` parts, ``system:basic-user``, ``system:discovery`` and
``system:public-info-viewer``, and the ClusterRoleBindings that give them to
``system:masters`` and to every authenticated user. ``store_bootstrap_policy`` stores
them when a cluster is built (so they are listed); a stored ClusterRole or binding of the
same name takes the place of the built-in one. Once the policy is stored the store alone
decides (a deleted ``edit`` is gone); the built-in roles remain the fallback for clusters
saved before the policy was stored. Aggregated ClusterRoles (``aggregationRule``) get the
rules of every ClusterRole their selectors match, as the clusterrole aggregation
controller fills them in, so a custom ClusterRole labelled
``rbac.authorization.k8s.io/aggregate-to-edit: "true"`` extends ``edit`` and ``admin``.

``system:masters`` is allowed everything before RBAC is asked, as kube-apiserver's
privileged-group authorizer does.

Request attributes come from the request path as the apiserver's RequestInfoFactory
(staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go ``NewRequestInfo``)
makes them: resource requests under /api/v1 and /apis/GROUP/VERSION, everything else
(discovery, /version, /healthz) a non-resource request with the lower-case method as
its verb.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.engine.errors import ApiError
from playground.engine.selectors import compile_label_selector, matches

MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
RBAC_GROUP = "rbac.authorization.k8s.io"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
READ_WRITE = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

# requestinfo.go: a namespace's own subresources (the rest of a path below a namespace is a resource).
NAMESPACE_SUBRESOURCES = {"status", "finalize"}


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...] = (AUTHENTICATED,)


@dataclass
class Attributes:
    """authorizer.AttributesRecord: what a request asks to do."""

    verb: str
    resource_request: bool = True
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""


@dataclass
class Decision:
    allowed: bool
    reason: str = ""
    errors: list[str] = field(default_factory=list)


def _rule(verbs, groups=None, resources=None, urls=None, names=None) -> dict:
    rule: dict = {"verbs": list(verbs)}
    if urls is not None:
        rule["nonResourceURLs"] = list(urls)
        return rule
    rule["apiGroups"] = list(groups)
    rule["resources"] = list(resources)
    if names:
        rule["resourceNames"] = list(names)
    return rule


def _cluster_role(name: str, rules=None, labels=None, aggregate_to: str | None = None) -> dict:
    meta = {
        "name": name,
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults", **(labels or {})},
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    }
    role = {"apiVersion": f"{RBAC_GROUP}/v1", "kind": "ClusterRole", "metadata": meta}
    if aggregate_to:
        role["aggregationRule"] = {
            "clusterRoleSelectors": [{"matchLabels": {f"{RBAC_GROUP}/aggregate-to-{aggregate_to}": "true"}}]
        }
    role["rules"] = rules or []
    return role


def _to(level: str) -> dict:
    return {f"{RBAC_GROUP}/aggregate-to-{level}": "true"}


# bootstrappolicy.ClusterRoles (v1.37), the ones a namespace team's lessons use.
BOOTSTRAP_CLUSTER_ROLES = [
    _cluster_role("cluster-admin", [_rule(["*"], ["*"], ["*"]), _rule(["*"], urls=["*"])]),
    _cluster_role("admin", aggregate_to="admin"),
    _cluster_role("edit", labels=_to("admin"), aggregate_to="edit"),
    _cluster_role("view", labels=_to("edit"), aggregate_to="view"),
    _cluster_role(
        "system:aggregate-to-admin",
        [
            _rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
            _rule(READ_WRITE, [RBAC_GROUP], ["rolebindings", "roles"]),
        ],
        labels=_to("admin"),
    ),
    _cluster_role(
        "system:aggregate-to-edit",
        [
            _rule(
                READ,
                [""],
                ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"],
            ),
            _rule(["impersonate"], [""], ["serviceaccounts"]),
            _rule(WRITE, [""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
            _rule(["create"], [""], ["pods/eviction"]),
            _rule(
                WRITE,
                [""],
                [
                    "configmaps",
                    "events",
                    "persistentvolumeclaims",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "secrets",
                    "serviceaccounts",
                    "services",
                    "services/proxy",
                ],
            ),
            _rule(["create"], [""], ["serviceaccounts/token"]),
            _rule(
                WRITE,
                ["apps"],
                [
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
            ),
            _rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
            _rule(WRITE, ["batch"], ["cronjobs", "jobs"]),
            _rule(
                WRITE,
                ["extensions"],
                [
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "ingresses",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicationcontrollers/scale",
                ],
            ),
            _rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
            _rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
            _rule(READ_WRITE, ["coordination.k8s.io"], ["leases"]),
        ],
        labels=_to("edit"),
    ),
    _cluster_role(
        "system:aggregate-to-view",
        [
            _rule(
                READ,
                [""],
                [
                    "configmaps",
                    "endpoints",
                    "persistentvolumeclaims",
                    "persistentvolumeclaims/status",
                    "pods",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "serviceaccounts",
                    "services",
                    "services/status",
                ],
            ),
            _rule(
                READ,
                [""],
                [
                    "bindings",
                    "events",
                    "limitranges",
                    "namespaces/status",
                    "pods/log",
                    "pods/status",
                    "replicationcontrollers/status",
                    "resourcequotas",
                    "resourcequotas/status",
                ],
            ),
            _rule(READ, [""], ["namespaces"]),
            _rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
            _rule(
                READ,
                ["apps"],
                [
                    "controllerrevisions",
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "statefulsets",
                    "statefulsets/scale",
                    "statefulsets/status",
                ],
            ),
            _rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
            _rule(READ, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
            _rule(
                READ,
                ["extensions"],
                [
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "ingresses",
                    "ingresses/status",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "replicationcontrollers/scale",
                ],
            ),
            _rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
            _rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
        ],
        labels=_to("view"),
    ),
    _cluster_role(
        "system:basic-user",
        [
            _rule(
                ["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]
            ),
            _rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
        ],
    ),
    _cluster_role(
        "system:discovery",
        [
            _rule(
                ["get"],
                urls=[
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
            )
        ],
    ),
    _cluster_role(
        "system:public-info-viewer",
        [_rule(["get"], urls=["/healthz", "/livez", "/readyz", "/version", "/version/"])],
    ),
]
BOOTSTRAP_ROLES_BY_NAME = {role["metadata"]["name"]: role for role in BOOTSTRAP_CLUSTER_ROLES}


def _cluster_binding(name: str, *groups: str) -> dict:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
            "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
        },
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": group} for group in groups],
    }


# bootstrappolicy.ClusterRoleBindings: the ones for people (not the nodes' and controllers').
BOOTSTRAP_CLUSTER_ROLE_BINDINGS = [
    _cluster_binding("cluster-admin", MASTERS),
    _cluster_binding("system:basic-user", AUTHENTICATED),
    _cluster_binding("system:discovery", AUTHENTICATED),
    _cluster_binding("system:public-info-viewer", AUTHENTICATED, UNAUTHENTICATED),
]


def store_bootstrap_policy(cluster) -> None:
    """Store the bootstrap ClusterRoles and ClusterRoleBindings, as kube-apiserver's
    ``rbac/bootstrap-roles`` post-start hook does (pkg/registry/rbac/rest/storage_rbac.go
    ``EnsureRBACPolicy``), so ``kubectl get clusterroles`` lists ``cluster-admin``,
    ``admin``, ``edit`` and ``view``. An aggregated role is stored with the rules the
    clusterrole aggregation controller would fill in; the authorizer still aggregates
    at request time, so a role added later with an ``aggregate-to-*`` label counts.
    Objects already stored under those names are left alone (the hook reconciles, and
    never replaces a role whose autoupdate annotation is off)."""
    import copy

    store = cluster.store
    missing = []
    for role in BOOTSTRAP_CLUSTER_ROLES:  # every role's rules first, before any is stored
        if store.get("ClusterRole", "", role["metadata"]["name"]) is None:
            stored = copy.deepcopy(role)
            if stored.get("aggregationRule"):
                stored["rules"] = copy.deepcopy(cluster_role_rules(store, role))
            missing.append(stored)
    for stored in missing:
        cluster.api.create_internal(stored)
    for binding in BOOTSTRAP_CLUSTER_ROLE_BINDINGS:
        if store.get("ClusterRoleBinding", "", binding["metadata"]["name"]) is None:
            cluster.api.create_internal(copy.deepcopy(binding))


def service_account_user(namespace: str, name: str) -> User:
    """A service account's user (serviceaccount.UserInfo): its name and groups."""
    return User(
        f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED),
    )


# The policy in the store ------------------------------------------------------------------------


def _policy_stored(store) -> bool:
    """Whether the bootstrap policy was stored when the cluster was built. Then the store
    alone decides, so a deleted ``edit`` is gone as upstream; a cluster saved before the
    policy was stored falls back to the built-in roles and bindings."""
    return any(
        (r["metadata"].get("labels") or {}).get("kubernetes.io/bootstrapping") == "rbac-defaults"
        for r in store.iter("ClusterRole")
    )


def _cluster_role_bindings(store) -> list[dict]:
    stored = {b["metadata"]["name"]: b for b in store.iter("ClusterRoleBinding")}
    bootstrap = [] if _policy_stored(store) else BOOTSTRAP_CLUSTER_ROLE_BINDINGS
    bootstrap = [b for b in bootstrap if b["metadata"]["name"] not in stored]
    return bootstrap + [stored[name] for name in sorted(stored)]


def _get_cluster_role(store, name: str) -> dict | None:
    stored = store.get("ClusterRole", "", name)
    if stored is not None or _policy_stored(store):
        return stored
    return BOOTSTRAP_ROLES_BY_NAME.get(name)


def _all_cluster_roles(store) -> list[dict]:
    stored = {r["metadata"]["name"]: r for r in store.iter("ClusterRole")}
    built_in = {} if _policy_stored(store) else BOOTSTRAP_ROLES_BY_NAME
    return [r for n, r in built_in.items() if n not in stored] + list(stored.values())


def cluster_role_rules(store, role: dict, _seen: frozenset = frozenset()) -> list[dict]:
    """A ClusterRole's rules; an aggregated one's are those of every ClusterRole its
    selectors match (pkg/controller/clusterroleaggregation ``syncClusterRole``), without
    repeats."""
    aggregation = role.get("aggregationRule")
    if not isinstance(aggregation, dict):
        return list(role.get("rules") or [])
    name = role["metadata"]["name"]
    seen = _seen | {name}
    rules: list[dict] = []
    for selector in aggregation.get("clusterRoleSelectors") or []:
        for other in sorted(_all_cluster_roles(store), key=lambda r: r["metadata"]["name"]):
            other_name = other["metadata"]["name"]
            if other_name in seen or not _selects(selector, other):
                continue
            for rule in cluster_role_rules(store, other, seen):
                if rule not in rules:
                    rules.append(rule)
    return rules


def _selects(selector, role: dict) -> bool:
    try:
        requirements = compile_label_selector(selector if isinstance(selector, dict) else None)
    except ApiError:  # an invalid operator selects nothing
        return False
    # An empty selector selects nothing here (the controller skips it).
    return bool(requirements) and matches(requirements, role["metadata"].get("labels") or {})


def _role_ref_rules(store, ref: dict, namespace: str) -> tuple[list[dict], str | None]:
    """GetRoleReferenceRules: the rules, or the lister's not-found error."""
    kind, name = ref.get("kind"), ref.get("name", "")
    if kind == "Role":
        role = store.get("Role", namespace, name)
        if role is None:
            return [], f'role.{RBAC_GROUP} "{name}" not found'
        return list(role.get("rules") or []), None
    if kind == "ClusterRole":
        role = _get_cluster_role(store, name)
        if role is None:
            return [], f'clusterrole.{RBAC_GROUP} "{name}" not found'
        return cluster_role_rules(store, role), None
    return [], f'unsupported role reference kind: "{kind}"'


def _applies(user: User, subject: dict, namespace: str) -> bool:
    """appliesToUser: a User by name, a Group the user is in, a ServiceAccount by
    namespace (the binding's when the subject names none) and name."""
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return user.name == name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        sa_namespace = subject.get("namespace") or namespace
        return bool(sa_namespace) and user.name == f"{SERVICE_ACCOUNT_PREFIX}{sa_namespace}:{name}"
    return False


def _describe_subject(subject: dict, namespace: str) -> str:
    if subject.get("kind") == "ServiceAccount":
        return f'ServiceAccount "{subject.get("name")}/{subject.get("namespace") or namespace}"'
    return f'{subject.get("kind")} "{subject.get("name")}"'


def visit_rules_for(store, user: User, namespace: str):
    """VisitRulesFor: (source, rule, error) for the ClusterRoleBindings, then the
    namespace's RoleBindings, that apply to the user."""
    for binding in _cluster_role_bindings(store):
        subjects = binding.get("subjects") or []
        subject = next((s for s in subjects if _applies(user, s, "")), None)
        if subject is None:
            continue
        ref = binding.get("roleRef") or {}
        rules, error = _role_ref_rules(store, ref, "")
        if error:
            yield None, None, error
            continue
        source = (
            f'ClusterRoleBinding "{binding["metadata"]["name"]}" of {ref.get("kind")} "{ref.get("name")}" '
            f"to {_describe_subject(subject, '')}"
        )
        for rule in rules:
            yield source, rule, None
    if not namespace:
        return
    for binding in sorted(store.iter("RoleBinding", namespace), key=lambda b: b["metadata"]["name"]):
        subjects = binding.get("subjects") or []
        subject = next((s for s in subjects if _applies(user, s, namespace)), None)
        if subject is None:
            continue
        ref = binding.get("roleRef") or {}
        rules, error = _role_ref_rules(store, ref, namespace)
        if error:
            yield None, None, error
            continue
        source = (
            f'RoleBinding "{binding["metadata"]["name"]}/{namespace}" of {ref.get("kind")} "{ref.get("name")}" '
            f"to {_describe_subject(subject, namespace)}"
        )
        for rule in rules:
            yield source, rule, None


# Matching (rbac/v1/evaluation_helpers.go) -------------------------------------------------------


def _verb_matches(rule: dict, verb: str) -> bool:
    verbs = rule.get("verbs") or []
    return "*" in verbs or verb in verbs


def _group_matches(rule: dict, group: str) -> bool:
    groups = rule.get("apiGroups") or []
    return "*" in groups or group in groups


def _resource_matches(rule: dict, combined: str, subresource: str) -> bool:
    for resource in rule.get("resources") or []:
        if resource == "*" or resource == combined:
            return True
        if subresource and resource == "*/" + subresource:
            return True
    return False


def _name_matches(rule: dict, name: str) -> bool:
    names = rule.get("resourceNames") or []
    return not names or name in names


def _url_matches(rule: dict, path: str) -> bool:
    for url in rule.get("nonResourceURLs") or []:
        if url == "*" or url == path or (url.endswith("*") and path.startswith(url[:-1])):
            return True
    return False


def rule_allows(attributes: Attributes, rule: dict) -> bool:
    """RuleAllows: verbs, apiGroups, resources (``pods/log``, ``*/scale``) and
    resourceNames for a resource request; verbs and nonResourceURLs otherwise."""
    if attributes.resource_request:
        combined = attributes.resource
        if attributes.subresource:
            combined += "/" + attributes.subresource
        return (
            _verb_matches(rule, attributes.verb)
            and _group_matches(rule, attributes.api_group)
            and _resource_matches(rule, combined, attributes.subresource)
            and _name_matches(rule, attributes.name)
        )
    return _verb_matches(rule, attributes.verb) and _url_matches(rule, attributes.path)


def authorize(store, user: User, attributes: Attributes) -> Decision:
    """The privileged-group authorizer, then RBACAuthorizer.Authorize."""
    if MASTERS in user.groups:
        return Decision(True)
    errors: list[str] = []
    for source, rule, error in visit_rules_for(store, user, attributes.namespace):
        if rule is not None and rule_allows(attributes, rule):
            return Decision(True, f"RBAC: allowed by {source}")
        if error:
            errors.append(error)
    reason = ""
    if errors:
        reason = "RBAC: " + (errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
    return Decision(False, reason, errors)


def rules_for(store, user: User, namespace: str) -> tuple[list[dict], list[dict], list[str]]:
    """RulesFor, as SelfSubjectRulesReview reports it: (resourceRules, nonResourceRules,
    errors), one entry per rule that applies, in the order they were visited."""
    resource_rules: list[dict] = []
    url_rules: list[dict] = []
    errors: list[str] = []
    for _source, rule, error in visit_rules_for(store, user, namespace):
        if error:
            errors.append(error)
            continue
        if rule.get("nonResourceURLs"):
            url_rules.append(
                {"verbs": list(rule.get("verbs") or []), "nonResourceURLs": list(rule["nonResourceURLs"])}
            )
            continue
        entry = {
            "verbs": list(rule.get("verbs") or []),
            "apiGroups": list(rule.get("apiGroups") or []),
            "resources": list(rule.get("resources") or []),
        }
        if rule.get("resourceNames"):
            entry["resourceNames"] = list(rule["resourceNames"])
        resource_rules.append(entry)
    return resource_rules, url_rules, errors


# Requests -> attributes, and refusals ------------------------------------------------------------


def request_attributes(method: str, path: str, query: dict) -> Attributes:
    """NewRequestInfo: the verb, group, version, resource, subresource, namespace and name
    of a request, or a non-resource request with its path."""
    method = method.upper()
    parts = [p for p in path.strip("/").split("/") if p]
    non_resource = Attributes(verb=method.lower(), resource_request=False, path=path or "/")
    if len(parts) < 3 or parts[0] not in ("api", "apis"):
        return non_resource
    if parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 4:
            return non_resource
        group, version, rest = parts[1], parts[2], parts[3:]
    attributes = Attributes(verb="", api_group=group, api_version=version)
    watch_prefix = False
    if rest[0] == "watch":  # the deprecated /watch/ paths
        watch_prefix, rest = True, rest[1:]
        if not rest:
            return non_resource
    if rest[0] == "namespaces":
        if len(rest) > 1:
            attributes.namespace = rest[1]
            if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
                rest = rest[2:]
    attributes.resource = rest[0]
    if len(rest) > 1:
        attributes.name = rest[1]
    if len(rest) > 2:
        attributes.subresource = rest[2]
    verbs = {
        "POST": "create",
        "GET": "get",
        "HEAD": "get",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete",
    }
    verb = verbs.get(method, method.lower())
    if watch_prefix:
        verb = "watch"
    elif verb == "get" and not attributes.name:
        verb = "watch" if str(query.get("watch", "")).lower() in ("true", "1") else "list"
    elif verb == "delete" and not attributes.name:
        verb = "deletecollection"
    if verb in ("list", "watch"):
        # A list or watch of one object by its name: metadata.name in the field selector.
        for term in str(query.get("fieldSelector", "")).split(","):
            key, _, value = term.partition("=")
            if key.strip() == "metadata.name" and value and not value.startswith("="):
                attributes.name = value.strip()
    attributes.verb = verb
    return attributes


def forbidden_message(user: User, attributes: Attributes, reason: str = "") -> str:
    """responsewriters.Forbidden: forbiddenMessage and apierrors.NewForbidden's
    ``<resource> "<name>" is forbidden: ...``."""
    if not attributes.resource_request:
        detail = f'User "{user.name}" cannot {attributes.verb} path "{attributes.path}"'
    else:
        resource = attributes.resource
        if attributes.subresource:
            resource += "/" + attributes.subresource
        scope = (
            f'in the namespace "{attributes.namespace}"' if attributes.namespace else "at the cluster scope"
        )
        detail = (
            f'User "{user.name}" cannot {attributes.verb} resource "{resource}" '
            f'in API group "{attributes.api_group}" {scope}'
        )
    if reason:
        detail += ": " + reason
    qualified = attributes.resource
    if attributes.api_group and qualified:
        qualified += "." + attributes.api_group
    if not qualified:
        return f"forbidden: {detail}"
    if attributes.name:
        return f'{qualified} "{attributes.name}" is forbidden: {detail}'
    return f"{qualified} is forbidden: {detail}"


def forbidden_details(attributes: Attributes) -> dict:
    """The Status details of NewForbidden: the name, group and kind (the resource)."""
    details: dict = {}
    if attributes.name:
        details["name"] = attributes.name
    if attributes.api_group:
        details["group"] = attributes.api_group
    if attributes.resource:
        details["kind"] = attributes.resource
    return details


def access_review_status(store, user: User, spec: dict) -> dict:
    """A SelfSubjectAccessReview's status (pkg/registry/authorization/selfsubjectaccessreview
    ``Create`` with authorizationutil ``ResourceAttributesFrom``/``BuildStatus``): allowed,
    and the authorizer's reason when it gave one."""
    resource = spec.get("resourceAttributes")
    if isinstance(resource, dict):
        attributes = Attributes(
            verb=str(resource.get("verb") or ""),
            api_group=str(resource.get("group") or ""),
            api_version=str(resource.get("version") or ""),
            resource=str(resource.get("resource") or ""),
            subresource=str(resource.get("subresource") or ""),
            namespace=str(resource.get("namespace") or ""),
            name=str(resource.get("name") or ""),
        )
    else:
        urls = spec.get("nonResourceAttributes") or {}
        attributes = Attributes(
            verb=str(urls.get("verb") or ""), resource_request=False, path=str(urls.get("path") or "")
        )
    decision = authorize(store, user, attributes)
    status: dict = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    return status

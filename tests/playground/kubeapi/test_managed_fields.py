"""Field ownership as upstream's field manager keeps it: Update entries for every write,
Apply entries for server-side apply, conflicts and --force-conflicts.

Upstream: k8s.io/apimachinery/pkg/util/managedfields/internal (FieldManager.Update and
Apply; conflict.go NewConflictError and printManager; managedfields.go
sortEncodedManagedFields), sigs.k8s.io/structured-merge-diff merge/update.go
(Updater.Update, Updater.Apply), and k8s.io/apiserver handlers/rest.go prefixFromUserAgent.
"""

import copy
import json

import pytest
import yaml

from playground.engine import ApiError, Cluster
from playground.engine.managedfields import manager_from_user_agent, path_string
from playground.kubeapi import handler
from playground.kubeapi.handler import ApiRequest
from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

PATH = "/apis/apps/v1/namespaces/default/deployments"
WEB = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}


@pytest.fixture(scope="module")
def base():
    return Cluster.new("default", seed=3)


@pytest.fixture
def cluster(base):
    return Cluster.from_dict(copy.deepcopy(base.to_dict()))


def call(cluster, method, path, body, content_type="application/json", user_agent="", **query):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = ApiRequest(method, path, {k: str(v) for k, v in query.items()}, content_type, "", raw, "/k8s/t")
    req.user_agent = user_agent
    try:
        response = handler.write(cluster, handler.route(path), req)
    except ApiError as error:
        response = handler.error_response(error)
    return response.status, json.loads(response.body)


def apply(cluster, obj, manager="me", **query):
    body = yaml.safe_dump(obj).encode()
    return call(
        cluster, "PATCH", f"{PATH}/web", body, "application/apply-patch+yaml", fieldManager=manager, **query
    )


def managers(obj) -> list[tuple[str, str]]:
    return [(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]]


def test_manager_from_user_agent():
    """prefixFromUserAgent: the user agent up to its first "/", printable, 128 bytes at most."""
    assert manager_from_user_agent("kubectl/v1.37.1 (linux/amd64) kubernetes/abc1234") == "kubectl"
    assert manager_from_user_agent("OpenAPI-Generator/37.0.2/python") == "OpenAPI-Generator"
    assert manager_from_user_agent("Helm/4.3.1") == "Helm"
    assert manager_from_user_agent("a\x00b\tc") == "abc"
    assert manager_from_user_agent("x" * 200) == "x" * 128
    assert manager_from_user_agent("") == ""


def test_create_records_an_update_entry(cluster):
    """A create records the writer's Update entry: fieldManager when sent, else the user agent."""
    status, created = call(cluster, "POST", PATH, WEB, fieldManager="kubectl-create")
    assert status == 201
    (entry,) = created["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["apiVersion"], entry["fieldsType"]) == (
        "kubectl-create",
        "Update",
        "apps/v1",
        "FieldsV1",
    )
    fields = entry["fieldsV1"]
    # Server-set metadata (name aside, nothing here) and status are nobody's.
    assert "f:replicas" in fields["f:spec"] and "f:status" not in fields and "f:metadata" not in fields
    assert 'k:{"name":"web"}' in fields["f:spec"]["f:template"]["f:spec"]["f:containers"]
    other = {**WEB, "metadata": {"name": "api"}}
    status, by_agent = call(
        cluster, "POST", PATH, other, user_agent="kubectl/v1.37.1 (linux/amd64) kubernetes/x"
    )
    assert managers(by_agent) == [("kubectl", "Update")]


def test_apply_conflicts_with_another_managers_field(cluster):
    """An apply that would change a field another manager owns is a 409 with upstream's
    message and one FieldManagerConflict cause per field; the same value is no conflict."""
    call(cluster, "POST", PATH, WEB, fieldManager="kubectl-client-side-apply")
    same = apply(cluster, WEB)
    assert same[0] == 200
    assert managers(same[1]) == [("me", "Apply"), ("kubectl-client-side-apply", "Update")]

    changed = copy.deepcopy(WEB)
    changed["spec"]["replicas"] = 3
    status, error = apply(cluster, changed, manager="other")
    assert status == 409
    assert error == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n'
        "- .spec.replicas\n"
        'conflicts with "me":\n'
        "- .spec.replicas",
        "reason": "Conflict",
        "details": {
            "causes": [
                {
                    "reason": "FieldManagerConflict",
                    "message": 'conflict with "kubectl-client-side-apply" using apps/v1',
                    "field": ".spec.replicas",
                },
                {
                    "reason": "FieldManagerConflict",
                    "message": 'conflict with "me"',
                    "field": ".spec.replicas",
                },
            ]
        },
        "code": 409,
    }
    # The stored object is untouched.
    status, single = apply(cluster, {**changed, "spec": {**changed["spec"]}}, manager="me")
    assert status == 409
    assert single["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
    )


def test_force_takes_the_field(cluster):
    """force=true (kubectl apply --server-side --force-conflicts): the applier takes the
    field, and the manager that had it no longer lists it."""
    call(cluster, "POST", PATH, WEB, fieldManager="kubectl-create")
    changed = copy.deepcopy(WEB)
    changed["spec"]["replicas"] = 3
    status, forced = apply(cluster, changed, force="true")
    assert status == 200 and forced["spec"]["replicas"] == 3
    entries = {m["manager"]: m for m in forced["metadata"]["managedFields"]}
    assert "f:replicas" in entries["me"]["fieldsV1"]["f:spec"]
    assert "f:replicas" not in entries["kubectl-create"]["fieldsV1"]["f:spec"]


def test_an_update_takes_fields_from_the_applier(cluster):
    """A patch by another manager owns what it changed; the Apply entry loses it, so the
    applier's next apply of an old value conflicts with the patcher."""
    apply(cluster, WEB)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}}
    status, patched = call(
        cluster,
        "PATCH",
        f"{PATH}/web",
        patch,
        "application/strategic-merge-patch+json",
        fieldManager="kubectl-edit",
    )
    assert status == 200 and managers(patched) == [("me", "Apply"), ("kubectl-edit", "Update")]
    edit = next(m for m in patched["metadata"]["managedFields"] if m["manager"] == "kubectl-edit")
    container = edit["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']
    assert "f:image" in container
    status, error = apply(cluster, WEB)
    assert status == 409 and error["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: '
        '.spec.template.spec.containers[name="web"].image'
    )
    # A replace (PUT) by yet another manager of the whole object.
    current = patched
    current["spec"]["replicas"] = 4
    status, replaced = call(cluster, "PUT", f"{PATH}/web", current, fieldManager="kubectl-replace")
    assert status == 200
    replace = next(m for m in replaced["metadata"]["managedFields"] if m["manager"] == "kubectl-replace")
    assert replace["fieldsV1"] == {"f:spec": {"f:replicas": {}}}


def test_path_strings():
    """fieldpath.Path.String: fields with dots, keys as [name=value] with JSON values, sets as [=value]."""
    assert path_string(("f:spec", "f:replicas")) == ".spec.replicas"
    assert path_string(("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}', "f:name")) == (
        '.spec.ports[port=80,protocol="TCP"].name'
    )
    assert path_string(("f:metadata", "f:finalizers", 'v:"x"')) == '.metadata.finalizers[="x"]'


VERSIONS = [v for v in ("1.33", "1.37") if v in KUBECTLS]
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_kubectl_server_side_apply_after_client_side_apply(api_server, tmp_path, version):
    """The classic migration: `kubectl apply` (client-side, manager kubectl-client-side-apply)
    then `kubectl apply --server-side` with a changed replica count conflicts; kubectl
    prints the server's message; --force-conflicts takes the field."""
    k = Kubectl(KUBECTLS[version], api_server.sandbox(), tmp_path / "cache")
    k.ok("apply", "-f", "-", stdin=MANIFEST.format(replicas=2))
    error = k.fails("apply", "--server-side", "-f", "-", stdin=MANIFEST.format(replicas=3))
    assert (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
        in error
    )
    assert k.ok("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}") == "2"
    out = k.ok("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=MANIFEST.format(replicas=3))
    assert out == "deployment.apps/web serverside-applied\n"
    served = json.loads(k.ok("get", "deployment", "web", "-o", "json", "--show-managed-fields"))
    assert served["spec"]["replicas"] == 3
    entries = {m["manager"]: m for m in served["metadata"]["managedFields"]}
    assert entries["kubectl"]["operation"] == "Apply"
    assert "f:replicas" in entries["kubectl"]["fieldsV1"]["f:spec"]
    assert "f:replicas" not in entries["kubectl-client-side-apply"]["fieldsV1"]["f:spec"]

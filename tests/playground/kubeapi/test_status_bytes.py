"""Status errors byte for byte as kube-apiserver writes them.

Upstream: metav1.Status's fields in declaration order (k8s.io/apimachinery/pkg/apis/meta/v1
types.go: TypeMeta inline, ListMeta as metadata, status, message, reason, details, code;
StatusDetails name, group, kind, uid, causes, retryAfterSeconds; StatusCause reason,
message, field), encoded by runtime/serializer/json.Serializer.doEncode with
json.NewEncoder(w).Encode: compact, HTML characters escaped, UTF-8 kept, a trailing newline.
"""

import pytest

from playground.engine.errors import ApiError, encode_json
from playground.models import Sandbox

pytestmark = pytest.mark.django_db

# Recorded from a kube-apiserver (`kubectl get deployment web -v=8` against a real cluster,
# the response body as it came off the wire).
RECORDED_NOT_FOUND = (
    b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":'
    b'"deployments.apps \\"web\\" not found","reason":"NotFound","details":{"name":"web",'
    b'"group":"apps","kind":"deployments"},"code":404}\n'
)


@pytest.fixture
def base(client):
    assert client.post("/playground/try/self-healing").status_code == 302
    return f"/k8s/{Sandbox.objects.get().token}"


def test_not_found_is_the_recorded_upstream_bytes(client, base):
    path = f"{base}/apis/apps/v1/namespaces/default/deployments/web"
    client.delete(path)  # the scenario's own web, if it has one
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.content == RECORDED_NOT_FOUND


def test_invalid_orders_details_before_code_and_causes_as_upstream(client, base):
    """A 422 from ValidateObjectMeta (apimachinery's validation/objectmeta.go): the details
    (name, kind, causes with reason, message, field) come before the code."""
    response = client.post(
        f"{base}/api/v1/namespaces/default/configmaps",
        b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}',
        content_type="application/json",
    )
    assert response.status_code == 422 and response.content.endswith(b',"code":422}\n')
    text = response.content.decode()
    keys = ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"]
    positions = [text.index(f'"{key}":') for key in keys]
    assert positions == sorted(positions)
    assert text.index('"details":{"name":"Bad_Name","kind":"ConfigMap","causes":[{"reason":') > 0
    assert (
        '"message":"ConfigMap \\"Bad_Name\\" is invalid: metadata.name: Invalid value: \\"Bad_Name\\"' in text
    )


def test_go_json_escapes():
    """encoding/json's HTMLEscape: <, > and & as \\u003c, \\u003e, \\u0026; non-ASCII kept
    as UTF-8; U+2028 and U+2029 escaped."""
    error = ApiError(400, "BadRequest", "a <b> & ü\u2028")
    assert encode_json(error.status) == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":'
        b'"a \\u003cb\\u003e \\u0026 \xc3\xbc\\u2028","reason":"BadRequest","code":400}\n'
    )

"""The sandbox's Kubernetes API under fuzzing: no input answers a 5xx (issue 16).

schemathesis reads the API's own OpenAPI v3 documents (as served at /openapi/v3/...) and
generates, for every served operation, requests that follow the schema (positive) and
requests that break it (negative); each goes through Django to a real sandbox. The budget
is small and fixed, and hypothesis is derandomized, so a run is reproducible.
"""

import json
from urllib.parse import urlencode

import pytest
import schemathesis
import yaml
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from playground.kubeapi import handler
from playground.models import Sandbox

pytestmark = pytest.mark.django_db

EXAMPLES = {GenerationMode.POSITIVE: 1, GenerationMode.NEGATIVE: 1}  # per operation


def negatable(operation) -> bool:
    """Whether to ask schemathesis for invalid requests to this operation: those with a body
    and the collections (integer and boolean query parameters). One that reads or deletes a
    single object takes little but its path and free-form strings, and searching for an
    invalid request would spend seconds each (the budget of the whole run is about a minute)."""
    return operation.method.lower() in ("post", "put", "patch") or "{name}" not in operation.path


YAML_TYPES = ("application/apply-patch+yaml", "application/yaml")


def quiet(client) -> Client:
    """The visitor's client, answering a server error with its response instead of raising."""
    other = Client(raise_request_exception=False)
    other.cookies = client.cookies
    return other


@pytest.fixture
def sandbox(client):
    assert client.post("/playground/try/self-healing").status_code == 302
    return Sandbox.objects.get()


def documents(client, sandbox) -> dict[str, dict]:
    """Every OpenAPI v3 document the sandbox serves, by group version, fetched as kubectl
    fetches them: the index, then each serverRelativeURL."""
    index = client.get(f"/k8s/{sandbox.token}/openapi/v3")
    assert index.status_code == 200
    found = {}
    for name, ref in json.loads(index.content)["paths"].items():
        answer = client.get(ref["serverRelativeURL"])
        assert answer.status_code == 200, name
        found[name] = json.loads(answer.content)
    return found


def _query(case) -> str:
    pairs = []
    for key, value in (case.query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
    return urlencode(pairs)


def _body(case) -> tuple[bytes, str]:
    media = case.media_type or "application/json"
    if isinstance(case.body, NotSet):
        return b"", media if case.media_type else ""
    if media in YAML_TYPES:
        return yaml.safe_dump(case.body).encode(), media
    if media in ("*/*", "application/vnd.kubernetes.protobuf"):
        media = "application/json"
    return json.dumps(case.body).encode(), media


def send(client, sandbox, case):
    body, media = _body(case)
    query = _query(case)
    url = f"/k8s/{sandbox.token}{case.formatted_path}" + (f"?{query}" if query else "")
    response = client.generic(case.method.upper(), url, body, content_type=media)
    response.close()  # a watch or logs -f stream gives its slot back
    return response


def test_every_served_operation_answers_below_500(client, sandbox):
    """Every path of every group version, with valid and invalid parameters and bodies."""
    client = quiet(client)
    failures: list[str] = []
    count = 0
    for name, document in documents(client, sandbox).items():
        schema = schemathesis.openapi.from_dict(document)
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode, examples in EXAMPLES.items():
                if mode is GenerationMode.NEGATIVE and not negatable(operation):
                    continue
                pinned = {}
                if mode is GenerationMode.POSITIVE and "{namespace}" in operation.path:
                    pinned = {"namespace": "default"}  # reach past the 404 into the handlers

                @settings(
                    max_examples=examples,
                    derandomize=True,
                    database=None,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode, path_parameters=pinned or None))
                def check(case):
                    response = send(client, sandbox, case)
                    if response.status_code >= 500:
                        failures.append(
                            f"{name}: {case.method.upper()} {case.formatted_path} {_query(case)} "
                            f"{_body(case)[0][:200]!r} -> {response.status_code} {response.content[:300]!r}"
                        )

                try:
                    check()
                except Unsatisfiable:  # nothing in this operation can be made invalid
                    continue
                count += 1
    assert count > 500  # 342 operations at the time of writing, most in both modes
    assert failures == []
    assert client.get(f"/k8s/{sandbox.token}/api/v1/nodes").status_code == 200  # still serving
    assert client.get(f"/playground/{sandbox.public_id}/").status_code == 200  # and its page loads


def test_an_unexpected_error_is_an_internal_error_status_not_an_html_page(client, sandbox, monkeypatch):
    """kube-apiserver answers a panic as a Status (errors.NewInternalError); Django's
    handler would send its HTML error page, which no Kubernetes client can read."""

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(handler, "read", broken)
    client = quiet(client)
    response = client.get(f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    status = json.loads(response.content)
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "InternalError", 500)
    assert status["message"].startswith("Internal error occurred: ") and "a bug" not in status["message"]

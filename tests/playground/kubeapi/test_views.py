"""The API endpoint through Django: who may reach a sandbox, what a write leaves behind,
and the kubeconfig a learner downloads."""

import io
import json
import time

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client

from playground.kubeapi import feeds
from playground.models import Sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(client):
    assert client.post("/playground/try/self-healing").status_code == 302
    return Sandbox.objects.get()


def test_the_kubeconfig_download_is_ready_to_use(client, sandbox):
    response = client.get(f"/playground/{sandbox.public_id}/kubeconfig")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="kubeconfig-{sandbox.public_id}.yaml"'
    assert response["Cache-Control"] == "no-store"
    config = yaml.safe_load(response.content)
    assert config["clusters"][0]["cluster"]["server"] == f"http://testserver/k8s/{sandbox.token}"
    assert config["users"][0]["user"]["token"] == sandbox.token
    context = config["contexts"][0]["context"]
    assert config["current-context"] == config["contexts"][0]["name"] and context["namespace"] == "default"
    page = client.get(f"/playground/{sandbox.public_id}/").content.decode()
    assert f'href="/playground/{sandbox.public_id}/kubeconfig"' in page and "Download kubeconfig" in page


def test_another_visitor_gets_neither_the_kubeconfig_nor_the_token(client, sandbox):
    stranger = Client()
    assert stranger.get(f"/playground/{sandbox.public_id}/kubeconfig").status_code == 404
    assert sandbox.token not in client.get(f"/playground/{sandbox.public_id}/").content.decode()


def test_a_wrong_or_missing_token_is_401_unauthorized(client, sandbox):
    for path in ("/k8s/nope/api/v1/pods", "/k8s/api/v1/pods", f"/k8s/{sandbox.token[:-1]}x/version"):
        response = client.get(path)
        assert response.status_code == 401
        assert json.loads(response.content) == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Unauthorized",
            "reason": "Unauthorized",
            "code": 401,
        }
    bearer = client.get("/k8s/api/v1/nodes", HTTP_AUTHORIZATION=f"Bearer {sandbox.token}")
    assert bearer.status_code == 200 and len(json.loads(bearer.content)["items"]) == 4


def test_a_write_is_saved_snapshotted_and_shown_on_the_page(client, sandbox):
    before = sandbox.snapshots.count()
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "from-kubectl"},
        "data": {"colour": "blue"},
    }
    response = client.post(
        f"/k8s/{sandbox.token}/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert sandbox.snapshots.count() == before + 1
    assert sandbox.snapshots.first().label == "kubectl: create configmaps"
    scale = client.patch(
        f"/k8s/{sandbox.token}/apis/apps/v1/namespaces/default/deployments/web/scale",
        json.dumps({"spec": {"replicas": 5}}),
        content_type="application/merge-patch+json",
    )
    assert scale.status_code == 200 and json.loads(scale.content)["spec"]["replicas"] == 5
    page = client.get(
        f"/playground/{sandbox.public_id}/", {"parts": "workloads"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert page.count("web-") >= 5
    dry = client.post(
        f"/k8s/{sandbox.token}/api/v1/namespaces/default/configmaps?dryRun=All",
        json.dumps({**body, "metadata": {"name": "dry"}}),
        content_type="application/json",
    )
    assert dry.status_code == 201 and sandbox.snapshots.count() == before + 2
    assert client.get(f"/k8s/{sandbox.token}/api/v1/namespaces/default/configmaps/dry").status_code == 404


def test_oversized_bodies_are_refused_before_reading(client, sandbox):
    response = client.generic(
        "POST",
        f"/k8s/{sandbox.token}/api/v1/namespaces/default/configmaps",
        b"x" * (3 * 1024 * 1024 + 1),
        content_type="application/json",
    )
    assert response.status_code == 413 and json.loads(response.content)["reason"] == "RequestEntityTooLarge"


@pytest.mark.django_db(transaction=True)
def test_watch_streams_ndjson_and_ends_at_timeout_seconds(client, sandbox):
    listed = json.loads(client.get(f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods").content)
    response = client.get(
        f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods",
        {"watch": "1", "resourceVersion": "0", "timeoutSeconds": "1"},
    )
    assert response.streaming and response["Content-Type"] == "application/json"
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines() if line.strip()]
    assert {event["type"] for event in lines} == {"ADDED"}
    assert sorted(e["object"]["metadata"]["name"] for e in lines) == sorted(
        p["metadata"]["name"] for p in listed["items"]
    )
    # The shared poller stops once its last stream is gone.
    deadline = time.monotonic() + 5
    while feeds._feeds and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not feeds._feeds


def test_sandbox_kubeconfig_command(sandbox):
    out = io.StringIO()
    call_command(
        "sandbox_kubeconfig", str(sandbox.public_id), "--server", "https://labs.example.org", stdout=out
    )
    config = yaml.safe_load(out.getvalue())
    assert config["clusters"][0]["cluster"]["server"] == f"https://labs.example.org/k8s/{sandbox.token}"
    created = io.StringIO()
    call_command(
        "sandbox_kubeconfig", "--new", "--scenario", "rolling-update", stdout=created, stderr=io.StringIO()
    )
    new = Sandbox.objects.exclude(pk=sandbox.pk).get()
    assert new.scenario == "rolling-update" and new.token in created.getvalue()
    with pytest.raises(CommandError, match="Unknown scenario"):
        call_command("sandbox_kubeconfig", "--new", "--scenario", "nope")
    with pytest.raises(CommandError, match="No sandbox with id"):
        call_command("sandbox_kubeconfig", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError, match="either a sandbox id or --new"):
        call_command("sandbox_kubeconfig")


@pytest.mark.django_db(transaction=True)
def test_a_watch_without_timeout_ends_at_the_servers_cap(client, sandbox, settings):
    settings.KUBE_API_WATCH_SECONDS = 1
    began = time.monotonic()
    response = client.get(f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods", {"watch": "true"})
    events = [line for line in b"".join(response.streaming_content).splitlines() if line.strip()]
    assert events and 1 <= time.monotonic() - began < 5
    deadline = time.monotonic() + 5
    while feeds._feeds and time.monotonic() < deadline:
        time.sleep(0.05)


def test_absolute_paths_from_kubectl_get_raw(client, sandbox):
    """`kubectl get --raw /…` before 1.34 drops the server URL's path, token included."""
    assert client.get("/readyz").content == b"ok"
    assert b"livez check passed" in client.get("/livez", {"verbose": ""}).content
    refused = json.loads(client.get("/api/v1/namespaces").content)
    assert refused["code"] == 401 and "start the raw path with /k8s/<token>/" in refused["message"]
    with_bearer = client.get("/api/v1/namespaces", HTTP_AUTHORIZATION=f"Bearer {sandbox.token}")
    assert with_bearer.status_code == 200 and json.loads(with_bearer.content)["kind"] == "NamespaceList"
    assert client.get(f"/k8s/{sandbox.token}/readyz").content == b"ok"


def test_exec_and_port_forward_say_why_they_are_missing(client, sandbox):
    pods = json.loads(client.get(f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods").content)["items"]
    name = pods[0]["metadata"]["name"]
    for sub in ("exec", "portforward", "attach"):
        response = client.post(f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods/{name}/{sub}")
        status = json.loads(response.content)
        assert response.status_code == 400 and "containers without processes" in status["message"]


@pytest.mark.django_db(transaction=True)
def test_watch_bookmarks_and_heartbeats(client, sandbox, monkeypatch):
    """Bookmarks when asked for; otherwise a bare newline after quiet, so a worker
    notices a client that went away."""
    from playground.kubeapi import views as api_views

    monkeypatch.setattr(api_views, "BOOKMARK_SECONDS", 0)
    url = f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods"
    rv = json.loads(client.get(url).content)["metadata"]["resourceVersion"]
    marked = client.get(
        url, {"watch": "1", "resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": "1"}
    )
    events = [json.loads(line) for line in b"".join(marked.streaming_content).splitlines() if line.strip()]
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert bookmarks and bookmarks[0]["object"] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": bookmarks[0]["object"]["metadata"]["resourceVersion"]},
    }
    monkeypatch.setattr(api_views, "HEARTBEAT_SECONDS", 0)
    quiet = client.get(url, {"watch": "1", "resourceVersion": rv, "timeoutSeconds": "1"})
    body = b"".join(quiet.streaming_content)
    assert b"\n" in body and not body.strip()  # only heartbeats: nothing changed
    deadline = time.monotonic() + 5
    while feeds._feeds and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_streaming_list_ends_its_initial_events_with_a_bookmark(client, sandbox):
    """client-go 1.34 and later informers (kubectl rollout status, Helm 4's --wait) watch with
    sendInitialEvents: every object as ADDED, then a bookmark annotated
    k8s.io/initial-events-end, whatever resourceVersion they name."""
    url = f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods"
    listed = json.loads(client.get(url).content)
    for since in ("", listed["metadata"]["resourceVersion"]):
        response = client.get(
            url,
            {
                "watch": "1",
                "sendInitialEvents": "true",
                "resourceVersionMatch": "NotOlderThan",
                "allowWatchBookmarks": "true",
                "resourceVersion": since,
                "timeoutSeconds": "1",
            },
        )
        events = [
            json.loads(line) for line in b"".join(response.streaming_content).splitlines() if line.strip()
        ]
        marker = next(i for i, e in enumerate(events) if e["type"] == "BOOKMARK")
        assert {e["type"] for e in events[:marker]} == {"ADDED"}
        assert sorted(e["object"]["metadata"]["name"] for e in events[:marker]) == sorted(
            p["metadata"]["name"] for p in listed["items"]
        )
        end = events[marker]["object"]["metadata"]
        assert end["annotations"] == {"k8s.io/initial-events-end": "true"}
        assert int(end["resourceVersion"]) >= int(listed["metadata"]["resourceVersion"])
    deadline = time.monotonic() + 5
    while feeds._feeds and time.monotonic() < deadline:
        time.sleep(0.05)


def test_watch_options_refused_as_kube_apiserver_refuses_them(client, sandbox):
    url = f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods"
    response = client.get(url, {"watch": "1", "sendInitialEvents": "true"})
    status = json.loads(response.content)
    assert response.status_code == 422 and status["reason"] == "Invalid"
    assert status["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires '
        "setting resourceVersionMatch to NotOlderThan"
    )
    response = client.get(url, {"watch": "1", "resourceVersionMatch": "Exact"})
    assert json.loads(response.content)["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is '
        "forbidden for watch unless sendInitialEvents is provided, resourceVersionMatch: Unsupported value: "
        '"Exact": supported values: "NotOlderThan"]'
    )


@pytest.mark.django_db(transaction=True)
def test_logs_follow_refuses_a_waiting_container_then_streams_until_it_ends(client, sandbox):
    base = f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods"
    pod = {
        "metadata": {"name": "once"},
        "spec": {
            "restartPolicy": "Never",
            "containers": [
                {"name": "once", "image": "busybox:1.36", "command": ["sh", "-c", "echo hello; echo bye"]}
            ],
        },
    }
    assert client.post(base, json.dumps(pod), content_type="application/json").status_code == 201
    waiting = client.get(f"{base}/once/log", {"follow": "true"})
    assert waiting.status_code == 400
    assert (
        json.loads(waiting.content)["message"]
        == 'container "once" in pod "once" is waiting to start: ContainerCreating'
    )
    assert client.post(f"/playground/{sandbox.public_id}/clock", {"do": "settle"}).status_code == 302
    followed = client.get(f"{base}/once/log", {"follow": "true", "timestamps": "true"})
    assert followed.streaming and followed["Content-Type"] == "text/plain"
    began = time.monotonic()
    lines = b"".join(followed.streaming_content).decode().splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["hello", "bye"]
    assert time.monotonic() - began < 5  # the pod has finished, so the stream ends at once

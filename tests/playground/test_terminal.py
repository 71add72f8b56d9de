"""The kubectl terminal: completion from a real engine, the JSON console answers, the
completion endpoint, the terminal partial and "Run this" from a concept page."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from playground import console
from playground.engine import Cluster
from playground.models import Sandbox

from .engine.conftest import deployment


@pytest.fixture(scope="module")
def cluster():
    c = Cluster.new()
    c.apply(deployment("web", replicas=2))
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    c.apply(deployment("cart", replicas=1), namespace="shop")
    c.settle()
    return c


def candidates(cluster, line):
    return console.complete(cluster, line)["candidates"]


def test_verbs_complete_after_kubectl_and_kubectl_itself_first(cluster):
    assert console.complete(cluster, "kub") == {"candidates": ["kubectl"], "replace": 3}
    assert candidates(cluster, "kubectl ") == console.SUPPORTED
    assert console.complete(cluster, "kubectl g") == {"candidates": ["get"], "replace": 1}
    assert candidates(cluster, "kubectl de") == ["delete", "describe"]
    assert candidates(cluster, "kubectl exe") == []  # not run here, so not offered


def test_resource_types_by_plural_and_a_short_name_completes_to_its_plural(cluster):
    assert console.complete(cluster, "kubectl get po") == {"candidates": ["pods"], "replace": 2}
    assert candidates(cluster, "kubectl get svc") == ["services"]
    assert candidates(cluster, "kubectl describe deploy") == ["deployments"]
    assert candidates(cluster, "kubectl get pe") == ["persistentvolumeclaims", "persistentvolumes"]
    types = candidates(cluster, "kubectl get ")
    assert types[0] == "all" and {"pods", "deployments", "nodes", "services"} <= set(types)
    assert "all" not in candidates(cluster, "kubectl delete ")


def test_object_names_follow_the_type_and_the_namespace(cluster):
    pods = candidates(cluster, "kubectl get pods ")
    assert len(pods) == 2 and all(p.startswith("web-") for p in pods)
    assert candidates(cluster, "kubectl get deploy ") == ["web"]
    assert candidates(cluster, "kubectl get deploy -n shop ") == ["cart"]
    assert candidates(cluster, "kubectl get deploy --namespace shop ") == ["cart"]
    assert candidates(cluster, "kubectl scale -n shop deployment c") == ["cart"]
    assert set(candidates(cluster, "kubectl get deploy -A ")) >= {"web", "cart", "coredns"}
    assert console.complete(cluster, "kubectl describe deploy/w") == {
        "candidates": ["deploy/web"],
        "replace": 8,
    }
    assert candidates(cluster, "kubectl get nodes w") == ["worker-1", "worker-2", "worker-3"]
    assert candidates(cluster, "kubectl logs ") == pods
    assert candidates(cluster, "kubectl logs -n shop ")[0].startswith("cart-")


def test_flags_for_the_verb_and_their_values(cluster):
    flags = candidates(cluster, "kubectl get pods -")
    assert {"-n", "-o", "-A", "-l", "--output", "--namespace"} <= set(flags) and "--replicas" not in flags
    assert candidates(cluster, "kubectl scale deploy web --r") == ["--replicas"]
    assert candidates(cluster, "kubectl drain worker-1 --i") == ["--ignore-daemonsets"]
    assert candidates(cluster, "kubectl get pods -o ") == ["json", "name", "wide", "yaml"]
    assert console.complete(cluster, "kubectl get pods --output=y") == {"candidates": ["yaml"], "replace": 1}
    assert candidates(cluster, "kubectl get pods -n ") == sorted(
        o["metadata"]["name"] for o in cluster.list("Namespace")
    )
    assert "shop" in candidates(cluster, "kubectl get pods -n ")
    assert candidates(cluster, "kubectl apply -f ") == ["-"]
    assert candidates(cluster, "kubectl expose deploy web --type ") == [
        "ClusterIP",
        "LoadBalancer",
        "NodePort",
    ]


def test_nodes_rollout_set_image_create_and_top(cluster):
    assert candidates(cluster, "kubectl cordon ") == ["control-plane", "worker-1", "worker-2", "worker-3"]
    assert candidates(cluster, "kubectl uncordon worker-") == ["worker-1", "worker-2", "worker-3"]
    assert candidates(cluster, "kubectl rollout ") == [
        "history",
        "pause",
        "restart",
        "resume",
        "status",
        "undo",
    ]
    assert candidates(cluster, "kubectl rollout undo ") == ["daemonsets", "deployments", "statefulsets"]
    assert candidates(cluster, "kubectl rollout undo deploy") == ["deployments"]
    assert candidates(cluster, "kubectl rollout status deployments ") == ["web"]
    assert candidates(cluster, "kubectl set ") == ["image"]
    assert candidates(cluster, "kubectl set image deploy/web ") == ["main="]
    assert candidates(cluster, "kubectl create ") == [
        "deployment",
        "namespace",
        "poddisruptionbudget",
        "quota",
    ]
    assert candidates(cluster, "kubectl top ") == ["node", "pod"]
    assert candidates(cluster, "kubectl frob ") == []
    assert candidates(cluster, "kubectl get nosuchtype ") == []


# The views -----------------------------------------------------------------------------------


@pytest.fixture
def sandbox(client):
    response = client.post("/playground/try/self-healing")
    assert response.status_code == 302
    return Sandbox.objects.get()


def run_json(client, sandbox, command):
    return client.post(
        f"/playground/{sandbox.public_id}/kubectl", {"command": command}, HTTP_ACCEPT="application/json"
    )


@pytest.mark.django_db
def test_the_console_answers_the_terminal_in_json(client, sandbox):
    response = run_json(client, sandbox, "kubectl get deploy")
    body = response.json()
    assert response.status_code == 200 and body["ok"] is True and body["changed"] is False
    assert re.match(r"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3/3", body["output"])
    scaled = run_json(client, sandbox, "kubectl scale deploy/web --replicas=5").json()
    assert scaled == {"ok": True, "output": "deployment.apps/web scaled\n", "changed": True}
    # kubectl's errors are answers too: status 200, ok false, the text kubectl prints.
    for command, output in [
        ("kubectl gte pods", 'Error: unknown command "gte" for "kubectl"\n\nDid you mean this?\n\tget'),
        ("kubectl get podz", 'error: the server doesn\'t have a resource type "podz"'),
        ("kubectl get pod nosuch", 'Error from server (NotFound): pods "nosuch" not found'),
    ]:
        answer = run_json(client, sandbox, command)
        assert answer.status_code == 200 and answer.json() == {
            "ok": False,
            "output": output,
            "changed": False,
        }
    refused = run_json(client, sandbox, "kubectl edit deploy web").json()
    assert refused["ok"] is False and "kubectl apply -f -" in refused["output"]


@pytest.mark.django_db
def test_a_heredoc_from_the_terminal_applies_and_is_labelled_by_its_first_line(client, sandbox):
    text = (
        "kubectl apply -f - <<EOF\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: info\nEOF"
    )
    answer = run_json(client, sandbox, text).json()
    assert answer == {"ok": True, "output": "configmap/settings created\n", "changed": True}
    assert "settings" in run_json(client, sandbox, "kubectl get configmaps").json()["output"]
    assert sandbox.snapshots.filter(label="kubectl apply -f - <<EOF").exists()


@pytest.mark.django_db
def test_the_completion_endpoint_reads_this_visitors_sandbox_only(client, sandbox):
    url = f"/playground/{sandbox.public_id}/kubectl/complete"
    assert client.get(url, {"line": "kubectl get po"}).json() == {"candidates": ["pods"], "replace": 2}
    assert client.get(url, {"line": "kubectl get deploy "}).json()["candidates"] == ["web"]
    assert client.post(url, {"line": "kubectl get po"}).status_code == 405
    other = Client()
    assert other.get(url, {"line": "kubectl get deploy "}).status_code == 404
    assert (
        other.post(
            f"/playground/{sandbox.public_id}/kubectl",
            {"command": "get pods"},
            HTTP_ACCEPT="application/json",
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_the_sandbox_page_carries_the_terminal_and_a_typed_command(client, sandbox):
    page = client.get(f"/playground/{sandbox.public_id}/", {"type": 'kubectl get pods -l "app=web"'})
    html = page.content.decode()
    host = re.search(r'<div id="terminal"[^>]*>', html).group(0)
    assert f'data-sandbox="{sandbox.public_id}"' in host
    assert f'data-run-url="/playground/{sandbox.public_id}/kubectl"' in host
    assert f'data-complete-url="/playground/{sandbox.public_id}/kubectl/complete"' in host
    assert 'data-initial="kubectl get pods -l &quot;app=web&quot;"' in host
    assert 'role="application"' in host and 'aria-label="kubectl terminal"' in host
    for asset in (
        "vendor/xterm/xterm.js",
        "vendor/xterm/addon-fit.js",
        "js/terminal.js",
        "vendor/xterm/xterm.css",
    ):
        assert asset in html
    start = html.index("<noscript>", html.index('<div id="terminal"'))
    noscript = html[start : html.index("</noscript>", start)]
    assert f'action="/playground/{sandbox.public_id}/kubectl"' in noscript and 'name="command"' in noscript
    assert "data-initial" not in client.get(f"/playground/{sandbox.public_id}/").content.decode()


@pytest.mark.django_db
def test_run_this_on_a_concept_page_opens_a_sandbox_with_the_command_typed(client):
    pair = client.get("/concepts/ft-ha-replicasets/").content.decode()
    forms = re.findall(
        r'<form method="post" action="(/playground/try/[^"]+)" class="run-this-form">.*?'
        r'name="type" value="([^"]+)"',
        pair,
    )
    assert forms and all(action == "/playground/try/self-healing" for action, _ in forms)
    typed = next(value for _, value in forms if "kubectl scale" in value)
    response = client.post("/playground/try/self-healing", {"type": typed.replace("&#x27;", "'")})
    location = urlparse(response["Location"])
    assert response.status_code == 302 and parse_qs(location.query)["type"] == [
        "kubectl scale deployment web --replicas=3"
    ]
    page = client.get(response["Location"]).content.decode()
    assert 'data-initial="kubectl scale deployment web --replicas=3"' in page
    # A remark in the cell stays out of the typed command.
    remark = client.post("/playground/try/self-healing", {"type": "kubectl get rs (the ReplicaSets)"})
    assert parse_qs(urlparse(remark["Location"]).query)["type"] == ["kubectl get rs"]
    plain = client.post("/playground/try/self-healing")
    assert "?" not in plain["Location"]


@pytest.mark.django_db
def test_a_pair_without_a_scenario_offers_no_run_this(client, monkeypatch):
    from concepts import views as concept_views

    assert "Run this" in client.get("/concepts/ft-ha-replicasets/").content.decode()
    monkeypatch.setattr(concept_views, "scenarios", lambda: {})
    monkeypatch.setattr(concept_views, "for_pair", lambda slug: None)
    html = client.get("/concepts/ft-ha-replicasets/").content.decode()
    assert "No sandbox scenario shows this pair yet" in html and "Run this" not in html


def test_the_vendored_xterm_is_pinned_and_complete():
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[2] / "static" / "vendor" / "xterm"
    versions = (vendor / "VERSIONS").read_text()
    assert "@xterm/xterm 6.0.0" in versions and "@xterm/addon-fit 0.11.0" in versions
    assert "e.Terminal=" in (vendor / "xterm.js").read_text()
    assert "FitAddon" in (vendor / "addon-fit.js").read_text()
    assert "sourceMappingURL" not in (vendor / "xterm.js").read_text()
    assert ".xterm" in (vendor / "xterm.css").read_text()
    for notice in ("LICENSE.xterm", "LICENSE.addon-fit"):
        assert "Permission is hereby granted" in (vendor / notice).read_text()

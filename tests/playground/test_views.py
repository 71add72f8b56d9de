"""Playground pages: every htmx view as a full page and as a fragment; bad input; isolation."""

import re

import pytest
from django.test import Client

from playground.models import Sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(client):
    response = client.post("/playground/try/self-healing")
    assert response.status_code == 302
    return Sandbox.objects.get()


def test_the_index_offers_scenarios_and_profiles(client):
    html = client.get("/playground/").content.decode()
    assert "Start from a scenario" in html and "Self-healing replicas" in html
    assert 'name="profile" value="vsphere"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_try_it_from_a_pair_page_opens_the_scenario(client):
    pair = client.get("/concepts/ft-ha-replicasets/").content.decode()
    action = re.search(r'action="(/playground/try/[^"]+)"', pair).group(1)
    assert action == "/playground/try/self-healing"
    response = client.post(action)
    assert response.status_code == 302 and response["Location"].startswith("/playground/")


def test_the_sandbox_page_as_full_page_and_live_fragment(client, sandbox):
    url = f"/playground/{sandbox.public_id}/"
    html = client.get(url).content.decode()
    assert "<html" in html and 'id="workspace"' in html
    # Every tab is on the page; the Summary is shown, the others wait behind their tab.
    for key in ("summary", "hosts", "workloads", "topology", "network", "monitor", "yaml"):
        assert f'id="panel-{key}"' in html
    assert (
        re.search(r'id="panel-summary"[^>]*>', html)
        and "hidden" not in re.search(r'id="panel-summary"[^>]*>', html)[0]
    )
    assert "hidden" in re.search(r'id="panel-hosts"[^>]*>', html)[0]
    assert "Hosts and Clusters" in html and "ESXi host" in html
    assert "<svg" in html and "worker-1" in html
    assert "Recent Tasks" in html
    # ?tab= opens another tab first (links work without JavaScript).
    hosts = client.get(url, {"tab": "hosts"}).content.decode()
    assert "hidden" not in re.search(r'id="panel-hosts"[^>]*>', hosts)[0]
    # The poll brings back the summary and the pieces asked for, each swapped out of band.
    fragment = client.get(url, {"parts": "summary,workloads"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert re.findall(r'<div id="(live-[a-z]+)"[^>]*hx-swap-oob="true"', fragment) == [
        "live-summary",
        "live-workloads",
    ]
    assert re.search(r"web-[a-z0-9]+-[a-z0-9]{5}", fragment) and "<svg" not in fragment
    topology = client.get(url, {"parts": "topology"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<svg" in topology and 'id="live-hosts"' not in topology


def test_the_summary_says_what_step_would_do(client, sandbox):
    url = f"/playground/{sandbox.public_id}/"
    client.post(f"{url}clock", {"do": "settle"})
    settled = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "unit(s) of work queued" not in settled
    assert re.search(r"Nothing is waiting|Next timed work in", settled)
    client.post(f"{url}kubectl", {"command": "kubectl scale deploy/web --replicas=5"}, HTTP_HX_REQUEST="true")
    client.post(f"{url}clock", {"do": "pause"})
    busy = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(
        r"reconciles? queued: Step runs the next one|Timed work is due now|Next timed work in", busy
    )


def test_apply_yaml_as_fragment_and_as_plain_post(client, sandbox):
    url = f"/playground/{sandbox.public_id}/apply"
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {level: info}\n"
    response = client.post(url, {"manifest": manifest}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "configmap/settings created" in html and response["HX-Trigger"] == "sandbox-changed"
    response = client.post(url, {"manifest": manifest})
    assert response.status_code == 302
    assert "configmap/settings unchanged" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: a: b\n",
            "error converting YAML to JSON: yaml: line 5: mapping values are not allowed here",
        ),
        (
            "apiVersion: v1\nkind: Gizmo\nmetadata: {name: g}\n",
            "no matches for kind &quot;Gizmo&quot; in version &quot;v1&quot;",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec: {replica: 2}\n",
            "strict decoding error: unknown field &quot;spec.replica&quot;",
        ),
        (
            "a: &a ['x','x','x','x','x','x','x','x','x','x']\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
            "alias bomb",
        ),
    ],
)
def test_bad_yaml_gets_a_clear_error_and_changes_nothing(client, sandbox, manifest, expected):
    before = Sandbox.objects.get(pk=sandbox.pk).version
    response = client.post(
        f"/playground/{sandbox.public_id}/apply", {"manifest": manifest}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code in (400, 404, 422)
    assert expected in response.content.decode()
    assert Sandbox.objects.get(pk=sandbox.pk).version == before


def test_an_oversized_manifest_is_refused(client, sandbox):
    response = client.post(
        f"/playground/{sandbox.public_id}/apply", {"manifest": "a: " + "x" * 300_000}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 413


def test_host_actions_show_the_kubernetes_command(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    page = client.get(client.post(f"{base}/nodes/worker-1/enter-maintenance")["Location"]).content.decode()
    assert "kubectl drain worker-1 --ignore-daemonsets --delete-emptydir-data" in page
    assert "SchedulingDisabled" in page
    page = client.get(client.post(f"{base}/nodes/worker-2/fail")["Location"]).content.decode()
    assert "worker-2 failed: its kubelet stopped posting status. In Kubernetes there is no command" in page
    assert "the Kubernetes way" not in page
    response = client.post(f"{base}/nodes/worker-2/power-on", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == f"{base}/"
    assert client.post(f"{base}/nodes/worker-1/explode").status_code == 404


def test_edit_settings_scales_and_sets_the_image(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    response = client.post(
        f"{base}/workloads/Deployment/default/web/edit", {"replicas": "5", "image": "nginx:1.28"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "kubectl scale deployment/web -n default --replicas=5" in page
    assert (
        client.post(f"{base}/workloads/Deployment/default/web/edit", {"replicas": "many"}).status_code == 400
    )


def test_the_clock_controls(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    client.post(f"{base}/clock", {"do": "pause"})
    assert Sandbox.objects.get(pk=sandbox.pk).paused
    client.post(
        f"{base}/apply",
        {
            "manifest": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: m, image: 'nginx:1.27'}]}\n"
        },
    )
    page = client.get(client.post(f"{base}/clock", {"do": "step"})["Location"]).content.decode()
    assert "kube-scheduler: Successfully assigned default/p to worker-" in page or "kubelet" in page
    client.post(f"{base}/clock", {"do": "speed", "speed": "60"})
    assert Sandbox.objects.get(pk=sandbox.pk).speed == 60
    assert client.post(f"{base}/clock", {"do": "speed", "speed": "7"}).status_code == 400


def test_the_object_view(client, sandbox):
    pod = Sandbox.objects.get(pk=sandbox.pk)
    page = client.get(f"/playground/{sandbox.public_id}/").content.decode()
    pod_url = re.search(r'href="(/playground/[^"]+/objects/Pod/default/web-[^"]+/)"', page).group(1)
    html = client.get(pod_url).content.decode()
    assert "Why this host" in html and "NodeResourcesFit" in html
    assert "kind: Pod" in html and "Successfully assigned" in html
    assert "never migrated or repaired" in html
    assert pod


def test_rewind_through_the_page(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    client.post(f"{base}/apply", {"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone}\n"})
    snapshot = Sandbox.objects.get(pk=sandbox.pk).snapshots.get(label="Apply YAML")
    client.post(f"{base}/rewind", {"snapshot": snapshot.pk})
    assert (
        "configmap/gone created"
        in client.post(
            f"{base}/apply",
            {"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone}\n"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
    )


def test_another_visitor_gets_404_everywhere(sandbox):
    other = Client()
    base = f"/playground/{sandbox.public_id}"
    assert other.get(f"{base}/").status_code == 404
    assert other.post(f"{base}/apply", {"manifest": "a: b"}).status_code == 404
    assert other.post(f"{base}/nodes/worker-1/fail").status_code == 404
    assert other.post(f"{base}/delete").status_code == 404
    assert other.post(f"{base}/kubectl", {"command": "get pods"}).status_code == 404
    assert other.post(f"{base}/kubectl", {"command": "delete deploy web"}).status_code == 404
    assert Sandbox.objects.filter(pk=sandbox.pk).exists()


def test_forms_need_csrf(sandbox):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/playground/new", {"profile": "minimal"}).status_code == 403


def test_the_network_view_and_trace_as_page_and_fragment(client):
    client.post("/playground/try/restaurant-rating")
    sandbox = Sandbox.objects.get()
    url = f"/playground/{sandbox.public_id}/network/"
    html = client.get(url).content.decode()
    assert (
        "<html" in html
        and "10.40.1.0/24 via 10.40.1.0 dev flannel.1 onlink" in html
        and "cni0 10.40.1.1/24" in html
    )
    from playground.sandboxes import restore

    lb = restore(Sandbox.objects.get().state).get("svc", "yelb-ui", "default")["status"]["loadBalancer"][
        "ingress"
    ][0]["ip"]
    fragment = client.get(
        url, {"source": "outside", "destination": f"{lb}:80"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="trace-result"')
    assert "Delivered to default/yelb-ui-" in fragment and "load-balancer" in fragment
    failing = client.get(
        url, {"source": "outside", "destination": "yelb-ui:80"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "clients outside the cluster cannot resolve it" in failing


def test_the_kubectl_console_reads_and_writes(client, sandbox):
    url = f"/playground/{sandbox.public_id}/kubectl"
    assert 'action="' + url + '"' in client.get(f"/playground/{sandbox.public_id}/").content.decode()
    response = client.post(url, {"command": "kubectl get deploy"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("{# The answer") is False
    assert '<div id="console-result"' in html
    assert re.search(r"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3/3", html)
    assert "HX-Trigger" not in response
    response = client.post(url, {"command": "kubectl scale deploy/web --replicas=5"}, HTTP_HX_REQUEST="true")
    assert "deployment.apps/web scaled" in response.content.decode()
    assert response["HX-Trigger"] == "sandbox-changed"
    page = client.get(f"/playground/{sandbox.public_id}/").content.decode()
    assert "Before: kubectl scale deploy/web --replicas=5" in page
    missing = client.post(url, {"command": "get pod nosuch"}, HTTP_HX_REQUEST="true")
    assert missing.status_code == 404
    assert "Error from server (NotFound): pods &quot;nosuch&quot; not found" in missing.content.decode()
    refused = client.post(url, {"command": "kubectl exec web -- sh"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "does not run" in refused.content.decode()
    plain = client.post(url, {"command": "get nodes"})
    assert plain.status_code == 302 and "worker-1" in client.get(plain["Location"]).content.decode()


def test_stepping_highlights_the_touched_shapes(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    client.post(f"{base}/clock", {"do": "pause"})
    # A change's own work runs at once; a failed host leaves timed work (node lifecycle) to step.
    client.post(f"{base}/nodes/worker-2/fail")
    html = ""
    # Leases, heartbeats and the kubeadm DaemonSets queue work of their own, so the step that
    # touches a pod on the failed host is not the first: allow for them.
    for _ in range(40):
        client.post(f"{base}/clock", {"do": "step"})
        html = client.get(f"{base}/").content.decode()
        if 'class="node highlight"' in html:  # a step that touched pods, not only the host
            break
    assert "highlighted in the topology" in html and 'class="node highlight"' in html
    client.post(f"{base}/clock", {"do": "play"})
    assert "highlight" not in client.get(f"{base}/", HTTP_HX_REQUEST="true").content.decode()


def test_the_console_takes_pasted_yaml_and_labels_the_snapshot_by_its_first_line(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    text = "kubectl apply -f -\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: pasted}\r\n"
    response = client.post(f"{base}/kubectl", {"command": text}, HTTP_HX_REQUEST="true")
    assert "configmap/pasted created" in response.content.decode()
    page = client.get(f"{base}/").content.decode()
    assert "Before: kubectl apply -f - <span" in page
    big = "kubectl apply -f -\n" + "x" * (300 * 1024)
    refused = client.post(f"{base}/kubectl", {"command": big}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "the limit is 262144 bytes" in refused.content.decode()


def test_edit_resource_settings_of_a_namespace(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    assert f'action="{base}/namespaces/default/resources"' in client.get(f"{base}/").content.decode()
    response = client.post(
        f"{base}/namespaces/default/resources",
        {"requests.cpu": "2", "pods": "4", "default.cpu": "250m", "default.memory": "128Mi"},
    )
    page = client.get(response["Location"]).content.decode()
    assert "kubectl create quota resource-settings -n default --hard=requests.cpu=2,pods=4" in page
    console = f"{base}/kubectl"
    quota = client.post(console, {"command": "get quota resource-settings -o json"}, HTTP_HX_REQUEST="true")
    assert "&quot;pods&quot;: &quot;4&quot;" in quota.content.decode()
    # Four pods are allowed in the pool: the fifth replica is refused by the quota.
    client.post(console, {"command": "scale deploy/web --replicas=5"})
    client.post(f"{base}/clock", {"do": "settle"})
    events = client.post(console, {"command": "get events"}, HTTP_HX_REQUEST="true").content.decode()
    assert "FailedCreate" in events and "exceeded quota: resource-settings" in events
    bad = client.post(f"{base}/namespaces/default/resources", {"requests.cpu": "lots"})
    assert bad.status_code == 400
    client.post(f"{base}/namespaces/default/resources", {})
    gone = client.post(console, {"command": "get quota"}, HTTP_HX_REQUEST="true").content.decode()
    assert "No resources found in default namespace." in gone


def test_flash_texts_are_sentences_that_name_the_kubernetes_way(client, sandbox):
    base = f"/playground/{sandbox.public_id}"

    def flash(response):
        html = client.get(response["Location"]).content.decode()
        return " ".join(re.findall(r'<p class="flash-[a-z]+">(.*?)</p>', html, re.S))

    text = flash(client.post(f"{base}/nodes/worker-1/enter-maintenance"))
    assert text.startswith("worker-1 is in maintenance mode: it is cordoned")
    assert "In Kubernetes: kubectl drain worker-1 --ignore-daemonsets --delete-emptydir-data" in text
    assert flash(client.post(f"{base}/nodes/worker-1/exit-maintenance")) == (
        "worker-1 left maintenance mode: the scheduler may place new pods on it again. "
        "In Kubernetes: kubectl uncordon worker-1"
    )
    text = flash(client.post(f"{base}/nodes/worker-2/power-on"))
    assert text.startswith("worker-2 is powered on: its kubelet posts status again.")
    text = flash(client.post(f"{base}/add-node"))
    assert re.match(
        r"Added host [\w-]+: its kubelet registered it as a Node\. In Kubernetes: run kubeadm join", text
    )
    text = flash(client.post(f"{base}/namespaces/default/resources", {"pods": "9"}))
    assert text.startswith(
        "Edited the resource settings of namespace default. In Kubernetes: kubectl create quota"
    )
    for text in ("the Kubernetes way", " — "):
        assert text not in flash(client.post(f"{base}/nodes/worker-3/fail"))


def test_edit_settings_opens_with_the_current_values_and_changes_only_what_differs(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    page = client.get(f"{base}/").content.decode()
    form = re.search(r'action="[^"]*/workloads/Deployment/default/web/edit".*?</form>', page, re.S).group(0)
    assert 'name="replicas"' in form and 'value="3"' in form and 'value="nginx:1.27"' in form
    unchanged = client.post(
        f"{base}/workloads/Deployment/default/web/edit", {"replicas": "3", "image": "nginx:1.27"}
    )
    assert (
        "already has these settings: nothing changed." in client.get(unchanged["Location"]).content.decode()
    )
    changed = client.post(
        f"{base}/workloads/Deployment/default/web/edit", {"replicas": "3", "image": "nginx:1.28"}
    )
    html = client.get(changed["Location"]).content.decode()
    text = " ".join(re.findall(r'<p class="flash-[a-z]+">(.*?)</p>', html, re.S))
    assert text == (
        "Edited Deployment web: image nginx:1.27 → nginx:1.28. "
        "In Kubernetes: kubectl set image deployment/web -n default nginx=nginx:1.28"
    )


def test_a_step_that_changes_nothing_names_its_component_once(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    client.post(f"{base}/clock", {"do": "pause"})
    client.post(f"{base}/kubectl", {"command": "scale deploy/web --replicas=4"})
    texts = []
    for _ in range(60):
        html = client.get(client.post(f"{base}/clock", {"do": "step"})["Location"]).content.decode()
        texts += re.findall(r'<p class="flash-[a-z]+">(.*?)</p>', html, re.S)
        if any("nothing to do" in t for t in texts):
            break
    idle = next(t for t in texts if "nothing to do" in t)
    component = idle.split(": ", 1)[0]
    assert idle.count(component) == 1 and re.match(r"[\w-]+( \([\w-]+\))?: checked \S+: nothing to do", idle)


def test_the_scheduler_configuration_is_set_per_sandbox_and_refused_in_place(client, sandbox):
    from playground.sandboxes import restore

    url = f"/playground/{sandbox.public_id}/scheduler"
    page = client.get(f"/playground/{sandbox.public_id}/", {"tab": "yaml"}).content.decode()
    assert 'action="' + url + '"' in page and "KubeSchedulerConfiguration" in page

    bad = (
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n"
        "  - schedulerName: default-scheduler\n    plugins:\n      score:\n        enabled:\n          - name: NoSuchPlugin\n"
    )
    before = Sandbox.objects.get().version
    refused = client.post(url, {"config": bad}, HTTP_HX_REQUEST="true")
    html = refused.content.decode()
    assert refused.status_code == 422 and '<div id="scheduler-result"' in html and "<html" not in html
    assert "profiles[0].plugins.score.enabled[0]: plugin &quot;NoSuchPlugin&quot; does not exist" in html
    assert Sandbox.objects.get().version == before

    # A valid configuration is kept with the sandbox and shown again in the form.
    from playground.views import SCHEDULER_EXAMPLE

    done = client.post(url, {"config": SCHEDULER_EXAMPLE}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and "kube-scheduler reconfigured" in done.content.decode()
    assert done["HX-Trigger"] == "sandbox-changed"
    cluster = restore(Sandbox.objects.get().state)
    args = cluster.scheduler_config["profiles"][0]["pluginConfig"][0]["args"]
    assert args["scoringStrategy"]["type"] == "MostAllocated"
    shown = client.get(f"/playground/{sandbox.public_id}/", {"tab": "yaml"}).content.decode()
    assert "MostAllocated" in shown.split('id="scheduler-config"', 1)[1].split("</textarea>", 1)[0]

    reset = client.post(url, {"config": ""}, HTTP_HX_REQUEST="true")
    assert "default profile" in reset.content.decode()
    assert restore(Sandbox.objects.get().state).scheduler_config is None

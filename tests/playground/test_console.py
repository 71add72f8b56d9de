"""The in-page kubectl console: parsing, kubectl's output and its errors, on a real engine."""

import pytest

from playground import console
from playground.engine import ApiError, Cluster

from .engine.conftest import deployment


@pytest.fixture
def cluster():
    c = Cluster.new()
    c.apply(deployment("web", replicas=2))
    c.settle()
    return c


def run(cluster, line):
    return console.run(cluster, console.parse(line))


def test_get_pods_prints_kubectls_table(cluster):
    lines = run(cluster, "kubectl get pods").splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(lines) == 3 and all(line.split()[1:4] == ["1/1", "Running", "0"] for line in lines[1:])
    wide = run(cluster, "get po -o wide").splitlines()
    assert wide[0].split()[5:] == ["IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"]
    assert wide[1].split()[6].startswith("worker-")


def test_all_namespaces_adds_the_namespace_column(cluster):
    lines = run(cluster, "get deploy -A").splitlines()
    assert lines[0].startswith("NAMESPACE ")
    assert {line.split()[0] for line in lines[1:]} >= {"default", "kube-system"}


def test_output_formats(cluster):
    assert run(cluster, "get deployments -o name") == "deployment.apps/web\n"
    assert run(cluster, "get deploy web -o yaml").startswith("apiVersion: apps/v1\nkind: Deployment\n")
    assert '"kind": "List"' in run(cluster, "get nodes -o json")
    with pytest.raises(console.ConsoleError, match='output format "table"'):
        console.parse("get pods -o table")


def test_errors_read_like_kubectl(cluster):
    with pytest.raises(ApiError, match='pods "nosuch" not found'):
        run(cluster, "get pod nosuch")
    with pytest.raises(console.ConsoleError, match='doesn\'t have a resource type "widgets"'):
        run(cluster, "get widgets")
    with pytest.raises(console.ConsoleError, match="^No resources found in empty namespace.$"):
        run(cluster, "get pods -n empty")
    with pytest.raises(console.ConsoleError, match='does not run "kubectl exec"'):
        console.parse("kubectl exec -it web -- sh")
    with pytest.raises(console.ConsoleError, match="unknown flag: --frobnicate"):
        console.parse("get pods --frobnicate")
    with pytest.raises(console.ConsoleError, match='required flag\\(s\\) "replicas" not set'):
        run(cluster, "scale deploy web")


def test_scale_and_rollout_change_the_cluster(cluster):
    command = console.parse("kubectl scale deployment/web --replicas=4")
    assert (
        command.writes and run(cluster, "scale deployment/web --replicas=4") == "deployment.apps/web scaled\n"
    )
    cluster.settle()
    assert len(cluster.list("Pod", "default")) == 4
    with pytest.raises(console.ConsoleError, match='^error: unable to find container named "web"$'):
        run(cluster, "set image deploy/web web=nginx:1.28")
    assert run(cluster, "set image deploy/web main=nginx:1.28") == "deployment.apps/web image updated\n"
    cluster.settle()
    history = run(cluster, "rollout history deployment web")
    assert history.splitlines()[1].split() == ["REVISION", "CHANGE-CAUSE"] and "2" in history
    assert not console.parse("rollout history deploy/web").writes
    assert run(cluster, "rollout undo deploy/web") == "deployment.apps/web rolled back\n"
    cluster.settle()
    assert (
        cluster.get("Deployment", "web", "default")["spec"]["template"]["spec"]["containers"][0]["image"]
        == "nginx:1.27"
    )


def test_cordon_uncordon_and_delete(cluster):
    assert run(cluster, "cordon worker-1") == "node/worker-1 cordoned\n"
    assert run(cluster, "cordon node/worker-1") == "node/worker-1 already cordoned\n"
    assert cluster.get("Node", "worker-1")["spec"]["unschedulable"] is True
    assert run(cluster, "uncordon worker-1") == "node/worker-1 uncordoned\n"
    pod = cluster.list("Pod", "default")[0]["metadata"]["name"]
    assert run(cluster, f"delete pod {pod} --now") == f'pod "{pod}" deleted\n'


def test_logs_and_oversized_lines(cluster):
    cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: hello}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox:1.36, command: [sh, -c, "echo hello from the pod"]}]
""")
    cluster.settle()
    assert run(cluster, "logs hello") == "hello from the pod\n"
    with pytest.raises(console.ConsoleError, match="the limit is 2000"):
        console.parse("get pods " + "x" * 3000)


def test_create_expose_run_and_rollout_status(cluster):
    assert run(cluster, "create deployment api --image=harbor.corp.local/lib/api:V1 --port=8080") == (
        "deployment.apps/api created\n"
    )
    api = cluster.get("Deployment", "api", "default")
    assert api["spec"]["selector"] == {"matchLabels": {"app": "api"}}
    assert api["spec"]["template"]["spec"]["containers"][0]["name"] == "api"
    assert run(cluster, "rollout status deploy/api").startswith("Waiting for deployment")
    cluster.settle()
    assert run(cluster, "rollout status deployment api") == 'deployment "api" successfully rolled out\n'
    assert (
        run(cluster, "expose deployment api --port=80 --target-port=8080 --type=NodePort")
        == "service/api exposed\n"
    )
    svc = cluster.get("Service", "api", "default")
    assert svc["spec"]["selector"] == {"app": "api"} and svc["spec"]["ports"][0]["nodePort"] >= 30000
    assert svc["spec"]["ports"][0]["targetPort"] == 8080
    cluster.settle()
    assert cluster.get("Endpoints", "api", "default")["subsets"][0]["ports"][0]["port"] == 8080
    with pytest.raises(console.ConsoleError, match="couldn't find port"):
        run(cluster, "expose deploy web --name other")
    assert (
        run(cluster, "run tmp --image=busybox:1.36 --restart=Never -- sh -c 'echo hi there'")
        == "pod/tmp created\n"
    )
    cluster.settle()
    assert cluster.get("Pod", "tmp", "default")["metadata"]["labels"] == {"run": "tmp"}
    assert run(cluster, "logs tmp") == "hi there\n"
    with pytest.raises(console.ConsoleError, match='required flag\\(s\\) "image" not set'):
        run(cluster, "create deployment x")


def test_label_and_annotate_respect_overwrite(cluster):
    assert run(cluster, "label deploy web tier=front") == "deployment.apps/web labeled\n"
    with pytest.raises(
        console.ConsoleError, match=r"'tier' already has a value \(front\), and --overwrite is false"
    ):
        run(cluster, "label deploy/web tier=back")
    run(cluster, "label deploy/web tier=back --overwrite")
    assert cluster.get("Deployment", "web", "default")["metadata"]["labels"]["tier"] == "back"
    run(cluster, "label deploy web tier-")
    assert "tier" not in cluster.get("Deployment", "web", "default")["metadata"]["labels"]
    assert run(cluster, "annotate node worker-1 owner=ops") == "node/worker-1 annotated\n"
    assert cluster.get("Node", "worker-1")["metadata"]["annotations"]["owner"] == "ops"


def test_drain_moves_pods_and_reports_like_kubectl(cluster):
    node = cluster.list("Pod", "default")[0]["spec"]["nodeName"]
    output = run(cluster, f"drain {node} --ignore-daemonsets")
    assert output.startswith(f"node/{node} cordoned\n") and output.endswith(f"node/{node} drained\n")
    assert "evicting pod default/web-" in output and " evicted\n" in output
    cluster.settle()
    assert all(p["spec"]["nodeName"] != node for p in cluster.list("Pod", "default"))
    cluster.apply(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: lonely}\nspec:\n  nodeName: worker-3\n"
        "  containers: [{name: c, image: nginx:1.27}]\n"
    )
    cluster.settle()
    with pytest.raises(console.ConsoleError, match="cannot delete Pods declare no controller"):
        run(cluster, "drain worker-3")
    assert cluster.get("Pod", "lonely", "default")["metadata"].get("deletionTimestamp") is None


def test_get_all_top_and_unknown_commands(cluster):
    output = run(cluster, "get all")
    assert (
        "\npod/web-" in output and "\ndeployment.apps/web " in output and "\nreplicaset.apps/web-" in output
    )
    assert "service/kubernetes" in output
    assert run(cluster, "get deploy,svc -o name") == "deployment.apps/web\nservice/kubernetes\n"
    top = run(cluster, "top pods").splitlines()
    assert top[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"] and len(top) == 3
    assert top[1].split()[1].endswith("m") and top[1].split()[2].endswith("Mi")
    assert run(cluster, "top nodes").splitlines()[0].split() == [
        "NAME",
        "CPU(cores)",
        "CPU(%)",
        "MEMORY(bytes)",
        "MEMORY(%)",
    ]
    # What kubectl 1.32 prints, byte for byte (cobra's error, without suggestions here).
    with pytest.raises(console.ConsoleError, match='^Error: unknown command "frobnicate" for "kubectl"$'):
        console.parse("kubectl frobnicate")


@pytest.mark.parametrize(
    "verb, suggestions",
    [
        ("gte", ["get"]),
        ("sacle", ["scale"]),
        ("ge", ["set", "get", "cp"]),  # kubectl's own order: the order it registers its commands
        ("exe", ["exec"]),
        ("edti", ["edit"]),
        ("lgos", ["logs"]),
        ("rollot", ["rollout"]),
    ],
)
def test_a_typo_gets_kubectls_did_you_mean(verb, suggestions):
    with pytest.raises(console.ConsoleError) as raised:
        console.parse(f"kubectl {verb} pods")
    assert str(raised.value) == (
        f'Error: unknown command "{verb}" for "kubectl"\n\nDid you mean this?\n'
        + "\n".join(f"\t{s}" for s in suggestions)
    )


@pytest.mark.parametrize(
    "line, reason",
    [
        ("kubectl exec -it web -- sh", "containers without processes, so there is nothing to exec into"),
        ("kubectl attach web", "nothing to attach to"),
        ("kubectl cp web:/etc/hosts hosts", "nothing to copy files from or to"),
        ("kubectl debug web", "ephemeral container"),
        ("kubectl port-forward svc/web 8080:80", "no network endpoints to forward to"),
        ("kubectl proxy", "run kubectl proxy with the real kubectl with this sandbox's kubeconfig"),
        ("kubectl edit deploy web", "no editor; print the object with kubectl get TYPE NAME -o yaml"),
        ("kubectl replace -f web.yaml", "use kubectl apply -f -"),
        ("kubectl events", "use kubectl get events"),
        ("kubectl config get-contexts", "-n NAMESPACE"),
    ],
)
def test_a_kubectl_command_the_console_does_not_run_says_why_and_what_instead(line, reason):
    verb = line.split()[1]
    with pytest.raises(console.ConsoleError) as raised:
        console.parse(line)
    message = str(raised.value)
    assert message.startswith(f'error: the console does not run "kubectl {verb}": ')
    assert reason in message and message.endswith(".")


def test_unknown_resource_types_and_flags_read_like_kubectl(cluster):
    with pytest.raises(
        console.ConsoleError, match='^error: the server doesn\'t have a resource type "podz"$'
    ):
        run(cluster, "kubectl get podz")
    with pytest.raises(console.ConsoleError) as raised:
        console.parse("kubectl get pods --frobnicate")
    assert str(raised.value) == "error: unknown flag: --frobnicate\nSee 'kubectl get --help' for usage."


def test_typeable_takes_the_command_out_of_a_concept_table_cell():
    assert console.typeable("kubectl get svc (CLUSTER-IP)") == "kubectl get svc"
    assert (
        console.typeable(
            "(add podAntiAffinity to the Deployment's template) kubectl apply -f spread-web.yaml"
        )
        == "kubectl apply -f spread-web.yaml"
    )
    assert (
        console.typeable("kubectl scale deployment web --replicas=3")
        == "kubectl scale deployment web --replicas=3"
    )
    assert console.typeable("(add livenessProbe and readinessProbe to the container)") == ""
    assert console.typeable("crane ls harbor.corp.local/library/restreview-ui") == ""
    assert console.typeable("kubectl get pods\nkubectl delete pods --all") == ""


def test_describe_by_prefix_and_apply_from_pasted_yaml(cluster):
    text = run(cluster, "describe pods web")
    assert text.count("\nName:             web-") == 1 and text.startswith("Name:             web-")
    assert text.count("Controlled By:  ReplicaSet/web-") == 2
    with pytest.raises(ApiError, match='pods "zzz" not found'):
        run(cluster, "describe pod zzz")
    pasted = (
        "kubectl apply -f - <<EOF\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {level: info}\n"
        "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\nEOF\n"
    )
    command = console.parse(pasted)
    assert command.writes and run(cluster, pasted) == "configmap/settings created\nnamespace/shop created\n"
    assert run(cluster, pasted) == "configmap/settings unchanged\nnamespace/shop unchanged\n"
    run(cluster, "kubectl apply -n shop -f -\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n")
    assert cluster.get("ConfigMap", "settings", "shop")
    with pytest.raises(console.ConsoleError, match="put the YAML on the next lines"):
        run(cluster, "apply -f manifest.yaml")
    with pytest.raises(ApiError):
        run(
            cluster,
            "apply -f -\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\nkind: Nope\napiVersion: v1\n",
        )
    assert not [c for c in cluster.list("ConfigMap", "default") if c["metadata"]["name"] == "x"]


def test_explain_through_the_console(cluster):
    assert run(cluster, "explain svc.spec.type").startswith(
        "KIND:       Service\nVERSION:    v1\n\nFIELD: type <string>\n"
    )
    with pytest.raises(
        console.ConsoleError, match='(?s)^GROUP:      apps\n.*\nerror: field "bogus" does not exist$'
    ):
        run(cluster, "explain deployment.spec.bogus")
    with pytest.raises(console.ConsoleError, match='doesn\'t have a resource type "gadgets"'):
        run(cluster, "explain gadgets")

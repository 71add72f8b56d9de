"""The Helm chart in deploy/helm/vsphere-to-kubernetes and the Dockerfile its pods run.

Checked three ways: `helm lint --strict` and the chart's values.schema.json; `helm template`
with the default values and with every optional part on, every manifest validated against
the Kubernetes 1.37 schemas (kubernetes-validate, strict: unknown fields fail) and the
HTTPRoute against the Gateway API CRD the sandboxes serve; and the chart installed with
Helm 4 into one of the app's own sandboxes, in a namespace that enforces Pod Security
`restricted`, its migrations hook Job complete, its pods Running, `helm test` passing,
then uninstalled leaving nothing behind."""

import base64
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from playground.engine.addons import gateway_api
from tests.playground.kubeapi.conftest import HELM, Kubectl, newest_kubectl

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "vsphere-to-kubernetes"
RELEASE, NAMESPACE = "learn", "classroom"
FULLNAME = "learn-vsphere-to-kubernetes"
DATABASE_URL = "postgres://app:s3cret@db.example.internal:5432/app"

# Every optional part on: the worker (with the command issue 18 plans for it), an HTTPRoute
# on a Gateway, an Ingress, an explicit SECRET_KEY left to be generated.
EVERYTHING = {
    "django": {
        "allowedHosts": ["learn.example.com"],
        "csrfTrustedOrigins": ["https://learn.example.com"],
        "kubeApiPublicUrl": "https://learn.example.com",
        "env": {"SANDBOXES_PER_VISITOR": "4"},
    },
    "secret": {"databaseUrl": DATABASE_URL},
    "worker": {"enabled": True, "command": ["python", "manage.py", "db_worker"]},
    "httpRoute": {
        "enabled": True,
        "parentRefs": [{"name": "shared", "sectionName": "http"}],
        "hostnames": ["learn.example.com"],
    },
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "hosts": ["learn.example.com"],
        "tls": [{"secretName": "learn-tls", "hosts": ["learn.example.com"]}],
    },
}


def _helm_env(home: Path, kubeconfig: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "HELM_", "XDG_"))}
    env["HOME"] = str(home)
    if kubeconfig:
        env["KUBECONFIG"] = str(kubeconfig)
    return env


@pytest.fixture(scope="module")
def helm(tmp_path_factory):
    """Runs Helm 4 (from scripts/fetch-test-assets) with a home of its own."""
    if not os.access(HELM, os.X_OK):
        pytest.fail(f"{HELM} is missing: run scripts/fetch-test-assets (make test does)")
    home = tmp_path_factory.mktemp("helm-home")

    def run(*args: str, kubeconfig: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(HELM), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_helm_env(home, kubeconfig),
        )

    return run


@pytest.fixture(scope="module")
def values_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("values") / "everything.yaml"
    path.write_text(yaml.safe_dump(EVERYTHING))
    return path


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{shlex.join(result.args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _render(helm, *args: str) -> list[dict]:
    out = _ok(helm("template", RELEASE, str(CHART), "--namespace", NAMESPACE, *args))
    return [doc for doc in yaml.safe_load_all(out) if doc]


def _by_kind(docs: list[dict]) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def _pod_specs(docs: list[dict]) -> dict[str, dict]:
    specs = {}
    for doc in docs:
        if doc["kind"] == "Pod":
            specs[doc["metadata"]["name"]] = doc["spec"]
        elif doc["kind"] in ("Deployment", "Job"):
            specs[doc["metadata"]["name"]] = doc["spec"]["template"]["spec"]
    return specs


# Lint and the values schema ------------------------------------------------------------


def test_lint_strict_passes_with_default_and_full_values(helm, values_file):
    for args in ((), ("--values", str(values_file))):
        out = _ok(helm("lint", "--strict", str(CHART), *args))
        assert "1 chart(s) linted, 0 chart(s) failed" in out
        assert "[ERROR]" not in out and "[WARNING]" not in out, out


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        # The worker (on by default) runs a command it is given: an empty one is refused.
        (["--set-json", "worker.command=[]"], "at '/worker/command': minItems: got 0, want 1"),
        # TASKS_BACKEND follows worker.enabled; it cannot be set apart from it.
        (["--set", "django.env.TASKS_BACKEND=immediate"], "invalid propertyName 'TASKS_BACKEND'"),
        (["--set", "httpRoute.enabled=true"], "at '/httpRoute/parentRefs': minItems: got 0, want 1"),
        (["--set", "ingress.enabled=true"], "at '/ingress/hosts': minItems: got 0, want 1"),
        # No bundled database, and SQLite cannot serve several pods.
        (["--set", "secret.databaseUrl=sqlite:///db.sqlite3"], "at '/secret/databaseUrl'"),
        # A misspelt key is refused rather than ignored.
        (["--set", "web.replica=3"], "additional properties 'replica' not allowed"),
        (["--set-json", "django.allowedHosts=[]"], "at '/django/allowedHosts': minItems: got 0, want 1"),
        (["--set", "image.pullPolicy=Sometimes"], "at '/image/pullPolicy'"),
        # SECRET_KEY and DATABASE_URL come from the Secret only.
        (["--set", "django.env.SECRET_KEY=oops"], "invalid propertyName 'SECRET_KEY'"),
    ],
)
def test_schema_refuses_bad_values(helm, setting, complaint):
    result = helm("template", RELEASE, str(CHART), *setting)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert complaint in result.stderr, result.stderr


# Rendered manifests --------------------------------------------------------------------


def _validate_all(docs: list[dict]) -> None:
    """Built-in kinds against upstream's v1.37 schemas (strict: an unknown field fails);
    the HTTPRoute against the Gateway API v1 CRD schema the sandboxes install."""
    crds = {crd["spec"]["names"]["kind"]: crd for crd in gateway_api.crds()}
    for doc in docs:
        if doc["apiVersion"].startswith(gateway_api.GROUP + "/"):
            version = doc["apiVersion"].split("/")[1]
            crd = crds[doc["kind"]]
            (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
            jsonschema.validate(doc, served["schema"]["openAPIV3Schema"])
        else:
            kubernetes_validate.validate(doc, "1.37.0", strict=True)


def test_default_values_render_valid_manifests(helm):
    docs = _render(helm)
    _validate_all(docs)
    assert sorted(_by_kind(docs)) == [
        ("Deployment", f"{FULLNAME}-web"),
        ("Deployment", f"{FULLNAME}-worker"),
        ("HorizontalPodAutoscaler", f"{FULLNAME}-web"),
        ("Job", f"{FULLNAME}-migrations"),
        ("Pod", f"{FULLNAME}-test-healthz"),
        ("Secret", FULLNAME),
        ("Secret", f"{FULLNAME}-migrations"),
        ("Service", FULLNAME),
        ("ServiceAccount", FULLNAME),
    ]


def _tasks_backend(container: dict) -> str:
    (value,) = [item["value"] for item in container["env"] if item["name"] == "TASKS_BACKEND"]
    return value


def test_the_check_worker_runs_by_default_and_every_pod_queues_checks_for_it(helm):
    """Lab checks off the request path (issue 18 §4): the worker runs `manage.py db_worker`
    (django-tasks' database backend) and the web pods enqueue to it; without the worker
    the web pods run the checks themselves."""
    kinds = _by_kind(_render(helm))
    web = kinds[("Deployment", f"{FULLNAME}-web")]["spec"]["template"]["spec"]["containers"][0]
    worker = kinds[("Deployment", f"{FULLNAME}-worker")]["spec"]["template"]["spec"]["containers"][0]
    assert worker["command"] == ["python", "manage.py", "db_worker"]
    assert _tasks_backend(web) == _tasks_backend(worker) == "database"
    alone = _by_kind(_render(helm, "--set", "worker.enabled=false"))
    assert ("Deployment", f"{FULLNAME}-worker") not in alone
    web = alone[("Deployment", f"{FULLNAME}-web")]["spec"]["template"]["spec"]["containers"][0]
    assert _tasks_backend(web) == "immediate"


def test_every_optional_part_renders_valid_manifests(helm, values_file):
    docs = _render(helm, "--values", str(values_file))
    _validate_all(docs)
    kinds = _by_kind(docs)
    worker = kinds[("Deployment", f"{FULLNAME}-worker")]["spec"]["template"]["spec"]["containers"][0]
    assert worker["command"] == ["python", "manage.py", "db_worker"]
    route = kinds[("HTTPRoute", FULLNAME)]["spec"]
    assert route["parentRefs"] == [{"name": "shared", "sectionName": "http"}]
    assert route["rules"][0]["backendRefs"] == [{"name": FULLNAME, "port": 80}]
    ingress = kinds[("Ingress", FULLNAME)]["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["rules"][0]["http"]["paths"][0]["backend"]["service"] == {
        "name": FULLNAME,
        "port": {"name": "http"},
    }


def test_existing_secret_is_read_and_none_is_made(helm):
    docs = _render(
        helm,
        "--set",
        "secret.existingSecret=app-env",
        "--set",
        "secret.databaseUrlKey=url",
    )
    _validate_all(docs)
    assert not [d for d in docs if d["kind"] == "Secret"]
    for name, spec in _pod_specs(docs).items():
        if name.endswith("-test-healthz"):
            continue
        env = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef") for e in spec["containers"][0]["env"]}
        assert env["SECRET_KEY"] == {"name": "app-env", "key": "SECRET_KEY"}, name
        assert env["DATABASE_URL"] == {"name": "app-env", "key": "url"}, name


def test_hpa_owns_the_replica_count(helm):
    docs = _by_kind(_render(helm))
    assert "replicas" not in docs[("Deployment", f"{FULLNAME}-web")]["spec"]
    hpa = docs[("HorizontalPodAutoscaler", f"{FULLNAME}-web")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{FULLNAME}-web"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
    fixed = _by_kind(_render(helm, "--set", "autoscaling.enabled=false", "--set", "web.replicas=3"))
    assert fixed[("Deployment", f"{FULLNAME}-web")]["spec"]["replicas"] == 3
    assert ("HorizontalPodAutoscaler", f"{FULLNAME}-web") not in fixed


def test_web_runs_gunicorn_with_the_project_config_and_probes_healthz(helm):
    web = _by_kind(_render(helm))[("Deployment", f"{FULLNAME}-web")]["spec"]["template"]["spec"]
    (container,) = web["containers"]
    assert container["command"] == ["gunicorn"]
    assert (
        "--config=/app/gunicorn.conf.py" in container["args"]
        and container["args"][-1] == "config.wsgi:application"
    )
    for probe in ("readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        # Django answers 400 to a Host not in ALLOWED_HOSTS, and the kubelet would send the
        # pod's IP: the probes name an allowed host.
        assert (get["path"], get["port"], get["httpHeaders"]) == (
            "/healthz",
            "http",
            [{"name": "Host", "value": "learn.example.com"}],
        )
    assert {e["name"]: e.get("value") for e in container["env"]}["ALLOWED_HOSTS"] == "learn.example.com"
    assert "cpu" in container["resources"]["requests"], "the HPA's utilization needs a CPU request"


def test_migrations_hook_runs_before_install_and_upgrade(helm):
    docs = _by_kind(_render(helm))
    job = docs[("Job", f"{FULLNAME}-migrations")]
    hook_secret = docs[("Secret", f"{FULLNAME}-migrations")]
    for doc in (job, hook_secret):
        assert doc["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    # The hook's Secret exists before the Job (lower weight): the release's own Secret does not
    # exist yet while pre-install hooks run.
    weight = lambda d: int(d["metadata"]["annotations"]["helm.sh/hook-weight"])  # noqa: E731
    assert weight(hook_secret) < weight(job)
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    # The chart's ServiceAccount is not there yet either.
    assert spec["serviceAccountName"] == "default"
    assert spec["containers"][0]["command"] == ["django-admin", "migrate", "--noinput"]


def test_every_pod_meets_pod_security_restricted_on_paper(helm, values_file):
    """The fields `restricted` checks (k8s.io/pod-security-admission policy/check_*.go:
    runAsNonRoot, allowPrivilegeEscalation, capabilities drop ALL, seccomp RuntimeDefault),
    on every pod the chart makes; the install below has the real admission judge them."""
    specs = _pod_specs(_render(helm, "--values", str(values_file)))
    assert len(specs) == 4  # web, worker, migrations, test
    for name, spec in specs.items():
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert context["readOnlyRootFilesystem"] is True, name


# The Dockerfile ----------------------------------------------------------------------


def _dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            steps.append((instruction.upper(), " ".join(rest.split())))
    return steps


def _final_stage() -> list[tuple[str, str]]:
    steps = _dockerfile()
    last_from = max(i for i, (instruction, _) in enumerate(steps) if instruction == "FROM")
    return steps[last_from:]


def _image_env() -> dict[str, str]:
    env = {}
    for instruction, rest in _final_stage():
        if instruction == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def test_image_is_python_311_slim_with_graphviz_and_the_pinned_requirements():
    steps = _dockerfile()
    froms = [rest for instruction, rest in steps if instruction == "FROM"]
    assert all(f.split()[0] == "python:3.11-slim" for f in froms), froms
    runs = " ".join(rest for instruction, rest in _final_stage() if instruction == "RUN")
    assert re.search(r"apt-get install .*\bgraphviz\b", runs)
    assert any("pip install --requirement /tmp/requirements.txt" in rest for _, rest in steps)


def test_image_runs_as_the_non_root_user_the_chart_expects(helm):
    users = [rest for instruction, rest in _final_stage() if instruction == "USER"]
    assert users, "the image must not run as root"
    user, _, group = users[-1].partition(":")
    # Numeric, so the kubelet can verify runAsNonRoot without reading /etc/passwd.
    assert user.isdigit() and int(user) != 0 and group.isdigit()
    web = _by_kind(_render(helm))[("Deployment", f"{FULLNAME}-web")]["spec"]["template"]["spec"]
    assert web["securityContext"]["runAsUser"] == int(user)
    assert web["securityContext"]["runAsGroup"] == int(group)


def test_image_command_runs_gunicorn_with_the_project_config():
    final = _final_stage()
    (workdir,) = [rest for instruction, rest in final if instruction == "WORKDIR"]
    cmd = [json.loads(rest) for instruction, rest in final if instruction == "CMD"][-1]
    assert not [rest for instruction, rest in final if instruction == "ENTRYPOINT"]
    assert cmd[0] == "gunicorn" and cmd[-1] == "config.wsgi:application"
    config = [a.split("=", 1)[1] for a in cmd if a.startswith("--config=")]
    assert config == [f"{workdir}/gunicorn.conf.py"]
    assert "--bind=0.0.0.0:8000" in cmd
    # What the chart's containers call is on the image's PATH: gunicorn and Django's
    # django-admin, both installed from requirements.txt into the virtualenv.
    assert _image_env()["PATH"].startswith("/opt/venv/bin:")
    requirements = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^gunicorn==", requirements, re.M) and re.search(r"^Django==", requirements, re.M)
    assert _image_env()["DJANGO_SETTINGS_MODULE"] == "config.settings"
    assert _image_env()["PYTHONPATH"] == workdir


def test_image_collectstatic_step_succeeds_with_the_image_settings(tmp_path):
    """The Dockerfile's collectstatic RUN, run here with the image's ENV (STATIC_ROOT moved
    to a temporary directory): production settings (DEBUG off) and WhiteNoise's manifest
    storage, which fails on a stylesheet that points at a missing file."""
    (run,) = [
        rest for instruction, rest in _final_stage() if instruction == "RUN" and "collectstatic" in rest
    ]
    env = {**_image_env(), "STATIC_ROOT": str(tmp_path / "static")}
    env["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    assert env["DEBUG"] == "false"
    result = subprocess.run(["sh", "-c", run], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert "post-processed" in result.stdout


def test_dockerignore_keeps_out_the_local_state_and_keeps_in_the_app():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for local in (".git", ".venv", ".cache", "db.sqlite3", "tests", "staticfiles", "**/__pycache__"):
        assert local in ignored, local
    for needed in (
        "config",
        "concepts",
        "playground",
        "translator",
        "templates",
        "static",
        "manage.py",
        "gunicorn.conf.py",
        "requirements.txt",
    ):
        assert (ROOT / needed).exists() and needed not in ignored, needed


def test_chart_settings_pass_django_deploy_checks(helm):
    """`manage.py check --deploy` with the environment the web pods get (the image's ENV,
    the Deployment's values and the Secret's) reports nothing."""
    docs = _by_kind(_render(helm, "--set", f"secret.databaseUrl={DATABASE_URL}"))
    secret = {k: base64.b64decode(v).decode() for k, v in docs[("Secret", FULLNAME)]["data"].items()}
    env = {**_image_env()}
    for item in docs[("Deployment", f"{FULLNAME}-web")]["spec"]["template"]["spec"]["containers"][0]["env"]:
        env[item["name"]] = (
            item["value"] if "value" in item else secret[item["valueFrom"]["secretKeyRef"]["key"]]
        )
    assert len(env["SECRET_KEY"]) == 50 and env["DATABASE_URL"] == DATABASE_URL
    env.update(PATH=os.environ["PATH"], PYTHONPATH=str(ROOT), STATIC_ROOT="/nonexistent")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# Installed into a sandbox --------------------------------------------------------------

GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shared
spec:
  gatewayClassName: sandbox
  listeners:
  - name: http
    port: 80
    protocol: HTTP
"""

# What the namespace holds before the install (kubectl get <these> -o name); after the
# uninstall it must hold exactly the same.
KINDS = "all,secrets,configmaps,serviceaccounts,jobs,hpa,ingresses,httproutes,roles,rolebindings,pvc"


class Release:
    def __init__(self, helm, kubectl: Kubectl, kubeconfig: Path, before: set[str], installed: str):
        self.helm, self.k, self.kubeconfig, self.before, self.installed = (
            helm,
            kubectl,
            kubeconfig,
            before,
            installed,
        )
        self.uninstalled = False

    def run(self, *args: str, timeout: float = 200) -> subprocess.CompletedProcess:
        return self.helm(*args, "--namespace", NAMESPACE, kubeconfig=self.kubeconfig, timeout=timeout)

    def get(self, *args: str) -> dict:
        return json.loads(self.k.ok("get", "--namespace", NAMESPACE, *args, "-o", "json"))

    def names(self) -> set[str]:
        return set(self.k.ok("get", KINDS, "--namespace", NAMESPACE, "-o", "name").split())


@pytest.fixture(scope="module")
def release(api_server, helm, values_file, tmp_path_factory):
    """The chart installed once (every optional part on) with `helm install --wait` into a
    new sandbox's namespace that enforces Pod Security `restricted` (and warns at it)."""
    kubeconfig = api_server.sandbox()
    k = Kubectl(newest_kubectl(), kubeconfig, tmp_path_factory.mktemp("kubectl-cache"))
    k.ok("create", "namespace", NAMESPACE)
    k.ok(
        "label",
        "namespace",
        NAMESPACE,
        "pod-security.kubernetes.io/enforce=restricted",
        "pod-security.kubernetes.io/warn=restricted",
    )
    k.ok("apply", "--namespace", NAMESPACE, "-f", "-", stdin=GATEWAY)
    before = set(k.ok("get", KINDS, "--namespace", NAMESPACE, "-o", "name").split())
    result = helm(
        "install",
        RELEASE,
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--values",
        str(values_file),
        "--wait",
        "--timeout",
        "180s",
        kubeconfig=kubeconfig,
        timeout=240,
    )
    installed = _ok(result) + result.stderr
    rel = Release(helm, k, kubeconfig, before, installed)
    yield rel
    if not rel.uninstalled:
        rel.run("uninstall", RELEASE, "--wait", "--timeout", "120s")


def test_install_is_deployed_without_pod_security_warnings(release):
    assert "STATUS: deployed" in release.installed and "REVISION: 1" in release.installed
    # The namespace warns at `restricted` too: a pod template that broke it would have
    # printed "would violate PodSecurity" on the install.
    assert "PodSecurity" not in release.installed, release.installed
    (listed,) = json.loads(_ok(release.run("list", "-o", "json")))
    assert (listed["name"], listed["status"], listed["chart"]) == (
        RELEASE,
        "deployed",
        "vsphere-to-kubernetes-0.1.0",
    )


def test_installed_pods_are_running_and_ready(release):
    # The Deployment leaves its replica count to the HPA, so it starts with one pod and the
    # HPA raises it to minReplicas on its next sync (replica_calculator: below
    # Spec.MinReplicas, the desired count is minReplicas whatever the metrics say).
    release.k.ok(
        "wait",
        "--namespace",
        NAMESPACE,
        "--for=jsonpath={.status.readyReplicas}=2",
        f"deployment/{FULLNAME}-web",
        "--timeout=90s",
        timeout=120,
    )
    pods = release.get("pods", "-l", f"app.kubernetes.io/instance={RELEASE}")["items"]
    by_component: dict[str, list[dict]] = {}
    for pod in pods:
        by_component.setdefault(pod["metadata"]["labels"]["app.kubernetes.io/component"], []).append(pod)
    # The HPA's minReplicas web pods and the worker; the migrations pod went with its Job.
    assert sorted((c, len(p)) for c, p in by_component.items()) == [("web", 2), ("worker", 1)]
    for pod in pods:
        status = pod["status"]
        ready = {c["type"]: c["status"] for c in status["conditions"]}["Ready"]
        assert (pod["metadata"]["name"], status["phase"], ready) == (
            pod["metadata"]["name"],
            "Running",
            "True",
        )
    for name in ("web", "worker"):
        deployment = release.get("deployment", f"{FULLNAME}-{name}")
        conditions = {c["type"]: c["status"] for c in deployment["status"]["conditions"]}
        assert conditions["Available"] == "True", name


def test_namespace_really_enforces_restricted(release):
    """The control for the test above: in this namespace a pod that runs as root is refused
    by the sandbox's Pod Security admission with upstream's message."""
    stderr = release.k.fails(
        "run", "rooted", "--image=nginx:1.27", "--restart=Never", "--namespace", NAMESPACE
    )
    assert 'is forbidden: violates PodSecurity "restricted:latest"' in stderr
    assert "runAsNonRoot != true" in stderr


def test_migrations_hook_job_completed_before_the_pods(release):
    """Helm records each hook's last run (pkg/action/hooks.go execHook): the Job and its
    Secret ran pre-install and succeeded, then went (hook-delete-policy hook-succeeded)."""
    status = json.loads(_ok(release.run("status", RELEASE, "-o", "json")))
    hooks = {(h["kind"], h["name"]): h for h in status["hooks"]}
    for key in (("Job", f"{FULLNAME}-migrations"), ("Secret", f"{FULLNAME}-migrations")):
        assert hooks[key]["events"] == ["pre-install", "pre-upgrade"], key
        assert hooks[key]["last_run"]["phase"] == "Succeeded", key
    assert "NotFound" in release.k.fails("get", "job", f"{FULLNAME}-migrations", "--namespace", NAMESPACE)
    assert "NotFound" in release.k.fails("get", "secret", f"{FULLNAME}-migrations", "--namespace", NAMESPACE)
    # The Job controller's own record of it (job_controller.go: reason Completed).
    events = release.get("events", "--field-selector", f"involvedObject.name={FULLNAME}-migrations")["items"]
    assert ("Job", "Completed") in {(e["involvedObject"]["kind"], e["reason"]) for e in events}
    # It finished before the web pods were made.
    completed = max(e["lastTimestamp"] or e["eventTime"] for e in events if e["reason"] == "Completed")
    web = release.get("pods", "-l", "app.kubernetes.io/component=web")["items"]
    assert all(pod["metadata"]["creationTimestamp"] >= completed[:19] for pod in web)


def test_secret_hpa_and_routes_are_in_place(release):
    secret = release.get("secret", FULLNAME)
    assert base64.b64decode(secret["data"]["DATABASE_URL"]).decode() == DATABASE_URL
    assert len(base64.b64decode(secret["data"]["SECRET_KEY"])) == 50
    hpa = release.get("hpa", f"{FULLNAME}-web")
    assert hpa["spec"]["scaleTargetRef"]["name"] == f"{FULLNAME}-web"
    # It raised the Deployment to minReplicas (status.currentReplicas is what it saw when it
    # last synced, which may still be the Deployment's first 1).
    assert hpa["status"]["desiredReplicas"] == 2
    events = release.get("events", "--field-selector", f"involvedObject.name={FULLNAME}-web")["items"]
    rescales = [e["message"] for e in events if e["reason"] == "SuccessfulRescale"]
    assert rescales and rescales[0].startswith("New size: 2; reason: "), rescales
    route = release.get("httproute", FULLNAME)
    (parent,) = route["status"]["parents"]
    conditions = {c["type"]: c["status"] for c in parent["conditions"]}
    assert parent["parentRef"]["name"] == "shared" and conditions["Accepted"] == "True"
    assert conditions["ResolvedRefs"] == "True"
    ingress = release.get("ingress", FULLNAME)
    assert ingress["spec"]["rules"][0]["host"] == "learn.example.com"


def test_helm_test_passes(release):
    tested = _ok(release.run("test", RELEASE, "--timeout", "120s"))
    assert f"TEST SUITE:     {FULLNAME}-test-healthz" in tested and "Phase:          Succeeded" in tested, (
        tested
    )


def test_upgrade_reruns_migrations_and_keeps_the_secret_key(release):
    key = release.get("secret", FULLNAME)["data"]["SECRET_KEY"]
    upgraded = _ok(
        release.run(
            "upgrade",
            RELEASE,
            str(CHART),
            "--reuse-values",
            "--set",
            "django.logLevel=WARNING",
            "--wait",
            "--timeout",
            "180s",
        )
    )
    assert "REVISION: 2" in upgraded
    # Generated once, read back on upgrade (the chart's `lookup`): sessions stay valid.
    assert release.get("secret", FULLNAME)["data"]["SECRET_KEY"] == key
    status = json.loads(_ok(release.run("status", RELEASE, "-o", "json")))
    (job,) = [h for h in status["hooks"] if h["kind"] == "Job"]
    assert job["last_run"]["phase"] == "Succeeded"
    env = release.get("deployment", f"{FULLNAME}-web")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "LOG_LEVEL", "value": "WARNING"} in env


def test_uninstall_leaves_nothing(release):
    out = _ok(release.run("uninstall", RELEASE, "--wait", "--timeout", "120s"))
    release.uninstalled = True
    assert f'release "{RELEASE}" uninstalled' in out
    # `--wait` waits for what Helm deleted; the garbage collector's pods then terminate
    # gracefully (Terminating for up to their grace period), as on a real cluster.
    release.k.ok("wait", "--for=delete", "pods", "--all", "--namespace", NAMESPACE, "--timeout=90s")
    assert release.names() == release.before
    assert not release.get("pods")["items"]
    assert json.loads(_ok(release.run("list", "-o", "json"))) == []

"""Pod Security Admission (playground/engine/podsecurity.py) against upstream's
k8s.io/pod-security-admission: each check's messages, the registry's order and versions,
the namespace labels' fallbacks, and the admission flow through the API server."""

import pytest

from playground import console
from playground.engine import Cluster, podsecurity
from playground.engine.errors import ApiError
from playground.engine.podsecurity import LevelVersion, check_pod, policy_of

LATEST_RESTRICTED = LevelVersion("restricted", None)
LATEST_BASELINE = LevelVersion("baseline", None)


def restricted_ok(**extra) -> dict:
    """A pod spec that passes restricted, with `extra` merged into its one container."""
    container = {
        "name": "app",
        "image": "nginx",
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    container.update(extra)
    return {"containers": [container]}


def failures(spec: dict, lv=LATEST_BASELINE, meta=None) -> list[tuple[str, str]]:
    return check_pod(lv, meta or {}, spec)


def pod(name="nginx", namespace="x", spec=None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec or {"containers": [{"name": "nginx", "image": "nginx"}]},
    }


def namespace(name="x", **labels) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {f"pod-security.kubernetes.io/{k.replace('_', '-')}": v for k, v in labels.items()},
        },
    }


@pytest.fixture
def cluster():
    return Cluster.new("minimal", seed=1)


# Checks ------------------------------------------------------------------------------------


def test_restricted_plain_nginx_in_registry_order():
    """registry.go ``populate``: baseline ids then restricted ids, each sorted; the four
    restricted failures of a plain pod and ``AggregateCheckResult.ForbiddenDetail``'s
    'reason (detail), ...' join."""
    spec = {"containers": [{"name": "nginx", "image": "nginx"}]}
    assert podsecurity.forbidden_detail(failures(spec, LATEST_RESTRICTED)) == (
        'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
    )
    assert failures(spec) == []  # baseline allows it
    assert failures(restricted_ok(), LATEST_RESTRICTED) == []


def test_host_namespaces():
    """check_hostNamespaces.go ``hostNamespaces_1_0``."""
    spec = {"hostNetwork": True, "hostPID": True, "hostIPC": True, "containers": [{"name": "a"}]}
    assert failures(spec) == [("host namespaces", "hostNetwork=true, hostPID=true, hostIPC=true")]


def test_privileged():
    """check_privileged.go ``privileged_1_0``: init containers are visited first."""
    spec = {
        "initContainers": [{"name": "init", "securityContext": {"privileged": True}}],
        "containers": [{"name": "a", "securityContext": {"privileged": True}}, {"name": "b"}],
    }
    assert failures(spec) == [
        ("privileged", 'containers "init", "a" must not set securityContext.privileged=true')
    ]


def test_capabilities_baseline_and_restricted():
    """check_capabilities_baseline.go ``capabilitiesBaseline_1_0`` and
    check_capabilities_restricted.go ``capabilitiesRestricted_1_22`` (which overrides it)."""
    spec = {
        "containers": [
            {"name": "a", "securityContext": {"capabilities": {"add": ["NET_RAW", "SYS_ADMIN", "CHOWN"]}}}
        ]
    }
    assert failures(spec) == [
        (
            "non-default capabilities",
            'container "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
        )
    ]
    spec = restricted_ok(
        securityContext={
            **restricted_ok()["containers"][0]["securityContext"],
            "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "CHOWN"]},
        }
    )
    assert failures(spec, LATEST_RESTRICTED) == [
        (
            "unrestricted capabilities",
            'container "app" must not include "CHOWN" in securityContext.capabilities.add',
        )
    ]


def test_host_path_volumes_and_restricted_volume_types():
    """check_hostPathVolumes.go ``hostPathVolumes_1_0`` and check_restrictedVolumes.go
    ``restrictedVolumesV1Dot0`` (which overrides it in restricted)."""
    volumes = [
        {"name": "h", "hostPath": {"path": "/"}},
        {"name": "n", "nfs": {"server": "s", "path": "/"}},
        {"name": "e", "emptyDir": {}},
        {"name": "p", "persistentVolumeClaim": {"claimName": "c"}},
    ]
    spec = {**restricted_ok(), "volumes": volumes}
    assert failures(spec) == [("hostPath volumes", 'volume "h"')]
    assert failures(spec, LATEST_RESTRICTED) == [
        ("restricted volume types", 'volumes "h", "n" use restricted volume types "hostPath", "nfs"')
    ]


def test_host_ports():
    """check_hostPorts.go ``hostPortsV1Dot0``."""
    spec = {
        "containers": [
            {"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}, {"containerPort": 81}]}
        ]
    }
    assert failures(spec) == [("hostPort", 'container "a" uses hostPort 8080')]


def test_app_armor():
    """check_appArmorProfile.go ``appArmorProfileV1Dot0``: the field and the beta annotation."""
    spec = {
        "securityContext": {"appArmorProfile": {"type": "Unconfined"}},
        "containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}],
    }
    assert failures(spec) == [
        ("forbidden AppArmor profile", 'pod must not set AppArmor profile type to "Unconfined"')
    ]
    meta = {"annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}}
    assert failures({"containers": [{"name": "a"}]}, meta=meta) == [
        (
            "forbidden AppArmor profile",
            "annotation must not set AppArmor profile type to "
            '"container.apparmor.security.beta.kubernetes.io/a="unconfined""',
        )
    ]


def test_se_linux_options():
    """check_seLinuxOptions.go ``seLinuxOptions_1_0`` (container_engine_t from v1.31)."""
    spec = {
        "securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "root"}},
        "containers": [{"name": "a"}],
    }
    assert failures(spec) == [
        (
            "seLinuxOptions",
            'pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set',
        )
    ]
    engine = {
        "containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}]
    }
    assert failures(engine) == []
    assert failures(engine, LevelVersion("baseline", (1, 30)))[0][0] == "seLinuxOptions"


def test_proc_mount():
    """check_procMount.go ``procMountV1Dot0``; from v1.35 baseline relaxes it for
    hostUsers=false pods and restricted's ``procMount_restricted`` does not."""
    spec = {"containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}]}
    assert failures(spec) == [
        ("procMount", 'container "a" must not set securityContext.procMount to "Unmasked"')
    ]
    userns = {**spec, "hostUsers": False}
    assert failures(userns) == []
    assert failures(userns, LevelVersion("baseline", (1, 34)))[0][0] == "procMount"


def test_seccomp_baseline_and_restricted():
    """check_seccompProfile_baseline.go ``seccompProfileBaseline_1_19`` and
    check_seccompProfile_restricted.go ``seccompProfileRestricted_1_19``."""
    spec = {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}
    assert failures(spec) == [
        ("seccompProfile", 'pod must not set securityContext.seccompProfile.type to "Unconfined"')
    ]
    ok = restricted_ok()
    ok["containers"][0]["securityContext"].pop("seccompProfile")
    ok["securityContext"] = {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}
    assert failures(ok, LATEST_RESTRICTED) == []


def test_seccomp_annotations_before_v1_19():
    """check_seccompProfile_baseline.go ``seccompProfileBaseline_1_0``: before v1.19 the
    alpha annotations are checked (and the field is not)."""
    meta = {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}
    spec = {"containers": [{"name": "a"}]}
    assert failures(spec, LevelVersion("baseline", (1, 18)), meta) == [
        ("seccompProfile", 'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"')
    ]
    assert failures(spec, meta=meta) == []


def test_sysctls_by_version():
    """check_sysctls.go: the safe set, widened in v1.27, v1.29 and v1.32."""
    spec = {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_rmem", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}]},
            "containers": [{"name": "a"}]}  # fmt: skip
    assert failures(spec) == [("forbidden sysctls", "kernel.msgmax")]
    assert failures(spec, LevelVersion("baseline", (1, 31))) == [
        ("forbidden sysctls", "net.ipv4.tcp_rmem, kernel.msgmax")
    ]


def test_windows_host_process():
    """check_windowsHostProcess.go ``windowsHostProcess_1_0``."""
    spec = {"securityContext": {"windowsOptions": {"hostProcess": True}},
            "containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": True}}}]}  # fmt: skip
    assert failures(spec) == [
        ("hostProcess", 'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true')
    ]


def test_host_probes_from_v1_34():
    """check_hostProbesAndhostLifecycle.go ``hostProbesAndHostLifecycleV1Dot34``."""
    spec = {"containers": [{"name": "a", "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}},
                            "lifecycle": {"preStop": {"tcpSocket": {"host": "example.com", "port": 1}}}}]}  # fmt: skip
    assert failures(spec) == [
        ("probe or lifecycle host", 'container "a" uses probe or lifecycle hosts "10.0.0.1", "example.com"')
    ]
    assert failures(spec, LevelVersion("baseline", (1, 33))) == []


def test_run_as_non_root_and_run_as_user():
    """check_runAsNonRoot.go ``runAsNonRoot_1_0`` and check_runAsUser.go ``runAsUser_1_23``."""
    spec = restricted_ok()
    spec["containers"][0]["securityContext"].update(runAsNonRoot=False, runAsUser=0)
    spec["securityContext"] = {"runAsUser": 0}
    assert failures(spec, LATEST_RESTRICTED) == [
        ("runAsNonRoot != true", 'container "app" must not set securityContext.runAsNonRoot=false'),
        ("runAsUser=0", 'pod and container "app" must not set runAsUser=0'),
    ]
    assert failures(spec, LevelVersion("restricted", (1, 22))) == [
        ("runAsNonRoot != true", 'container "app" must not set securityContext.runAsNonRoot=false'),
        # runAsUser=0 is checked from v1.23 only
    ]


def test_allow_privilege_escalation_windows_exempt_from_v1_25():
    """check_allowPrivilegeEscalation.go: Windows pods exempt from v1.25."""
    spec = {"os": {"name": "windows"}, "containers": [{"name": "a"}],
            "securityContext": {"runAsNonRoot": True}}  # fmt: skip
    assert failures(spec, LATEST_RESTRICTED) == []
    assert [r for r, _ in failures(spec, LevelVersion("restricted", (1, 24)))] == [
        "allowPrivilegeEscalation != false",
        "unrestricted capabilities",
        "seccompProfile",
    ]


# Labels ------------------------------------------------------------------------------------


def test_policy_labels_and_fallbacks():
    """api/helpers.go ``PolicyToEvaluate``: defaults privileged:latest; an invalid enforce
    level is restricted, an invalid audit or warn level privileged, an invalid version latest."""
    policy, errors = policy_of({})
    assert (str(policy.enforce), str(policy.audit), str(policy.warn), errors) == (
        "privileged:latest", "privileged:latest", "privileged:latest", [])  # fmt: skip
    policy, errors = policy_of({
        "pod-security.kubernetes.io/enforce": "strict", "pod-security.kubernetes.io/enforce-version": "1.30",
        "pod-security.kubernetes.io/warn": "bogus", "pod-security.kubernetes.io/audit": "baseline",
        "pod-security.kubernetes.io/audit-version": "v1.30",
    })  # fmt: skip
    assert (str(policy.enforce), str(policy.audit), str(policy.warn)) == (
        "restricted:latest", "baseline:v1.30", "privileged:latest")  # fmt: skip
    assert [(e.label, e.detail) for e in errors] == [
        ("pod-security.kubernetes.io/enforce", "must be one of privileged, baseline, restricted"),
        ("pod-security.kubernetes.io/enforce-version", 'must be "latest" or "v1.x"'),
        ("pod-security.kubernetes.io/warn", "must be one of privileged, baseline, restricted"),
    ]


def test_invalid_labels_are_refused_on_create_and_changed_update(cluster):
    """``ValidateNamespace``: invalid labels are 422 on create, and on update when they change."""
    with pytest.raises(ApiError) as refused:
        cluster.create(namespace("bad", enforce="strict"))
    assert refused.value.code == 422
    assert str(refused.value) == (
        'Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: '
        'Invalid value: "strict": must be one of privileged, baseline, restricted'
    )


# Admission flow ----------------------------------------------------------------------------


def test_enforce_refuses_pods_and_controllers_see_failed_create(cluster):
    """``EvaluatePod`` with enforce: 403 'pods "nginx" is forbidden: violates PodSecurity
    "restricted:latest": ...'; a ReplicaSet's pods are refused too (FailedCreate), while the
    Deployment itself is admitted (``ValidatePodController`` never enforces)."""
    cluster.create(namespace(enforce="restricted"))
    with pytest.raises(ApiError) as refused:
        cluster.create(pod())
    assert refused.value.code == 403
    assert str(refused.value).startswith(
        'pods "nginx" is forbidden: violates PodSecurity "restricted:latest": '
    )
    cluster.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "x"},
                    "spec": {"selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}}, "spec": restricted_ok()}}})  # fmt: skip
    cluster.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bad", "namespace": "x"},
                    "spec": {"selector": {"matchLabels": {"app": "bad"}},
                             "template": {"metadata": {"labels": {"app": "bad"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})  # fmt: skip
    cluster.settle()
    pods = {p["metadata"]["labels"]["app"] for p in cluster.list("Pod", "x")}
    assert pods == {"web"}
    failed = [e["message"] for e in cluster.list("Event", "x") if e.get("reason") == "FailedCreate"]
    assert failed and all("is forbidden: violates PodSecurity" in m for m in failed)


def test_warn_and_audit(cluster):
    """``EvaluatePod``: warn adds 'would violate PodSecurity ...' warnings, audit the
    audit-violations annotation (computed; the sandbox keeps no audit log); a refused
    request carries no warnings."""
    cluster.create(namespace(warn="baseline", audit="restricted"))
    cluster.api.warnings = []
    cluster.create(pod(spec={"hostPID": True, "containers": [{"name": "c", "image": "nginx"}]}))
    assert cluster.api.warnings == [
        'would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)'
    ]
    policy, errors = podsecurity.namespace_policy(cluster.store, "x")
    decision = podsecurity.evaluate_pod(policy, errors, {}, {"containers": [{"name": "c"}]}, enforce=True)
    assert decision.audit_annotations["pod-security.kubernetes.io/enforce-policy"] == "privileged:latest"
    assert decision.audit_annotations["pod-security.kubernetes.io/audit-violations"].startswith(
        'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false'
    )
    both = podsecurity.Policy(enforce=LATEST_BASELINE, warn=LATEST_BASELINE)
    decision = podsecurity.evaluate_pod(both, [], {}, {"hostPID": True, "containers": [{"name": "c"}]}, True)
    assert decision.forbidden and decision.warnings == []


def test_pod_updates_only_significant_ones_evaluated(cluster):
    """``isSignificantPodUpdate``: once enforce is restricted, a label change to an
    existing violating pod is admitted; an image change is evaluated and refused."""
    cluster.create(namespace())
    cluster.create(pod())
    cluster.patch(
        "Namespace", "x", {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
    )
    cluster.patch("Pod", "nginx", {"metadata": {"labels": {"app": "web"}}}, "x")
    assert cluster.get("Pod", "nginx", "x")["metadata"]["labels"] == {"app": "web"}
    with pytest.raises(ApiError) as refused:
        cluster.patch(
            "Pod", "nginx", {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}, "x"
        )
    assert refused.value.code == 403


def test_existing_pods_checked_when_enforce_tightens(cluster):
    """``ValidateNamespace`` + ``EvaluatePodsInNamespace`` + ``decoratePodWarnings``; no
    check when the level is relaxed or privileged."""
    cluster.create(namespace())
    for name in ("c", "a", "b"):
        cluster.create(pod(name))
    cluster.create(pod("h", spec={"hostNetwork": True, **restricted_ok()}))
    cluster.api.warnings = []
    cluster.patch(
        "Namespace", "x", {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
    )
    assert cluster.api.warnings == [
        'existing pods in namespace "x" violate the new PodSecurity enforce level "restricted:latest"',
        "a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
        "h: host namespaces",
    ]
    cluster.api.warnings = []
    cluster.patch(
        "Namespace", "x", {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}
    )
    assert cluster.api.warnings == []


def test_scale_is_not_evaluated(cluster):
    """``ValidatePodController`` short-circuits on subresources: scaling warns nothing."""
    cluster.create(namespace(warn="restricted"))
    cluster.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "x"},
                    "spec": {"selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})  # fmt: skip
    cluster.api.warnings = []
    cluster.api.scale("Deployment", "web", "x", 3)
    assert cluster.api.warnings == []


def test_console_prints_warnings_before_output(cluster):
    """kubectl prints each Warning header as 'Warning: ...' before the command's output."""

    def run(line):
        return console.run(cluster, console.parse(line))

    run("kubectl create namespace x")
    run("kubectl label ns x pod-security.kubernetes.io/warn=baseline")
    out = run("kubectl create deployment web --image=nginx -n x --port=80")
    assert out == "deployment.apps/web created\n"
    run("kubectl label ns x pod-security.kubernetes.io/warn=restricted --overwrite")
    out = run("kubectl create deployment api --image=nginx -n x")
    assert out.startswith(
        'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false'
    )
    assert out.endswith("\ndeployment.apps/api created\n")

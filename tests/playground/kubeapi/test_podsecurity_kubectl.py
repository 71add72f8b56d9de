"""Pod Security Admission with the real kubectl 1.37: refusals, warnings and the
existing-pods check as kubectl prints them."""

import pytest

from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

RESTRICTED_NGINX = (
    '"restricted:latest": allowPrivilegeEscalation != false '
    '(container "nginx" must set securityContext.allowPrivilegeEscalation=false), '
    'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), '
    'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), '
    'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to '
    '"RuntimeDefault" or "Localhost")'
)


@pytest.fixture
def kubectl(api_server, tmp_path):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(), tmp_path / "cache")


def test_enforce_refuses_a_plain_pod_in_upstreams_words(kubectl):
    """``Admission.EvaluatePod`` (admission/admission.go): enforce's refusal is
    ``forbiddenResponse`` — 403, 'pods "nginx" is forbidden: violates PodSecurity ...' — with
    the failed checks in registry order (``allowPrivilegeEscalation_1_8``,
    ``capabilitiesRestricted_1_22``, ``runAsNonRoot_1_0``, ``seccompProfileRestricted_1_19``)."""
    kubectl.ok("create", "namespace", "secure")
    result = kubectl.run("label", "ns", "secure", "pod-security.kubernetes.io/enforce=restricted")
    assert result.returncode == 0 and result.stdout == "namespace/secure labeled\n"
    assert result.stderr == ""  # no pods yet: nothing to warn about
    stderr = kubectl.fails("run", "nginx", "--image=nginx", "-n", "secure")
    assert (
        stderr
        == f'Error from server (Forbidden): pods "nginx" is forbidden: violates PodSecurity {RESTRICTED_NGINX}\n'
    )
    assert "nginx" not in kubectl.ok("get", "pods", "-n", "secure")


def test_warn_mode_and_workloads_get_warnings_not_refusals(kubectl):
    """``Admission.ValidatePodController``: a Deployment is only warned about (warn and
    audit, never enforce); kubectl prints the Warning header as 'Warning: would violate
    PodSecurity ...' on stderr. With enforce alone (warn privileged) there is no warning."""
    kubectl.ok("create", "namespace", "apps")
    kubectl.ok(
        "label",
        "ns",
        "apps",
        "pod-security.kubernetes.io/enforce=restricted",
        "pod-security.kubernetes.io/warn=restricted",
    )
    result = kubectl.run("create", "deployment", "nginx", "--image=nginx", "-n", "apps")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "deployment.apps/nginx created\n"
    assert result.stderr == f"Warning: would violate PodSecurity {RESTRICTED_NGINX}\n"

    kubectl.ok("create", "namespace", "enforced")
    kubectl.ok("label", "ns", "enforced", "pod-security.kubernetes.io/enforce=restricted")
    result = kubectl.run("create", "deployment", "nginx", "--image=nginx", "-n", "enforced")
    assert result.returncode == 0 and result.stderr == ""

    kubectl.ok("create", "namespace", "warned")
    kubectl.ok("label", "ns", "warned", "pod-security.kubernetes.io/warn=baseline")
    result = kubectl.run(
        "run", "web", "--image=nginx", "-n", "warned", "--overrides", '{"spec":{"hostNetwork":true}}'
    )
    assert result.returncode == 0 and result.stdout == "pod/web created\n"
    assert (
        result.stderr
        == 'Warning: would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)\n'
    )


def test_labelling_checks_the_existing_pods(kubectl):
    """``Admission.ValidateNamespace`` and ``EvaluatePodsInNamespace``: tightening enforce
    warns once for the namespace and once per distinct violation, naming the first pod and
    how many others share it; invalid label values are refused with 422."""
    kubectl.ok("create", "namespace", "old")
    for name in ("a", "b", "c"):
        kubectl.ok("run", name, "--image=nginx", "-n", "old")
    result = kubectl.run("label", "ns", "old", "pod-security.kubernetes.io/enforce=restricted")
    assert result.returncode == 0 and result.stdout == "namespace/old labeled\n"
    assert result.stderr == (
        'Warning: existing pods in namespace "old" violate the new PodSecurity enforce level "restricted:latest"\n'
        "Warning: a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, "
        "runAsNonRoot != true, seccompProfile\n"
    )
    stderr = kubectl.fails("label", "ns", "old", "pod-security.kubernetes.io/warn=strict")
    assert stderr == (
        'The Namespace "old" is invalid: metadata.labels[pod-security.kubernetes.io/warn]: '
        'Invalid value: "strict": must be one of privileged, baseline, restricted\n'
    )


def test_warnings_survive_field_validation_ignore(kubectl):
    """PodSecurity's warnings are admission's (``warning.AddWarning`` in the plugin's
    ``Validate``), not field validation's: ``--validate=false`` (fieldValidation=Ignore)
    drops unknown-field warnings only."""
    kubectl.ok("create", "namespace", "loose")
    kubectl.ok("label", "ns", "loose", "pod-security.kubernetes.io/warn=baseline")
    manifest = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostIPC: true
  containers: [{name: c, image: nginx, bogus: 1}]
"""
    result = kubectl.run("apply", "--validate=false", "-n", "loose", "-f", "-", stdin=manifest)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "pod/p created\n"
    assert (
        result.stderr
        == 'Warning: would violate PodSecurity "baseline:latest": host namespaces (hostIPC=true)\n'
    )

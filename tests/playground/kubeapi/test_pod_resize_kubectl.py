"""In-place pod resize with the real kubectl 1.37: ``kubectl patch --subresource resize``."""

import json
import time

import pytest

from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: r
spec:
  containers:
  - name: c
    image: nginx:1.27
    resources:
      requests: {cpu: 200m, memory: 64Mi}
      limits: {cpu: "1", memory: 128Mi}
"""


@pytest.fixture
def kubectl(api_server, tmp_path):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(), tmp_path / "cache")


def _pod(kubectl) -> dict:
    return json.loads(kubectl.ok("get", "pod", "r", "-o", "json"))


def _until(kubectl, check, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        pod = _pod(kubectl)
        if check(pod) or time.monotonic() > deadline:
            return pod
        time.sleep(0.5)


def test_kubectl_patch_subresource_resize(kubectl):
    """The ``resize`` subresource of pods (pkg/registry/core/pod/storage ``ResizeREST`` with
    ``podResizeStrategy``): kubectl 1.37 patches it, the kubelet allocates and applies the
    new request; a plain patch of the same field stays forbidden (``ValidatePodUpdate``),
    and a resize above the node's allocatable is Infeasible (``canResizePod``)."""
    kubectl.ok("apply", "-f", "-", stdin=POD)
    kubectl.ok("wait", "--for=condition=Ready", "pod/r", "--timeout=60s")
    patch = '{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"800m"}}}]}}'
    assert kubectl.ok("patch", "pod", "r", "--subresource", "resize", "-p", patch) == "pod/r patched\n"
    pod = _until(
        kubectl,
        lambda p: (p["status"]["containerStatuses"][0].get("resources") or {}).get("requests", {}).get("cpu")
        == "800m",
    )
    [status] = pod["status"]["containerStatuses"]
    assert pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "800m"
    assert status["allocatedResources"] == {"cpu": "800m", "memory": "64Mi"}
    assert status["resources"]["requests"] == {"cpu": "800m", "memory": "64Mi"}
    assert status["restartCount"] == 0
    error = kubectl.fails(
        "patch",
        "pod",
        "r",
        "-p",
        '{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"300m"}}}]}}',
    )
    assert 'The Pod "r" is invalid: spec: Forbidden: pod updates may not change fields other than' in error
    error = kubectl.fails(
        "patch",
        "pod",
        "r",
        "--subresource",
        "resize",
        "-p",
        '{"spec":{"containers":[{"name":"c","resources":{"limits":{"ephemeral-storage":"1Gi"}}}]}}',
    )
    assert 'The Pod "r" is invalid: spec: Forbidden: only cpu and memory resources are mutable' in error
    huge = (
        '{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"64"},"limits":{"cpu":"64"}}}]}}'
    )
    kubectl.ok("patch", "pod", "r", "--subresource", "resize", "-p", huge)
    pod = _until(kubectl, lambda p: any(c["type"] == "PodResizePending" for c in p["status"]["conditions"]))
    [pending] = [c for c in pod["status"]["conditions"] if c["type"] == "PodResizePending"]
    assert (pending["status"], pending["reason"]) == ("True", "Infeasible")
    assert pending["message"].startswith(
        "Node didn't have enough capacity: cpu, requested: 64000, capacity: "
    )
    assert pod["status"]["containerStatuses"][0]["allocatedResources"]["cpu"] == "800m"

"""kubectl patch in the console, as k8s.io/kubectl/pkg/cmd/patch (PatchOptions.Validate and
RunPatch): strategic, merge and JSON patches, given as JSON or YAML, on an object or on its
subresource (a pod's resize), printing "patched" or "patched (no change)"."""

import pytest

from playground import console
from playground.engine import ApiError


def run(cluster, line: str) -> str:
    return console.run(cluster, console.parse(line))


def test_the_three_patch_types_and_no_change(cluster):
    assert (
        run(cluster, 'kubectl patch deployment web -p \'{"spec":{"replicas":3}}\'')
        == "deployment.apps/web patched\n"
    )
    assert cluster.get("Deployment", "web", "default")["spec"]["replicas"] == 3
    assert run(cluster, "kubectl patch deploy/web --type merge -p 'metadata: {labels: {team: shop}}'") == (
        "deployment.apps/web patched\n"
    )
    assert run(cluster, "kubectl patch deploy/web --type merge -p 'metadata: {labels: {team: shop}}'") == (
        "deployment.apps/web patched (no change)\n"
    )
    line = (
        'kubectl patch deployment web --type=json -p \'[{"op":"replace","path":"/spec/replicas","value":1}]\''
    )
    assert run(cluster, line) == "deployment.apps/web patched\n"
    assert cluster.get("Deployment", "web", "default")["spec"]["replicas"] == 1


POD = """kubectl apply -f -
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers: [{name: app, image: "nginx:1.27", resources: {requests: {cpu: 200m}}}]
"""


def test_a_pod_is_resized_in_place_only_through_the_resize_subresource(cluster):
    run(cluster, POD)
    cluster.settle()
    body = '{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"300m"}}}]}}'
    with pytest.raises(ApiError, match="pod updates may not change fields"):
        run(cluster, f"kubectl patch pod app -p '{body}'")
    assert run(cluster, f"kubectl patch pod app --subresource resize -p '{body}'") == "pod/app patched\n"
    assert (
        cluster.get("Pod", "app", "default")["spec"]["containers"][0]["resources"]["requests"]["cpu"]
        == "300m"
    )
    # QoS may not change: a BestEffort pod cannot be given requests in place.
    run(cluster, "kubectl run bare --image=nginx:1.27")
    cluster.settle()
    bare = '{"spec":{"containers":[{"name":"bare","resources":{"requests":{"cpu":"300m"}}}]}}'
    with pytest.raises(ApiError, match="Pod QOS Class may not change as a result of resizing"):
        run(cluster, f"kubectl patch pod bare --subresource resize -p '{bare}'")


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (
            "kubectl patch deployment web",
            "^error: must specify --patch or --patch-file containing the contents of the patch$",
        ),
        (
            "kubectl patch deployment web --type foo -p '{}'",
            '^error: --type must be one of \\[json merge strategic\\], not "foo"$',
        ),
        ("kubectl patch deployment web -p '{bad'", '^error: unable to parse "{bad": yaml: '),
        (
            "kubectl patch deployment -p '{}'",
            "^error: resource\\(s\\) were provided, but no name was specified$",
        ),
        (
            "kubectl patch deployment web --patch-file p.json",
            "^error: --patch-file is not supported in this console",
        ),
    ],
)
def test_what_kubectl_refuses(cluster, line, error):
    with pytest.raises(console.ConsoleError, match=error):
        run(cluster, line)


def test_an_unknown_object_is_the_api_servers_not_found(cluster):
    with pytest.raises(ApiError, match='deployments.apps "nope" not found'):
        run(cluster, "kubectl patch deployment nope -p '{}'")

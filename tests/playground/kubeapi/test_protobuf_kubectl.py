"""Typed kubectl commands that send protobuf bodies (kubectl 1.32 and later), on kubectl 1.33
and 1.37: what the server stores must be what kubectl itself renders for the same command.

Upstream: the API server's protobuf serializer (k8s.io/apimachinery/pkg/runtime/serializer/
protobuf.Serializer.Decode) unmarshals the runtime.Unknown envelope into the Go type with
the gogo-generated Unmarshal of each kind's generated.proto (k8s.io/api/*/v1/generated.proto);
kubectl picks protobuf for built-in kinds in cmdutil.Factory's client config (1.32+).
"""

import json
import re

import pytest

from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

VERSIONS = [v for v in ("1.33", "1.37") if v in KUBECTLS]

CREATE_COMMANDS = [
    ["role", "reader", "--verb=get,list,watch", "--resource=pods,deployments.apps"],
    ["rolebinding", "reader", "--role=reader", "--user=alice", "--serviceaccount=default:robot"],
    ["clusterrole", "node-reader", "--verb=get,list", "--resource=nodes"],
    ["clusterrole", "monitoring", "--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true"],
    ["clusterrolebinding", "node-reader", "--clusterrole=node-reader", "--group=ops"],
    ["ingress", "web", "--class=default", "--rule=shop.example.com/api*=api:80,tls=shop-tls"],
    ["poddisruptionbudget", "api", "--selector=app=api", "--max-unavailable=1"],
]


def test_versions_present():
    """Both kubectl versions this file is about exist on the machine (no silent skip)."""
    assert VERSIONS == ["1.33", "1.37"], sorted(KUBECTLS)


@pytest.fixture(params=VERSIONS)
def k(request, api_server, tmp_path):
    return Kubectl(KUBECTLS[request.param], api_server.sandbox(), tmp_path / "cache")


def _contains(served, local, path=""):
    """Every field kubectl's own rendering has is served with that value."""
    if isinstance(local, dict):
        assert isinstance(served, dict), path
        for key, value in local.items():
            if key in ("creationTimestamp", "status") or value in (None, {}):
                continue
            _contains(served.get(key), value, f"{path}.{key}")
    elif isinstance(local, list):
        assert isinstance(served, list) and len(served) == len(local), f"{path}: {served!r} vs {local!r}"
        for index, (a, b) in enumerate(zip(served, local, strict=True)):
            _contains(a, b, f"{path}[{index}]")
    else:
        assert served == local, f"{path}: served {served!r}, kubectl rendered {local!r}"


def _rendered_then_created(k, command: list[str]) -> tuple[dict, dict]:
    rendered = json.loads(k.ok("create", *command, "--dry-run=client", "-o", "json"))
    assert k.ok("create", *command).strip().endswith("created")
    kind = rendered["kind"].lower()
    group = rendered["apiVersion"].split("/")[0] if "/" in rendered["apiVersion"] else ""
    resource = f"{kind}.{group}" if group else kind
    served = json.loads(k.ok("get", resource, command[1], "-o", "json"))
    return rendered, served


@pytest.mark.parametrize("command", CREATE_COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_rbac_ingress_and_pdb_creates_arrive_intact(k, command):
    """kubectl create role|rolebinding|clusterrole|clusterrolebinding|ingress|pdb (protobuf
    bodies of rbac/v1, networking/v1 and policy/v1 messages) store what kubectl rendered."""
    if command[0] == "rolebinding":
        k.ok("create", "serviceaccount", "robot")
    rendered, served = _rendered_then_created(k, command)
    _contains(served, rendered)


def test_job_from_cronjob(k):
    """`kubectl create job --from=cronjob/x` copies the CronJob's job template, whose JobSpec
    carries field numbers beyond the ones `create job` sets (podFailurePolicy 11 …
    managedBy 15; kubectl 1.32+ send podReplacementPolicy, 14) and the annotation
    cronjob.kubernetes.io/instantiate: manual (kubectl's create_job.go createJobFromCronJob)."""
    k.ok("create", "cronjob", "nightly", "--image=busybox:1.36", "--schedule=0 2 * * *", "--", "echo", "hi")
    k.ok(
        "patch",
        "cronjob",
        "nightly",
        "--type=merge",
        "-p",
        json.dumps(
            {
                "spec": {
                    "jobTemplate": {
                        "spec": {
                            "backoffLimit": 2,
                            "podReplacementPolicy": "Failed",
                            "podFailurePolicy": {
                                "rules": [
                                    {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}
                                ]
                            },
                            "template": {"spec": {"restartPolicy": "Never"}},
                        }
                    }
                }
            }
        ),
    )
    assert k.ok("create", "job", "manual", "--from=cronjob/nightly") == "job.batch/manual created\n"
    job = json.loads(k.ok("get", "job", "manual", "-o", "json"))
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    owner = job["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("CronJob", "nightly", True)
    assert job["spec"]["backoffLimit"] == 2
    assert job["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"] == {"operator": "In", "values": [42]}
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]


def test_debug_copy_and_node(k):
    """`kubectl debug` creates Pods through the typed client (protobuf): a copy of a pod with
    a debugging container added (--copy-to, debug.go DebugOptions.generatePodCopyWithDebugContainer)
    and a node debugging pod (generateNodeDebugPod: hostPID, hostNetwork, the node's root at /host)."""
    k.ok("run", "web", "--image=nginx:1.27")
    out = k.ok("debug", "web", "--image=busybox:1.36", "--copy-to=web-debug", "--container=debugger")
    assert out == ""
    copy = json.loads(k.ok("get", "pod", "web-debug", "-o", "json"))
    assert [c["name"] for c in copy["spec"]["containers"]] == ["web", "debugger"]
    assert copy["spec"]["containers"][1]["image"] == "busybox:1.36"

    node = json.loads(k.ok("get", "nodes", "-o", "json"))["items"][0]["metadata"]["name"]
    created = k.ok("debug", f"node/{node}", "--image=busybox:1.36")
    name = re.match(r"Creating debugging pod (\S+) with container debugger on node (\S+)\.$", created)
    assert name and name.group(1).startswith(f"node-debugger-{node}-") and name.group(2) == node, created
    debugger = json.loads(k.ok("get", "pod", name.group(1), "-o", "json"))
    spec = debugger["spec"]
    assert spec["nodeName"] == node and spec["hostPID"] and spec["hostNetwork"]
    mount = spec["containers"][0]["volumeMounts"][0]
    assert mount["mountPath"] == "/host"
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    # VolumeSource is an embedded struct JSON inlines: hostPath sits beside the name.
    assert volume["hostPath"]["path"] == "/"

"""@kubernetes/client-node (the Node.js Kubernetes client, installed by
scripts/fetch-test-assets from the lock file in node/) against a sandbox on loopback:
node/flow.mjs creates a Deployment, watches it, patches it, scales it and deletes it.

Upstream: the watch is the API server's (k8s.io/apiserver/pkg/endpoints/handlers/watch.go
serveWatch); the scale a PUT of autoscaling/v1 Scale to the deployment's scale subresource
(pkg/registry/apps/deployment/storage ScaleREST.Update); the delete answers a Status
Success (apiserver handlers/delete.go DeleteResource). The kubeconfig's
insecure-skip-tls-verify for an http server is what the client needs to accept plain
http (client-node's KubeConfig.createAgent).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.playground.kubeapi.conftest import TEST_ASSETS

SCRIPT = Path(__file__).parent / "node" / "flow.mjs"
MODULES = TEST_ASSETS / "client-node" / "node_modules"


def test_create_watch_patch_scale_delete(api_server, tmp_path):
    node = shutil.which("node")
    if node is None or not (MODULES / "@kubernetes" / "client-node").is_dir():
        pytest.fail(
            "node or @kubernetes/client-node is missing: run scripts/fetch-test-assets (make test does)"
        )
    # The script imports the package by name: Node resolves it from a node_modules beside it.
    work = tmp_path / "node"
    work.mkdir()
    shutil.copy(SCRIPT, work / "flow.mjs")
    (work / "node_modules").symlink_to(MODULES)
    result = subprocess.run(
        [node, str(work / "flow.mjs"), str(api_server.sandbox())],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["created"]["uid"] and seen["created"]["strategy"] == "RollingUpdate"
    assert seen["patched"] == {"image": "nginx:1.28", "generation": 2}
    assert seen["scaled"] == {"kind": "Scale", "replicas": 3}
    assert seen["done"] == {"generation": 3, "observedGeneration": 3, "image": "nginx:1.28"}
    assert seen["deleted"] == {"status": "Success", "name": "web"}
    assert seen["missing"] == 404
    types = [event[0] for event in seen["seen"]]
    assert types[-1] == "DELETED" and types.count("DELETED") == 1 and "MODIFIED" in types
    assert ["MODIFIED", 3, 3] in seen["seen"]

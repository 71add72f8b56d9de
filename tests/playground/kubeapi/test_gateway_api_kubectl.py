"""Gateway API and VolumeSnapshots with the real kubectl 1.37: the CRDs the default profile
installs, a Gateway and an HTTPRoute applied and their status read back (conditions and
reasons as the Gateway API spec names them), the CRDs' printer columns as the server's
Table, and a VolumeSnapshot restored into a new claim."""

import json

import pytest

from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop}
spec:
  gatewayClassName: sandbox
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop}
spec:
  parentRefs: [{name: shop}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: web, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: api, port: 80}]
"""


@pytest.fixture
def kubectl(api_server, tmp_path):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(), tmp_path / "cache")


def conditions(items):
    return {c["type"]: (c["status"], c["reason"]) for c in items}


def test_gateway_and_httproute_status_through_kubectl(kubectl):
    crds = kubectl.ok("get", "crd", "-o", "name").split()
    assert "customresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io" in crds
    assert "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io" in crds
    assert kubectl.ok("apply", "-f", "-", stdin=APP).splitlines() == [
        "deployment.apps/web created",
        "service/web created",
        "gateway.gateway.networking.k8s.io/shop created",
        "httproute.gateway.networking.k8s.io/shop created",
    ]
    gw = json.loads(kubectl.ok("get", "gateway", "shop", "-o", "json"))
    address = gw["status"]["addresses"][0]["value"]
    assert address.startswith("192.168.50.")
    assert conditions(gw["status"]["conditions"]) == {
        "Accepted": ("True", "Accepted"),
        "Programmed": ("True", "Programmed"),
    }
    assert gw["status"]["listeners"][0]["attachedRoutes"] == 1
    table = kubectl.ok("get", "gtw").splitlines()
    assert table[0].split() == ["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"]
    assert table[1].split()[:4] == ["shop", "sandbox", address, "True"]

    route = json.loads(kubectl.ok("get", "httproute", "shop", "-o", "json"))
    (parent,) = route["status"]["parents"]
    assert parent["controllerName"] == "example.net/sandbox-gateway-controller"
    assert conditions(parent["conditions"]) == {
        "Accepted": ("True", "Accepted"),
        "ResolvedRefs": ("False", "BackendNotFound"),  # Service "api" does not exist yet
    }
    table = kubectl.ok("get", "httproute").splitlines()
    assert table[0].split() == ["NAME", "HOSTNAMES", "AGE"]
    assert table[1].split()[:2] == ["shop", '["shop.example.com"]']

    kubectl.ok("create", "service", "clusterip", "api", "--tcp=80:80")
    route = json.loads(kubectl.ok("get", "httproute", "shop", "-o", "json"))
    assert conditions(route["status"]["parents"][0]["conditions"])["ResolvedRefs"] == ("True", "ResolvedRefs")

    # Strict field validation with the CRD's schema.
    stderr = kubectl.fails(
        "apply",
        "-f",
        "-",
        stdin="apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: bad}\n"
        "spec: {gatewayClassName: sandbox, listeners: [{name: http, port: 80, protocol: HTTP, colour: red}]}\n",
    )
    assert 'unknown field "spec.listeners[0].colour"' in stderr


SNAPSHOT = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: data-snap}
spec:
  source: {persistentVolumeClaimName: data}
"""

RESTORE = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: restored}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
  dataSource: {kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io, name: data-snap}
"""


def test_volume_snapshot_and_restore_through_kubectl(kubectl):
    kubectl.ok("apply", "-f", "-", stdin=SNAPSHOT)
    table = kubectl.ok("get", "vs").splitlines()
    assert table[0].split()[:5] == ["NAME", "READYTOUSE", "SOURCEPVC", "SOURCESNAPSHOTCONTENT", "RESTORESIZE"]
    assert table[1].split()[:6] == ["data-snap", "true", "data", "<none>", "2Gi", "csi-vsphere-snapclass"]
    kubectl.ok("apply", "-f", "-", stdin=RESTORE)
    assert kubectl.ok("get", "pvc", "restored", "-o", "jsonpath={.status.phase}") == "Bound"

"""A CustomResourceDefinition through the newest real kubectl against gunicorn on loopback:
apply the CRD, create custom resources, their printer columns, explain, scale, a
validation error in upstream's words, short names and categories, deleting the CRD."""

import json
import time

import pytest

from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl, newest_kubectl, newest_minor

if newest_minor() < 27:
    # make test fetches kubectl 1.34-1.37 (scripts/fetch-test-assets): an older newest means
    # that step did not run, and the CRD scenario must not pass unseen.
    pytest.fail(
        "the CRD scenario needs kubectl 1.27 or newer: run scripts/fetch-test-assets (make test does)",
        pytrace=False,
    )

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
    categories: [toys]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Size
      type: integer
      jsonPath: .spec.size
    - name: Color
      type: string
      jsonPath: .spec.color
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
      priority: 1
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should look like.
            required: [size]
            properties:
              size:
                type: integer
                minimum: 1
                description: How big the widget is.
              color:
                type: string
                enum: [red, blue]
                default: red
              replicas:
                type: integer
          status:
            type: object
            properties:
              replicas:
                type: integer
"""

WIDGET = """
apiVersion: example.com/v1
kind: Widget
metadata:
  name: {name}
spec:
  size: {size}
  replicas: 1
"""


@pytest.fixture
def k(api_server, tmp_path):
    return Kubectl(newest_kubectl(), api_server.sandbox(), tmp_path / "cache")


def test_crd_scenario_with_kubectl(k):
    assert (
        k.ok("apply", "-f", "-", stdin=CRD)
        == "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n"
    )
    crd = json.loads(k.ok("get", "crd", "widgets.example.com", "-o", "json"))
    conditions = {c["type"]: (c["status"], c["reason"]) for c in crd["status"]["conditions"]}
    assert conditions["Established"] == ("True", "InitialNamesAccepted")
    assert conditions["NamesAccepted"] == ("True", "NoConflicts")
    assert crd["status"]["acceptedNames"]["kind"] == "Widget"
    assert crd["status"]["storedVersions"] == ["v1"]
    listing = k.ok("get", "crd")
    assert listing.splitlines()[0].split() == ["NAME", "CREATED", "AT"]
    # Sorted by name, after the Gateway API and snapshot CRDs the default profile installs.
    assert listing.splitlines()[-1].startswith("widgets.example.com ")

    assert (
        k.ok("apply", "-f", "-", stdin=WIDGET.format(name="small", size=1))
        == "widget.example.com/small created\n"
    )
    assert (
        k.ok("create", "-f", "-", stdin=WIDGET.format(name="big", size=7))
        == "widget.example.com/big created\n"
    )

    table = k.ok("get", "widgets").splitlines()
    assert table[0].split() == ["NAME", "SIZE", "COLOR", "AGE"]
    assert table[1].split()[:3] == ["big", "7", "red"]  # the schema's default colour
    assert table[2].split()[:3] == ["small", "1", "red"]
    wide = k.ok("get", "widgets", "-o", "wide").splitlines()
    assert wide[0].split() == ["NAME", "SIZE", "COLOR", "AGE", "REPLICAS"]

    # Short name, singular, qualified plural and category.
    assert k.ok("get", "wd", "-o", "name").split() == ["widget.example.com/big", "widget.example.com/small"]
    assert k.ok("get", "widget", "small", "-o", "jsonpath={.spec.size}") == "1"
    assert k.ok("get", "widgets.example.com", "-o", "name").split()[0] == "widget.example.com/big"
    assert k.ok("get", "toys", "-o", "name").split() == ["widget.example.com/big", "widget.example.com/small"]

    explained = k.ok("explain", "widgets.spec")
    assert explained.startswith("GROUP:      example.com\nKIND:       Widget\nVERSION:    v1\n")
    assert "What the widget should look like." in explained
    assert "size\t<integer> -required-" in explained
    assert "How big the widget is." in k.ok("explain", "widgets.spec.size")

    described = k.ok("describe", "widget", "big")
    assert "Name:         big" in described and "Kind:         Widget" in described
    assert "API Version:  example.com/v1" in described

    # Validation, in upstream's words.
    error = k.fails("apply", "-f", "-", stdin=WIDGET.format(name="bad", size='"huge"'))
    assert (
        'The Widget "bad" is invalid: spec.size: Invalid value: "string": '
        'spec.size in body must be of type integer: "string"'
    ) in error
    error = k.fails("apply", "-f", "-", stdin=WIDGET.format(name="bad", size=0))
    assert "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1" in error
    error = k.fails("apply", "-f", "-", stdin=WIDGET.format(name="bad", size=2) + "  shape: round\n")
    assert 'unknown field "spec.shape"' in error
    warned = k.run(
        "apply", "--validate=warn", "-f", "-", stdin=WIDGET.format(name="odd", size=2) + "  shape: round\n"
    )
    assert warned.returncode == 0 and warned.stdout == "widget.example.com/odd created\n"
    assert 'Warning: unknown field "spec.shape"' in warned.stderr
    k.ok("delete", "widget", "odd")

    # The scale subresource.
    assert k.ok("scale", "widget/big", "--replicas=3") == "widget.example.com/big scaled\n"
    assert k.ok("get", "widget", "big", "-o", "jsonpath={.spec.replicas} {.metadata.generation}") == "3 2"
    scale = json.loads(
        k.ok("get", "--raw", _raw(k, "/apis/example.com/v1/namespaces/default/widgets/big/scale"))
    )
    assert scale["kind"] == "Scale" and scale["spec"] == {"replicas": 3}

    # No strategic merge patch for a custom resource, as upstream: kubectl says so.
    refused = k.fails("patch", "widget", "big", "-p", '{"spec": {"size": 8}}')
    assert "application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget" in refused

    # The status subresource: a status sent to the main resource is ignored.
    k.ok("patch", "widget", "big", "--type=merge", "-p", '{"status": {"replicas": 9}}')
    assert k.ok("get", "widget", "big", "-o", "jsonpath={.status.replicas}") == ""
    k.ok(
        "patch", "widget", "big", "--subresource=status", "--type=merge", "-p", '{"status": {"replicas": 3}}'
    )
    assert k.ok("get", "widget", "big", "-o", "jsonpath={.status.replicas} {.metadata.generation}") == "3 2"

    # Deleting the CRD deletes its resources, then the kind is gone.
    assert k.ok("delete", "crd", "widgets.example.com") == (
        'customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted\n'
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and k.run("get", "crd", "widgets.example.com").returncode == 0:
        time.sleep(0.5)
    assert "NotFound" in k.fails("get", "crd", "widgets.example.com") or "not found" in k.fails(
        "get", "crd", "widgets.example.com"
    )
    # kubectl's cached discovery still knows the kind: the list is a 404, as against a real cluster.
    assert 'Unable to list "example.com/v1, Resource=widgets"' in k.fails("get", "widgets")
    fresh = Kubectl(k.binary, k.kubeconfig, k.cache.parent / "fresh-cache")
    assert 'the server doesn\'t have a resource type "widgets"' in fresh.fails("get", "widgets")


def _raw(k: Kubectl, path: str) -> str:
    return k.raw_path(path)


@pytest.mark.parametrize(
    "minor", sorted(k for k in KUBECTLS if k[0].isdigit() and int(k.split(".")[1]) < 32)[:1]
)
def test_an_older_kubectl_serves_custom_resources_too(api_server, tmp_path, minor):
    k = Kubectl(KUBECTLS[minor], api_server.sandbox(), tmp_path / "cache")
    k.ok("apply", "-f", "-", stdin=CRD)
    assert (
        k.ok("apply", "-f", "-", stdin=WIDGET.format(name="small", size=1))
        == "widget.example.com/small created\n"
    )
    assert k.ok("get", "wd").splitlines()[0].split() == ["NAME", "SIZE", "COLOR", "AGE"]
    assert "How big the widget is." in k.ok("explain", "widgets.spec.size")
    error = k.fails("apply", "-f", "-", stdin=WIDGET.format(name="bad", size=0))
    assert "spec.size in body should be greater than or equal to 1" in error

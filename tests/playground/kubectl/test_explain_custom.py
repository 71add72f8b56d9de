"""kubectl explain for custom resources, from their CRD's openAPIV3Schema, as kubectl 1.37
prints them from the sandbox's OpenAPI v3 (k8s.io/kubectl/pkg/explain/v2 and its
templates/plaintext.tmpl: the FIELD line, an ENUM block for the field explained, a field
list's `enum:` line showing four values then "....", `<empty>` for no description, the
trailing blank line). The expected texts are what the real kubectl 1.37 printed against a
sandbox of the same profile.
"""

import pytest

from playground import console
from playground.engine import Cluster

MATCHES = """GROUP:      gateway.networking.k8s.io
KIND:       HTTPRoute
VERSION:    v1

FIELD: matches <[]Object>


DESCRIPTION:
    <empty>
FIELDS:
  headers\t<[]Object>
    <no description>

  method\t<string>
  enum: GET, HEAD, POST, PUT, ....
    <no description>

  path\t<Object>
    <no description>

  queryParams\t<[]Object>
    <no description>


"""

METHOD = """GROUP:      gateway.networking.k8s.io
KIND:       HTTPRoute
VERSION:    v1

FIELD: method <string>
ENUM:
    GET
    HEAD
    POST
    PUT
    DELETE
    CONNECT
    OPTIONS
    TRACE
    PATCH

DESCRIPTION:
    <empty>

"""

POWER_STATE = """GROUP:      vmoperator.vmware.com
KIND:       VirtualMachine
VERSION:    v1alpha5

FIELD: powerState <string>
ENUM:
    PoweredOff
    PoweredOn
    Suspended

DESCRIPTION:
    <empty>

"""

WIDGET = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          description: A widget on the shop floor.
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, description: How big it is.}
                colour: {type: string, enum: [red, green]}
                port: {x-kubernetes-int-or-string: true}
                tags: {type: object, additionalProperties: {type: string}}
"""


def run(cluster, line):
    return console.run(cluster, console.parse(line))


@pytest.fixture(scope="module")
def default():
    return Cluster.new()


@pytest.fixture(scope="module")
def vsphere():
    return Cluster.new(profile="vsphere")


def test_httproute_rules_and_an_enum_field(default):
    assert run(default, "kubectl explain httproute.spec.rules.matches") == MATCHES
    assert run(default, "kubectl explain httproutes.spec.rules.matches.method") == METHOD
    rules = run(default, "kubectl explain httproute.spec.rules")
    assert rules.startswith("GROUP:      gateway.networking.k8s.io\nKIND:       HTTPRoute\nVERSION:    v1\n")
    assert (
        "\nFIELD: rules <[]Object>\n\n\nDESCRIPTION:\n    <empty>\nFIELDS:\n  backendRefs\t<[]Object>\n"
        in rules
    )


def test_virtualmachine_in_the_vsphere_profile(vsphere):
    assert run(vsphere, "kubectl explain virtualmachine.spec.powerState") == POWER_STATE
    spec = run(vsphere, "kubectl explain vm.spec")
    assert (
        "\n  powerState\t<string>\n  enum: PoweredOff, PoweredOn, Suspended\n    <no description>\n" in spec
    )
    top = run(vsphere, "kubectl explain virtualmachine")
    assert "\n  metadata\t<ObjectMeta>\n    Standard object's metadata. More info:\n" in top
    assert top.endswith("  status\t<Object>\n    <no description>\n\n\n")


def test_a_crd_of_ones_own(default):
    default.apply(WIDGET)
    default.settle()
    top = run(default, "kubectl explain widget")
    assert top.startswith(
        "GROUP:      example.com\nKIND:       Widget\nVERSION:    v1\n\n"
        "DESCRIPTION:\n    A widget on the shop floor.\n    \nFIELDS:\n  apiVersion\t<string>\n"
    )
    spec = run(default, "kubectl explain widget.spec")
    assert "  size\t<integer> -required-\n    How big it is.\n" in spec
    assert "  colour\t<string>\n  enum: red, green\n" in spec
    assert "  port\t<Object>\n" in spec and "  tags\t<map[string]string>\n" in spec
    # Into metadata: the built-in ObjectMeta's fields.
    assert "FIELD: labels <map[string]string>" in run(default, "kubectl explain widget.metadata.labels")


def test_errors_as_kubectl_prints_them(default):
    with pytest.raises(console.ConsoleError) as error:
        run(default, "kubectl explain httproute.spec.nope")
    assert str(error.value) == (
        "GROUP:      gateway.networking.k8s.io\nKIND:       HTTPRoute\nVERSION:    v1\n\n"
        'error: field "nope" does not exist'
    )
    with pytest.raises(console.ConsoleError) as error:
        run(default, "kubectl explain tkc")
    assert str(error.value) == 'the server doesn\'t have a resource type "tkc"'

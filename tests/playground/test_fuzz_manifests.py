"""The Apply box, the console and the sandbox's forms under hostile input: never a 5xx (issue 16).

hypothesis generates manifests (real and invented kinds, nested objects and lists, odd
strings with lone surrogates, numbers too big for Go or for Python's int-string limit, deep
nesting) and kubectl command lines; each goes through the real views, and the sandbox
page must still load afterwards. Derandomized with a fixed budget: a run is reproducible.
"""

import json

import pytest
import yaml
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.models import Sandbox

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

KINDS = [
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Pod"),
    ("v1", "Service"),
    ("v1", "Namespace"),
    ("v1", "ResourceQuota"),
    ("v1", "LimitRange"),
    ("v1", "Event"),
    ("v1", "Node"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("v1", "Gizmo"),
]
FIELDS = [
    "spec",
    "data",
    "status",
    "replicas",
    "containers",
    "image",
    "template",
    "selector",
    "matchLabels",
    "labels",
    "resources",
    "requests",
    "limits",
    "cpu",
    "memory",
    "hard",
    "ports",
    "completions",
    "parallelism",
    "terminationGracePeriodSeconds",
    "conditions",
    "name",
    "type",
    "lastTimestamp",
]

# Strings with what breaks naive code: lone surrogates, control characters, quantity-like text.
odd_text = st.one_of(
    st.text(st.characters(categories=["L", "N", "P", "S", "Z", "Cc", "Cs"]), max_size=12),
    st.sampled_from(["500m", "1Gi", "9" * 5000, "1e999999", "²", "", "-1", "0.000000001n", "1e400"]),
)
huge_ints = st.one_of(st.integers(), st.integers(min_value=2**31 - 2, max_value=2**64), st.just(10**300))
scalars = st.one_of(st.none(), st.booleans(), huge_ints, st.floats(), odd_text)
keys = st.one_of(st.sampled_from(FIELDS), odd_text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=16,
)


def deep(depth: int, key: str = "a") -> dict:
    node: dict = {}
    for _ in range(depth):
        node = {key: node}
    return node


@st.composite
def manifests(draw) -> dict:
    api_version, kind = draw(st.sampled_from(KINDS))
    metadata = {"name": draw(st.one_of(st.sampled_from(["web", "x", "default"]), odd_text))}
    if draw(st.booleans()):
        metadata["labels"] = draw(st.dictionaries(keys, values, max_size=3))
    obj = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        obj[field] = draw(values)
    if draw(st.integers(0, 9)) == 0:
        obj[draw(st.sampled_from(["spec", "data", "metadata"]))] = deep(
            draw(st.sampled_from([99, 150, 1000]))
        )
    return obj


def as_text(obj, style: str) -> str:
    if style == "json":
        return json.dumps(obj, default=str)
    try:
        return yaml.safe_dump(obj)
    except (ValueError, yaml.YAMLError):
        return json.dumps(obj, default=str)


raw_texts = st.sampled_from(
    [
        "[" * 5000 + "]" * 5000,
        "a: " + "[" * 5000,
        "a: " + "{b: " * 3000,
        "{" * 100_000,
        '{"a": "\\ud800"}',
        'kind: ConfigMap\nmetadata: {name: s}\ndata: {a: "\\ud800"}\n',
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec: {hard: {pods: "
        + "9" * 5000
        + "}}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: i}\nimage: nginx\n",
        "a: &a [*a]\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t, annotations: {when: 2024-13-45}}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: !!binary aGVsbG8=\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: g}\nspec: {terminationGracePeriodSeconds: 1000000000000000000,"
        " containers: [{name: a, image: nginx}]}\n",
        "---\n---\n- 1\n- 2\n",
        "\x00\x01",
    ]
)
texts = st.one_of(
    st.builds(as_text, manifests(), st.sampled_from(["json", "yaml"])),
    st.builds(
        lambda objs, style: "---\n".join(as_text(o, style) for o in objs),
        st.lists(manifests(), min_size=1, max_size=3),
        st.sampled_from(["yaml"]),
    ),
    raw_texts,
)

COMMANDS = st.one_of(
    st.builds(lambda text: "kubectl apply -f -\n" + text, texts),
    st.builds(
        lambda verb, kind, name: f"kubectl {verb} {kind} {name}",
        st.sampled_from(["get", "describe", "delete", "edit", "logs", "top", "explain", "rollout status"]),
        st.sampled_from(["pods", "nodes", "deployment", "svc", "events", "quota", "gizmos", ""]),
        st.one_of(st.sampled_from(["web", "-A", "-o yaml", "-o json", "--all", ""]), odd_text),
    ),
    st.builds(
        lambda number: f"kubectl scale deployment web --replicas={number}",
        st.one_of(st.sampled_from(["²", "9" * 5000, "-1", "1e3", "abc"]), st.integers(-5, 8).map(str)),
    ),
    st.builds(
        lambda patch: f"kubectl patch deployment web --type=json -p '{json.dumps(patch)}'",
        st.lists(
            st.fixed_dictionaries(
                {
                    "op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "nope"]),
                    "path": st.sampled_from(["", "/", "/spec/replicas", "/metadata/labels/²", "/spec/x/0"]),
                    "value": values,
                }
            ),
            max_size=2,
        ),
    ),
    st.builds(
        lambda args: "kubectl " + args,
        st.text(st.characters(categories=["L", "N", "P", "S", "Zs", "Cs"]), max_size=40),
    ),
)


def quiet(client) -> Client:
    """The visitor's client, answering a server error with its response instead of raising."""
    other = Client(raise_request_exception=False)
    other.cookies = client.cookies
    return other


@pytest.fixture
def sandbox(client):
    assert client.post("/playground/try/self-healing").status_code == 302
    return Sandbox.objects.get()


def still_works(client, sandbox):
    page = client.get(f"/playground/{sandbox.public_id}/")
    assert page.status_code == 200
    assert client.get(f"/k8s/{sandbox.token}/api/v1/nodes").status_code == 200


def test_the_apply_box_answers_every_manifest_below_500(client, sandbox):
    client = quiet(client)
    url = f"/playground/{sandbox.public_id}/apply"
    seen: list[str] = []

    @FUZZ
    @given(text=texts, htmx=st.booleans())
    def apply(text, htmx):
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(url, {"manifest": text}, **headers)
        if response.status_code >= 500:
            seen.append(f"{text[:300]!r} -> {response.status_code}")

    apply()
    assert seen == []
    still_works(client, sandbox)


def test_the_console_answers_every_command_below_500(client, sandbox):
    client = quiet(client)
    url = f"/playground/{sandbox.public_id}/kubectl"
    seen: list[str] = []

    @FUZZ
    @given(command=COMMANDS)
    def run(command):
        response = client.post(url, {"command": command}, HTTP_ACCEPT="application/json")
        if response.status_code >= 500:
            seen.append(f"{command[:300]!r} -> {response.status_code}")

    run()
    assert seen == []
    still_works(client, sandbox)


# The sandbox's forms: a refused value is a 4xx naming its field, never a 500 ----------------


@pytest.mark.parametrize(
    "replicas", ["²", "9" * 5000, "-1", "1e3"], ids=["superscript", "5000-digits", "minus", "exp"]
)
def test_edit_settings_refuses_a_replicas_that_is_not_a_whole_number_beside_its_field(
    client, sandbox, replicas
):
    """str.isdigit() takes '²' and int() refuses 5,000 digits: both used to be a 500."""
    url = f"/playground/{sandbox.public_id}/workloads/Deployment/default/web/edit"
    response = client.post(url, {"replicas": replicas}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    trigger = json.loads(response["HX-Trigger"])["inband-error"]
    assert trigger == {"message": "Replicas must be a whole number.", "field": "replicas"}
    assert client.post(url, {"replicas": replicas}).status_code == 400  # a plain form post too


def test_resource_settings_cap_a_5000_digit_quota_and_name_a_bad_field(client, sandbox):
    url = f"/playground/{sandbox.public_id}/namespaces/default/resources"
    assert client.post(url, {"pods": "9" * 5000}).status_code == 302  # capped as ParseQuantity caps it
    response = client.post(url, {"pods": "9", "limits.memory": "lots"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    trigger = json.loads(response["HX-Trigger"])["inband-error"]
    assert trigger["field"] == "limits.memory" and "is not a quantity" in trigger["message"]
    response = client.post(url, {"default.cpu": "²"}, HTTP_HX_REQUEST="true")
    assert json.loads(response["HX-Trigger"])["inband-error"]["field"] == "default.cpu"
    still_works(client, sandbox)


@pytest.mark.parametrize("value", ["²", "9" * 5000], ids=["superscript", "5000-digits"])
def test_clock_speed_and_rewind_refuse_odd_numbers_beside_their_field(client, sandbox, value):
    base = f"/playground/{sandbox.public_id}"
    response = client.post(f"{base}/clock", {"do": "speed", "speed": value}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert json.loads(response["HX-Trigger"])["inband-error"]["field"] == "speed"
    response = client.post(f"{base}/rewind", {"snapshot": value}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert json.loads(response["HX-Trigger"])["inband-error"]["field"] == "snapshot"
    response = client.post(f"{base}/rename", {"name": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert json.loads(response["HX-Trigger"])["inband-error"]["field"] == "name"

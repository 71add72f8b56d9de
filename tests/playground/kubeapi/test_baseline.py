"""The Kubernetes 1.37 the sandbox serves, as the newest clients see it: /version, the v1
Endpoints deprecation warning, the downloaded kubeconfig and deletes that return the object."""

import json

import yaml

from playground.engine import Cluster, schema
from playground.kubeapi import discovery, kubeconfig
from playground.kubeapi.handler import ApiRequest, static, write
from playground.kubeapi.handler import route as route_path
from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl


def _kubectl_137(api_server, tmp_path) -> Kubectl:
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(), tmp_path / "cache")


def test_version_is_a_137_release():
    """/version as kube-apiserver v1.37.1 answers it (k8s.io/component-base/version.Get):
    major and minor match gitVersion, with that release's commit, build date and Go."""
    response = static(ApiRequest(method="GET", path="/version", query={}, accept="application/json"))
    version = json.loads(response.body)
    assert version["gitVersion"] == "v1.37.1"
    assert (version["major"], version["minor"]) == ("1", "37")
    assert version["goVersion"].startswith("go1.26.")
    assert version["platform"] == "linux/amd64" and version["gitTreeState"] == "clean"
    assert len(version["gitCommit"]) == 40 and set(version["gitCommit"]) != {"0"}


def test_every_served_builtin_version_exists_in_the_137_api():
    """Nothing the discovery documents advertise was removed by 1.37: each built-in kind is
    served at a group-version the v1.37 schemas define (metrics.k8s.io is aggregated, not in
    them), so no kind answers at a version a real 1.37 cluster would 404."""
    served = discovery.group_versions()
    assert served, "nothing served"
    for group_version, types in served.items():
        if group_version.startswith("metrics.k8s.io/"):
            continue
        for rt in types:
            assert schema.definition_for(rt.kind, rt.api_version), f"{rt.api_version} {rt.kind}"
    assert schema.SCHEMA_VERSION == "v1.37.0"


def test_openapi_info_carries_the_server_version():
    response = static(ApiRequest(method="GET", path="/openapi/v2", query={}, accept="application/json"))
    assert json.loads(response.body)["info"] == {"title": "Kubernetes", "version": "v1.37.1"}


def test_kubectl_137_sees_a_137_server_without_a_skew_warning(api_server, tmp_path):
    k = _kubectl_137(api_server, tmp_path)
    version = k.run("version")
    assert version.returncode == 0
    assert "Client Version: v1.37.1\n" in version.stdout and "Server Version: v1.37.1\n" in version.stdout
    assert version.stderr == ""


def test_endpoints_warning_text_follows_the_apiservers_deprecation_message():
    """k8s.io/apiserver's deprecation.WarningMessage: "<group/version> <Kind> is deprecated in
    v<major>.<minor>+; use <replacement group/version> <Kind>" (v1 Endpoints since 1.33, KEP-4974);
    EndpointSlices and other kinds carry none."""
    endpoints = route_path("/api/v1/endpoints").rt
    assert discovery.deprecation_warning(endpoints) == (
        "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
    )
    for path in ("/apis/discovery.k8s.io/v1/endpointslices", "/api/v1/services", "/api/v1/pods"):
        assert discovery.deprecation_warning(route_path(path).rt) is None
    headers = {"Warning": '299 - "unknown field \\"spec.x\\""'}
    discovery.add_deprecation_warning(endpoints, headers)
    assert headers["Warning"] == (
        '299 - "unknown field \\"spec.x\\"", '
        '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"'
    )


def test_kubectl_prints_the_endpoints_deprecation_warning(api_server, tmp_path):
    """kubectl prints each Warning header on stderr as "Warning: <text>" (client-go's
    warning handler), on reads and on writes of v1 Endpoints, and not for EndpointSlices."""
    k = _kubectl_137(api_server, tmp_path)
    warning = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
    listed = k.run("get", "endpoints", "-A")
    assert listed.returncode == 0 and listed.stderr == warning
    assert "kubernetes" in listed.stdout
    got = k.run("get", "endpoints", "kubernetes", "-o", "name")
    assert got.stdout == "endpoints/kubernetes\n" and got.stderr == warning
    manual = "apiVersion: v1\nkind: Endpoints\nmetadata: {name: manual}\nsubsets: []\n"
    created = k.run("apply", "-f", "-", stdin=manual)
    assert created.returncode == 0 and warning in created.stderr
    slices = k.run("get", "endpointslices", "-A")
    assert slices.returncode == 0 and "deprecated" not in slices.stderr


def test_downloaded_kubeconfig_for_http_skips_tls_verification_for_node_clients():
    """@kubernetes/client-node 1.x (KubeConfig.createAgent) throws "HTTP protocol is not
    allowed when skipTLSVerify is not set or false" for an http:// server; kubectl and
    client-go ignore the flag for http. An https server keeps verification."""
    plain = yaml.safe_load(kubeconfig.render("http://127.0.0.1:8000", "tok", "Lab 1"))
    assert plain["clusters"][0]["cluster"] == {
        "server": "http://127.0.0.1:8000/k8s/tok",
        "insecure-skip-tls-verify": True,
    }
    secure = yaml.safe_load(kubeconfig.render("https://k8s.example.org/", "tok", "Lab 1"))
    assert secure["clusters"][0]["cluster"] == {"server": "https://k8s.example.org/k8s/tok"}


def test_kubectl_uses_the_http_kubeconfig_as_downloaded(api_server, tmp_path):
    """The kubeconfig the instructors' command prints (the download's renderer) for the http
    test server: every kubectl in test_kubectl_versions uses it; here 1.37 shows it reaches
    the sandbox with the flag set and nothing printed about it."""
    k = _kubectl_137(api_server, tmp_path)
    config = yaml.safe_load(k.kubeconfig.read_text())
    assert config["clusters"][0]["cluster"]["insecure-skip-tls-verify"] is True
    assert config["clusters"][0]["cluster"]["server"].startswith("http://")
    nodes = k.run("get", "nodes", "-o", "name")
    assert nodes.returncode == 0 and "node/worker-1\n" in nodes.stdout and nodes.stderr == ""


def test_deleting_a_service_returns_the_service():
    """The services registry sets ReturnDeletedObject (pkg/registry/core/service/storage):
    DELETE answers with the Service itself, which typed clients (the official Python client
    37) decode as a V1Service; a ConfigMap's delete still answers with a Status."""
    cluster = Cluster.new("minimal")
    svc = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    created = write(
        cluster,
        route_path("/api/v1/namespaces/default/services"),
        ApiRequest(
            method="POST",
            path="/api/v1/namespaces/default/services",
            content_type="application/json",
            body=json.dumps(svc).encode(),
        ),
    )
    assert created.status == 201
    path = "/api/v1/namespaces/default/services/web"
    gone = write(cluster, route_path(path), ApiRequest(method="DELETE", path=path))
    body = json.loads(gone.body)
    assert gone.status == 200 and body["kind"] == "Service" and body["metadata"]["name"] == "web"
    assert body["apiVersion"] == "v1" and body["spec"]["ports"][0]["port"] == 80

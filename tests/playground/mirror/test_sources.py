"""Contexts from the server's kubeconfig and the pod's service account, never credentials."""

import json
import subprocess

import pytest

from playground.mirror import sources
from tests.playground.mirror.fakeapi import FakeApi, kubeconfig

SECRET_TOKEN = "s3cr3t-token-that-must-never-show"  # noqa: S105


def write_config(path, contexts, current=None, token=SECRET_TOKEN):
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": c,
                        "cluster": {
                            "server": f"https://admin:pw@{c}.example.net:6443/k8s/{token}",
                            "certificate-authority-data": "Q0VSVA==",
                        },
                    }
                    for c in contexts
                ],
                "users": [
                    {"name": f"{c}-admin", "user": {"token": token, "client-key-data": "S0VZ"}}
                    for c in contexts
                ],
                "contexts": [
                    {"name": c, "context": {"cluster": c, "user": f"{c}-admin", "namespace": "ops"}}
                    for c in contexts
                ],
                "current-context": current or contexts[0],
            }
        )
    )


def test_every_context_of_every_kubeconfig_file_is_listed_without_credentials(tmp_path, monkeypatch):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    write_config(first, ["prod", "staging"], current="staging")
    write_config(second, ["lab"])
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    found = sources.contexts()
    assert [(c.name, c.current, c.namespace) for c in found] == [
        ("lab", False, "ops"),
        ("prod", False, "ops"),
        ("staging", True, "ops"),
    ]
    assert found[1].server == "https://prod.example.net:6443"
    text = repr(found)
    for secret in (SECRET_TOKEN, "admin:pw", "Q0VSVA", "S0VZ", "/k8s/"):
        assert secret not in text


def test_home_kubeconfig_is_the_default(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert sources.contexts() == []
    (tmp_path / ".kube").mkdir()
    write_config(tmp_path / ".kube" / "config", ["home"])
    assert [c.name for c in sources.contexts()] == ["home"]


def test_a_broken_kubeconfig_is_an_error_that_names_no_secret(tmp_path, monkeypatch):
    bad = tmp_path / "config"
    bad.write_text(f"clusters: [\n  token: {SECRET_TOKEN}\n")
    monkeypatch.setenv("KUBECONFIG", str(bad))
    with pytest.raises(sources.SourceError) as error:
        sources.contexts()
    assert SECRET_TOKEN not in str(error.value)


def test_in_cluster_service_account_is_a_source_and_connects_over_tls(tmp_path, monkeypatch):
    """As inside a pod: KUBERNETES_SERVICE_HOST, a token and the cluster's CA."""
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + [
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(folder / "ca.crt"),
        ],
        check=True,
        capture_output=True,
    )
    (folder / "token").write_text("in-cluster-token")
    (folder / "namespace").write_text("mirror-system")
    api = FakeApi()
    api.load_recorded()
    api.start(tls=(folder / "ca.crt", tmp_path / "key.pem"))
    try:
        monkeypatch.setenv("MIRROR_SERVICE_ACCOUNT_DIR", str(folder))
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(api.port))
        monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
        [context] = sources.contexts()
        assert (context.name, context.server, context.namespace, context.current) == (
            "in-cluster",
            f"https://127.0.0.1:{api.port}",
            "mirror-system",
            True,
        )
        cluster = sources.connect("in-cluster")
        assert [n["metadata"]["name"] for n in cluster.list("/api/v1/nodes")["items"]][1] == "kind-worker"
        assert "in-cluster-token" not in repr(context)
    finally:
        api.stop()


def test_connect_reads_the_named_context_and_refuses_unknown_ones(tmp_path, monkeypatch, fake):
    path = tmp_path / "config"
    path.write_text(kubeconfig(fake.url, "lab"))
    monkeypatch.setenv("KUBECONFIG", str(path))
    cluster = sources.connect("lab")
    assert cluster.get("/version")["gitVersion"] == "v1.31.2"
    with pytest.raises(sources.SourceError, match="no context named 'nope'"):
        sources.connect("nope")


def test_the_command_lists_contexts_without_credentials(tmp_path, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    config = tmp_path / "config"
    write_config(config, ["prod", "lab"], current="lab")
    monkeypatch.setenv("KUBECONFIG", str(config))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    out = StringIO()
    call_command("mirror", "--list", stdout=out)
    assert out.getvalue().splitlines() == [
        "* lab\thttps://lab.example.net:6443\tops",
        "  prod\thttps://prod.example.net:6443\tops",
    ]
    for secret in (SECRET_TOKEN, "admin:pw", "Q0VSVA", "S0VZ"):
        assert secret not in out.getvalue()

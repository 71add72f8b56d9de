"""`manage.py mirror` when the cluster cannot be reached from the start: it backs off and
retries as after any later failure, says so on /mirror/, connects once the API is up, and
never shows more of the server address than scheme, host and port (a kubeconfig's server
path or query may hold a token, as this app's own facade does)."""

import io
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError, call_command

from playground.mirror import redact
from playground.mirror.informer import BUILTIN
from tests.playground.mirror.conftest import wait_for
from tests.playground.mirror.fakeapi import FakeApi
from tests.servers import ROOT, free_port, production_env

SECRET_PATH = "/k8s/SECRETPATHTOKEN"
SECRET_QUERY = "key=SECRETQUERYTOKEN"


def leaks(text: str) -> bool:
    return "SECRETPATHTOKEN" in text or "SECRETQUERYTOKEN" in text


def kubeconfig(folder, server: str):
    path = folder / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: lab\n"
        f"clusters:\n- name: lab\n  cluster:\n    server: {server}\n"
        "contexts:\n- name: lab\n  context: {cluster: lab, user: u}\n"
        "users:\n- name: u\n  user: {token: not-a-real-token}\n"
    )
    return path


def start_mirror(env, log):
    return subprocess.Popen(
        [sys.executable, "manage.py", "mirror", "lab", "--heartbeat", "0.5", "--max-backoff", "1"],
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},  # each line reaches the log as it is printed
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def status(work):
    with sqlite3.connect(work / "db.sqlite3") as db:
        return db.execute("select state, message, server from playground_mirroredcluster").fetchone()


def test_unreachable_at_start_it_keeps_trying_records_it_and_hides_the_path(tmp_path):
    port = free_port()  # nothing listens there
    env = production_env(
        tmp_path, KUBECONFIG=str(kubeconfig(tmp_path, f"http://127.0.0.1:{port}{SECRET_PATH}?{SECRET_QUERY}"))
    )
    with open(tmp_path / "mirror.log", "w") as log:
        process = start_mirror(env, log)
        try:
            found = wait_for(lambda: status(tmp_path), timeout=20, message="the mirror's status row")
            wait_for(lambda: status(tmp_path)[0] == "reconnecting", timeout=20, message="reconnecting")
            time.sleep(3)  # several back-offs
            assert process.poll() is None, (tmp_path / "mirror.log").read_text()
            state, message, server = status(tmp_path)
            assert state == "reconnecting" and "127.0.0.1" in message
            assert server == f"http://127.0.0.1:{port}"
            assert not leaks(message) and not leaks(str(found))
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0
    output = (tmp_path / "mirror.log").read_text()
    assert "not responding" in output and output.rstrip().endswith("stopped")
    assert not leaks(output) and "Traceback" not in output


def test_it_connects_once_the_api_comes_up(tmp_path):
    port = free_port()
    env = production_env(
        tmp_path, KUBECONFIG=str(kubeconfig(tmp_path, f"http://127.0.0.1:{port}{SECRET_PATH}"))
    )
    api = FakeApi()
    api.load_recorded()
    for resource in BUILTIN:
        if resource.path not in api.lists:
            api.serve(resource.path, f"{resource.kind}List", resource.api_version)
    api.prefix = SECRET_PATH
    with open(tmp_path / "mirror.log", "w") as log:
        process = start_mirror(env, log)
        try:
            wait_for(
                lambda: (status(tmp_path) or ("",))[0] == "reconnecting", timeout=20, message="reconnecting"
            )
            api.start(port)
            wait_for(lambda: status(tmp_path)[0] == "synced", timeout=90, message="synced once the API is up")
            # The command announces the sync on its next one-second tick.
            wait_for(
                lambda: "synced in" in (tmp_path / "mirror.log").read_text(), timeout=20, message="announced"
            )
            assert process.poll() is None
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
            api.stop()
    output = (tmp_path / "mirror.log").read_text()
    assert "synced in" in output and not leaks(output)


@pytest.mark.django_db
def test_a_crash_is_told_without_the_servers_path_or_query(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "KUBECONFIG", str(kubeconfig(tmp_path, f"https://10.0.0.1:6443{SECRET_PATH}?{SECRET_QUERY}"))
    )
    from playground.mirror import service

    def boom(*args, **kwargs):
        try:
            raise OSError(f"GET https://user:pw@10.0.0.1:6443{SECRET_PATH}/version?{SECRET_QUERY} failed")
        except OSError as cause:
            raise RuntimeError(f"Max retries exceeded with url: {SECRET_PATH}/api (lost)") from cause

    monkeypatch.setattr(service, "Running", boom)
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("mirror", "lab", stdout=io.StringIO(), stderr=err)
    assert not leaks(str(raised.value)) and "Max retries exceeded" in str(raised.value)
    trace = err.getvalue()
    assert "Traceback" in trace and "https://10.0.0.1:6443" in trace
    assert not leaks(trace) and "user:pw" not in trace


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "HTTPConnectionPool(host='h', port=1): Max retries exceeded with url: /k8s/T/api?watch=1 (Caused by X)",
            "HTTPConnectionPool(host='h', port=1): Max retries exceeded with url: … (Caused by X)",
        ),
        (
            "connect to https://u:p@api.example.org:6443/k8s/T?x=1 failed",
            "connect to https://api.example.org:6443 failed",
        ),
        ("url='/k8s/T/version'", "url='…'"),
        ("plain words", "plain words"),
    ],
)
def test_redact(text, shown):
    assert redact.redact(text) == shown


def test_known_secrets_are_removed_wherever_they_appear():
    known = redact.secrets_of(f"https://h:1{SECRET_PATH}?{SECRET_QUERY}")
    assert (
        redact.redact(f"status for {SECRET_PATH}/api/v1 ({SECRET_QUERY})", *known)
        == "status for …/api/v1 (…)"
    )

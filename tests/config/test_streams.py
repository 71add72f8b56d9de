"""Open watches cannot starve the site: the production stack (gunicorn with the project's
gunicorn.conf.py, DEBUG off) caps open streams per sandbox, per client address and per
process (below its thread pool), answers 429 beyond, keeps serving ordinary requests while
streams are open, and gives the places back when streams end.

Upstream's answer past a cap is kube-apiserver's for too many requests: a `Status` with
reason TooManyRequests, details.retryAfterSeconds and a Retry-After header
(k8s.io/apimachinery/pkg/api/errors.NewTooManyRequests; apiserver's
filters.WithMaxInFlightLimit sends Retry-After too).
"""

import http.client
import json
import socket
import time
import urllib.parse

import pytest

from tests.servers import gunicorn, manage, production_env

PER_SANDBOX = 4
PER_ADDRESS = 6
THREADS = 12  # so at most 10 streams: an eighth (at least 2) stays for ordinary requests
PER_PROCESS = THREADS - 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("streams")
    env = production_env(
        work,
        # Each test visitor comes "through a proxy" with its own address.
        TRUSTED_PROXY_COUNT="1",
        KUBE_API_STREAMS_PER_SANDBOX=str(PER_SANDBOX),
        KUBE_API_STREAMS_PER_ADDRESS=str(PER_ADDRESS),
        KUBE_API_WATCH_SECONDS="120",
    )
    manage(env, "collectstatic", "--noinput")
    tokens = manage(
        env,
        "shell",
        "-c",
        "from playground import sandboxes\n"
        "for i in range(4): print('token', sandboxes.create('cli', f's{i}', capped=False).token)",
    ).stdout.split()
    tokens = [word for before, word in zip(tokens, tokens[1:], strict=False) if before == "token"]
    with gunicorn(env, work, ("--workers", "1", "--threads", str(THREADS), "--graceful-timeout", "2")) as (
        _process,
        base,
    ):
        yield base, tokens


class Watch:
    """A `watch=1` request on its own connection, open until closed."""

    def __init__(self, base: str, token: str, address: str, path: str = "api/v1/nodes?watch=1"):
        url = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.connection.request("GET", f"/k8s/{token}/{path}", headers={"X-Forwarded-For": address})
        self.response = self.connection.getresponse()
        self.status = self.response.status

    def first_event(self) -> dict:
        return json.loads(self.response.readline())

    def refusal(self) -> tuple[dict, str | None]:
        return json.loads(self.response.read()), self.response.getheader("Retry-After")

    def close(self) -> None:
        # Hang up as a client does: no goodbye, the server notices on its own.
        self.connection.sock.shutdown(socket.SHUT_RDWR)
        self.connection.close()


def get(base: str, path: str) -> int:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def eventually_open(base, token, address, deadline=30) -> "Watch":
    """A watch that the server accepts again once released places are counted back."""
    end = time.monotonic() + deadline
    while True:
        watch = Watch(base, token, address)
        if watch.status == 200 or time.monotonic() > end:
            return watch
        watch.response.read()
        watch.connection.close()
        time.sleep(0.3)


def assert_too_many(watch: "Watch", words: str) -> None:
    assert watch.status == 429
    status, retry_after = watch.refusal()
    assert retry_after == "1"
    assert status["kind"] == "Status" and status["status"] == "Failure"
    assert status["reason"] == "TooManyRequests" and status["code"] == 429
    assert status["details"] == {"retryAfterSeconds": 1}
    assert words in status["message"]


def test_a_sandbox_holds_its_cap_of_watches_and_the_site_still_answers(server):
    base, tokens = server
    # Each from its own address, so only the sandbox's cap applies.
    watches = [Watch(base, tokens[0], f"10.1.0.{n}") for n in range(PER_SANDBOX)]
    try:
        assert [w.status for w in watches] == [200] * PER_SANDBOX
        assert watches[0].first_event()["type"] == "ADDED"
        extra = Watch(base, tokens[0], "10.1.0.99")
        assert_too_many(extra, "this sandbox has 4 open watch and log streams, its limit")
        # Another sandbox is not affected; nor are the health check and the pages.
        other = Watch(base, tokens[1], "10.1.0.100")
        assert other.status == 200
        other.close()
        assert get(base, "/healthz") == 200
        assert get(base, "/concepts/vm-pod/") == 200
    finally:
        for watch in watches:
            watch.close()
    # Hung up without a word: the places come back.
    again = eventually_open(base, tokens[0], "10.1.0.99")
    assert again.status == 200
    again.close()


def test_one_address_holds_its_cap_across_sandboxes(server):
    base, tokens = server
    watches = [Watch(base, tokens[1 + n % 2], "10.2.0.1") for n in range(PER_ADDRESS)]
    try:
        assert [w.status for w in watches] == [200] * PER_ADDRESS
        assert_too_many(Watch(base, tokens[3], "10.2.0.1"), "your address has 6 open watch and log streams")
        neighbour = Watch(base, tokens[3], "10.2.0.2")
        assert neighbour.status == 200
        neighbour.close()
        assert get(base, "/healthz") == 200
    finally:
        for watch in watches:
            watch.close()
    again = eventually_open(base, tokens[3], "10.2.0.1")
    assert again.status == 200
    again.close()


def test_streams_never_take_the_threads_ordinary_requests_need(server):
    """gunicorn's 12 threads: 10 streams at most, then 429, and the two left serve pages."""
    base, tokens = server
    watches = []
    try:
        for n in range(PER_PROCESS):
            watches.append(eventually_open(base, tokens[n % 4], f"10.3.0.{n}"))
        assert [w.status for w in watches] == [200] * PER_PROCESS
        assert_too_many(Watch(base, tokens[3], "10.3.1.1"), "this server has 10 open watch and log streams")
        # Today's fault: every thread held by a watch, /healthz timed out. Now it answers,
        # as do pages, several in a row on fresh connections.
        for _ in range(5):
            assert get(base, "/healthz") == 200
            assert get(base, "/concepts/vm-pod/") == 200
    finally:
        for watch in watches:
            watch.close()
    again = eventually_open(base, tokens[3], "10.3.1.1")
    assert again.status == 200
    again.close()


def test_a_followed_log_counts_and_is_given_back_when_the_client_hangs_up(server):
    """`kubectl logs -f` on a running container writes nothing for long stretches: the
    server notices the client has gone from the socket, not from a failed write."""
    base, tokens = server
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "quiet"},
        "spec": {"containers": [{"name": "quiet", "image": "nginx:1.27"}]},
    }
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.request(
        "POST",
        f"/k8s/{tokens[2]}/api/v1/namespaces/default/pods",
        json.dumps(pod),
        {"Content-Type": "application/json"},
    )
    assert connection.getresponse().status == 201
    connection.close()
    path = "api/v1/namespaces/default/pods/quiet/log?follow=true"
    follows = []
    deadline = time.monotonic() + 60
    while not follows:  # the container starts as the sandbox's clock moves
        follow = Watch(base, tokens[2], "10.4.0.1", path)
        if follow.status == 200:
            follows.append(follow)
        else:
            follow.response.read()
            follow.connection.close()
            assert time.monotonic() < deadline, "the container did not start"
            time.sleep(0.5)
    follows += [Watch(base, tokens[2], "10.4.0.1", path) for _ in range(PER_SANDBOX - 1)]
    try:
        assert [f.status for f in follows] == [200] * PER_SANDBOX
        assert_too_many(Watch(base, tokens[2], "10.4.0.2"), "this sandbox has 4 open watch and log streams")
    finally:
        for follow in follows:
            follow.close()
    again = eventually_open(base, tokens[2], "10.4.0.2", deadline=10)
    assert again.status == 200
    again.close()

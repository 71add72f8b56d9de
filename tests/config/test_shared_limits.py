"""Limits hold across app servers: two gunicorn servers on two loopback ports against one
PostgreSQL count the same open streams (OpenStream rows), so a visitor gets the caps per
sandbox and per client address once, not once per process; a stream closed on one
server frees its place on the other; a killed server's streams stop counting once nobody
has refreshed them for three periods. The workshop join limit (Django's cache, now the
database's) is one count across servers too.

(Before: each process counted its own, and two workers gave a visitor twice the cap.)"""

import http.client
import os
import re
import signal
import time
import urllib.parse

import psycopg
import pytest

from tests.config.test_streams import Watch, assert_too_many, eventually_open
from tests.postgres import running
from tests.servers import gunicorn, manage, production_env

PER_SANDBOX = 3
PER_ADDRESS = 4
REFRESH = 2  # seconds: a killed server's streams stop counting after 6 s
JOIN_LIMIT = 4
OPTIONS = ("--workers", "1", "--threads", "12", "--graceful-timeout", "2")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(env, work, database URL, tokens, base URL of server A, of server B)."""
    work = tmp_path_factory.mktemp("shared-caps")
    with running() as url:
        env = production_env(
            work,
            DATABASE_URL=url,
            TRUSTED_PROXY_COUNT="1",  # each test visitor comes "through a proxy" with its own address
            KUBE_API_STREAMS_PER_SANDBOX=str(PER_SANDBOX),
            KUBE_API_STREAMS_PER_ADDRESS=str(PER_ADDRESS),
            KUBE_API_STREAMS_REFRESH_SECONDS=str(REFRESH),
            KUBE_API_WATCH_SECONDS="120",
            WORKSHOP_JOIN_LIMIT=str(JOIN_LIMIT),
        )
        manage(env, "collectstatic", "--noinput")
        words = manage(
            env,
            "shell",
            "-c",
            "from playground import sandboxes\n"
            "for i in range(5): print('token', sandboxes.create('cli', f's{i}', capped=False).token)",
        ).stdout.split()
        tokens = [word for before, word in zip(words, words[1:], strict=False) if before == "token"]
        with gunicorn(env, work, OPTIONS) as (_a, base_a), gunicorn(env, work, OPTIONS) as (_b, base_b):
            yield env, work, url, tokens, base_a, base_b


def gone_eventually(url: str, count: str, deadline: float = 30) -> bool:
    """Whether the rows `count` counts are gone within `deadline` seconds."""
    end = time.monotonic() + deadline
    while True:
        with psycopg.connect(url) as db:
            (left,) = db.execute(count).fetchone()
        if left == 0 or time.monotonic() > end:
            return left == 0
        time.sleep(0.5)


def close(watches) -> None:
    for watch in watches:
        try:
            watch.close()
        except OSError:  # its server is gone already
            pass


def test_one_sandbox_cap_across_two_servers(cluster):
    _env, _work, _url, tokens, a, b = cluster
    watches = [
        Watch(a, tokens[0], "10.1.0.1"),
        Watch(a, tokens[0], "10.1.0.2"),
        Watch(b, tokens[0], "10.1.0.3"),
    ]
    try:
        assert [w.status for w in watches] == [200] * PER_SANDBOX
        assert watches[2].first_event()["type"] == "ADDED"
        assert_too_many(
            Watch(a, tokens[0], "10.1.0.4"), "this sandbox has 3 open watch and log streams, its limit"
        )
        assert_too_many(
            Watch(b, tokens[0], "10.1.0.5"), "this sandbox has 3 open watch and log streams, its limit"
        )
        other = Watch(b, tokens[1], "10.1.0.6")  # another sandbox is not affected
        assert other.status == 200
        other.close()
        # One closed on A frees a place on B.
        watches.pop(0).close()
        again = eventually_open(b, tokens[0], "10.1.0.7")
        assert again.status == 200
        watches.append(again)
        assert_too_many(Watch(a, tokens[0], "10.1.0.8"), "this sandbox has 3")
    finally:
        close(watches)


def test_one_address_cap_across_two_servers(cluster):
    _env, _work, _url, tokens, a, b = cluster
    watches = [Watch(a if n < 2 else b, tokens[1 + n % 2], "10.2.0.1") for n in range(PER_ADDRESS)]
    try:
        assert [w.status for w in watches] == [200] * PER_ADDRESS
        assert_too_many(
            Watch(a, tokens[3], "10.2.0.1"), "your address has 4 open watch and log streams, its limit"
        )
        assert_too_many(
            Watch(b, tokens[3], "10.2.0.1"), "your address has 4 open watch and log streams, its limit"
        )
        neighbour = Watch(b, tokens[3], "10.2.0.2")
        assert neighbour.status == 200
        neighbour.close()
    finally:
        close(watches)
    again = eventually_open(a, tokens[3], "10.2.0.1")
    assert again.status == 200
    again.close()


def test_a_killed_server_streams_stop_counting_after_the_expiry(cluster):
    env, work, url, tokens, a, _b = cluster
    watches = []
    with gunicorn(env, work, OPTIONS) as (doomed, c):
        try:
            watches += [Watch(c, tokens[4], "10.3.0.1"), Watch(c, tokens[4], "10.3.0.2")]
            watches.append(Watch(a, tokens[4], "10.3.0.3"))
            assert [w.status for w in watches] == [200] * PER_SANDBOX
            with psycopg.connect(url) as db:
                (held,) = db.execute(
                    "SELECT count(*) FROM playground_openstream WHERE address LIKE '10.3.%'"
                ).fetchone()
            assert held == PER_SANDBOX
            # No goodbye: the server and its worker die at once, their rows stay behind.
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait()
            with psycopg.connect(url) as db:
                (held,) = db.execute(
                    "SELECT count(*) FROM playground_openstream WHERE address LIKE '10.3.%'"
                ).fetchone()
            assert held == PER_SANDBOX
            # Once stale (3 refresh periods), they no longer count: A opens two more.
            opened = [eventually_open(a, tokens[4], f"10.3.1.{n}") for n in range(2)]
            watches += opened
            assert [w.status for w in opened] == [200, 200]
            assert_too_many(Watch(a, tokens[4], "10.3.1.9"), "this sandbox has 3")
            # and A's refresher deletes them, at its next refresh.
            assert gone_eventually(
                url, "SELECT count(*) FROM playground_openstream WHERE address IN ('10.3.0.1', '10.3.0.2')"
            )
        finally:
            close(watches)


def join(base: str, address: str, code: str) -> int:
    """POST the join form with a code, as a browser at `address` does (CSRF included)."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", "/join/", headers={"X-Forwarded-For": address})
        response = connection.getresponse()
        html = response.read().decode()
        cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": code, "name": "x"})
        headers = {
            "X-Forwarded-For": address,
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        connection.request("POST", "/join/", body, headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_join_attempts_from_one_address_are_counted_once_across_servers(cluster):
    _env, _work, _url, _tokens, a, b = cluster
    tries = [join(a if n % 2 else b, "10.5.0.1", f"AAA{n:03d}") for n in range(JOIN_LIMIT)]
    assert tries == [404] * JOIN_LIMIT  # no such workshop
    assert join(a, "10.5.0.1", "AAA100") == 429
    assert join(b, "10.5.0.1", "AAA101") == 429
    assert join(b, "10.5.0.2", "AAA102") == 404  # another address has its own count

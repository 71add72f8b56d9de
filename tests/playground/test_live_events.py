"""The sandbox's live event stream (playground/live.py) on the production stack: gunicorn
with the project's gunicorn.conf.py, DEBUG off. Its owner hears of a change another
request made; anyone else gets 404, as for the sandbox's page; the stream counts against
the stream caps (429 past one) and ends after its lifetime, giving its place back; a
reconnect that names an older version (Last-Event-ID) is told at once."""

import html
import http.client
import http.cookiejar
import re
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.servers import gunicorn, manage, production_env

PER_SANDBOX = 2
LIFETIME = 8  # seconds: KUBE_API_WATCH_SECONDS bounds a live stream's life too

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  colour: blue
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("live")
    env = production_env(
        work,
        KUBE_API_STREAMS_PER_SANDBOX=str(PER_SANDBOX),
        KUBE_API_STREAMS_PER_ADDRESS="0",
        KUBE_API_WATCH_SECONDS=str(LIFETIME),
        # Plain http on loopback: the session's and CSRF cookies must travel over it.
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    manage(env, "collectstatic", "--noinput")  # the pages name their static files by hash
    made = manage(env, "shell", "-c", WORKSHOP).stdout.split()
    with gunicorn(env, work, ("--workers", "1", "--threads", "12", "--graceful-timeout", "2")) as (_p, base):
        yield base, {"workshop": made[-2], "code": made[-1]}


# The instructor "ann" and her workshop on the first lab: its public id and join code.
WORKSHOP = """
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from playground import workshops
ann = User.objects.create_user("ann", password="s3cret-pass")
User.objects.create_user("bea", password="s3cret-pass")
now = timezone.now()
workshop = workshops.create(ann, "Live grid", ["first-pod"], now, now + timedelta(hours=2), 10)
print(workshop.public_id, workshop.code)
"""


class Visitor:
    """A browser's session: its own cookies, so its own sandboxes."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def post(self, path: str, fields: dict) -> str:
        self.opener.open(self.base + "/playground/").read()  # the CSRF cookie
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.cookie("csrftoken")}).encode()
        with self.opener.open(self.base + path, data=data) as response:
            return response.geturl()

    def create(self) -> str:
        """A new sandbox; its public id."""
        url = self.post("/playground/new", {"name": "live", "profile": "default"})
        return re.search(r"/playground/([0-9a-f-]{36})/", url).group(1)

    def apply(self, public_id: str, name: str) -> None:
        self.post(f"/playground/{public_id}/apply", {"manifest": CONFIGMAP.format(name=name)})

    def sign_in(self, username: str) -> None:
        self.post("/accounts/login/", {"username": username, "password": "s3cret-pass"})

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stream(self, path: str) -> "Events":
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        return Events(self.base, path, cookies)

    def page(self, public_id: str) -> str:
        with self.opener.open(f"{self.base}/playground/{public_id}/") as response:
            return response.read().decode()

    def events(self, public_id: str, last_event_id: str = "", path: str = "") -> "Events":
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        return Events(self.base, path or f"/playground/{public_id}/live", cookies, last_event_id)


class Events:
    """One EventSource-like request on its own connection, read message by message."""

    def __init__(self, base: str, path: str, cookies: str, last_event_id: str = ""):
        url = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        headers = {"Accept": "text/event-stream", "Cookie": cookies}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status

    def message(self) -> dict | None:
        """The next message's fields ({"": [comments]} for a heartbeat); None at the end."""
        fields: dict = {}
        while True:
            line = self.response.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if not line:
                if fields:
                    return fields
                continue
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))

    def next_with(self, field: str) -> dict | None:
        while (message := self.message()) is not None:
            if field in message:
                return message
        return None

    def close(self) -> None:
        self.connection.sock.shutdown(socket.SHUT_RDWR)
        self.connection.close()


def test_the_owner_hears_of_a_change_made_by_another_request(server):
    server, _workshop = server
    learner = Visitor(server)
    public_id = learner.create()
    events = learner.events(public_id)
    try:
        assert events.status == 200
        assert events.response.getheader("Content-Type").startswith("text/event-stream")
        assert events.response.getheader("Cache-Control") == "no-cache, private"
        assert events.message() == {"retry": ["1000"]}
        baseline = events.next_with("id")  # the version the stream starts from: no event
        assert "event" not in baseline
        learner.apply(public_id, "colours")  # another request, as the Apply form sends it
        changed = events.next_with("event")
        assert changed["event"] == ["changed"]
        assert changed["id"] == changed["data"] and changed["id"] != baseline["id"]
        assert int(changed["id"][0]) > int(baseline["id"][0])
    finally:
        events.close()


def test_a_reconnect_from_an_older_version_is_told_at_once(server):
    server, _workshop = server
    learner = Visitor(server)
    public_id = learner.create()
    first = learner.events(public_id)
    baseline = first.next_with("id")["id"][0]
    first.close()
    learner.apply(public_id, "while-away")
    again = learner.events(public_id, last_event_id=baseline)
    try:
        changed = again.next_with("event")
        assert changed["event"] == ["changed"] and changed["id"][0] != baseline
    finally:
        again.close()


def test_a_page_rendered_before_a_change_is_told_at_once(server):
    server, _workshop = server
    learner = Visitor(server)
    public_id = learner.create()
    # The stream's address as the workspace names it: with the version it was rendered at.
    path = html.unescape(re.search(r'data-live-events="([^"]+)"', learner.page(public_id)).group(1))
    assert path.startswith(f"/playground/{public_id}/live?version=")
    learner.apply(public_id, "before-the-stream")
    events = learner.events(public_id, path=path)
    try:
        assert events.next_with("event")["event"] == ["changed"]
    finally:
        events.close()


def test_only_the_owner_may_listen(server):
    server, _workshop = server
    owner, stranger = Visitor(server), Visitor(server)
    public_id = owner.create()
    stranger.create()  # a sandbox of their own does not open someone else's
    refused = stranger.events(public_id)
    assert refused.status == 404
    assert "no such sandbox" in refused.response.read().decode()
    missing = owner.events("00000000-0000-4000-8000-000000000000")
    assert missing.status == 404


def test_streams_are_capped_and_end_giving_their_place_back(server):
    server, _workshop = server
    learner = Visitor(server)
    public_id = learner.create()
    streams = [learner.events(public_id) for _ in range(PER_SANDBOX)]
    try:
        assert [s.status for s in streams] == [200] * PER_SANDBOX
        extra = learner.events(public_id)
        assert extra.status == 429
        assert extra.response.getheader("Retry-After") == "1"
        assert "this sandbox has 2 open" in extra.response.read().decode()
        # Each stream ends by itself after its lifetime; EventSource would reconnect.
        for stream in streams:
            while stream.message() is not None:
                pass
            assert stream.response.isclosed() or stream.response.read() == b""
        again = learner.events(public_id)
        assert again.status == 200
        again.close()
    finally:
        for stream in streams:
            stream.connection.close()


@pytest.mark.django_db
def test_on_an_in_memory_database_pages_poll_and_never_ask(client):
    """The in-process test server's shared in-memory SQLite answers the feed's own threads
    "database table is locked": there the page names no stream, and the endpoint says no."""
    response = client.post("/playground/new", {"name": "memory", "profile": "default"})
    page = client.get(response["Location"])
    assert page.status_code == 200 and b'id="workspace"' in page.content
    assert b"data-live-events" not in page.content
    refused = client.get(response["Location"] + "live")
    assert refused.status_code == 503 and refused["Content-Type"].startswith("text/plain")


def test_the_instructor_hears_which_learner_rows_changed_and_fetches_one(server):
    base, made = server
    workshop = made["workshop"]
    ann = Visitor(base)
    ann.sign_in("ann")
    learner = Visitor(base)
    lab = learner.post(f"/join/{made['code']}", {"code": made["code"], "name": "Alice"})
    sandbox = re.search(r"/labs/attempt/([0-9a-f-]{36})/", lab).group(1)
    status, dashboard = ann.get(f"/workshops/{workshop}/")
    assert status == 200
    seat = re.search(r'id="learner-([0-9a-f-]{36})"', dashboard).group(1)
    assert f'data-live-events="/workshops/{workshop}/live"' in dashboard
    events = ann.stream(f"/workshops/{workshop}/live")
    try:
        assert events.status == 200
        assert events.response.getheader("Content-Type").startswith("text/event-stream")
        assert events.message() == {"retry": ["1000"]}
        learner.post(f"/playground/{sandbox}/apply", {"manifest": CONFIGMAP.format(name="alice")})
        rows = events.next_with("event")
        assert rows == {"event": ["rows"], "data": [seat]}
        # The row alone, as her record reads now.
        status, row = ann.get(f"/workshops/{workshop}/learners/{seat}/row")
        assert status == 200 and row.strip().startswith(f'<tr id="learner-{seat}"') and "Alice" in row
        assert row.count("<tr") == 1
        # A second learner joining changes the grid's shape: the whole grid is fetched.
        Visitor(base).post(f"/join/{made['code']}", {"code": made["code"], "name": "Bob"})
        while (message := events.next_with("event")) is not None and message["event"] != ["grid"]:
            pass  # Alice's row again, as her check was recorded
        assert message == {"event": ["grid"], "data": ["all"]}
    finally:
        events.close()


def test_only_the_instructor_may_listen_or_fetch_a_row(server):
    base, made = server
    workshop = made["workshop"]
    bea = Visitor(base)
    bea.sign_in("bea")  # signed in, but not this workshop's instructor
    refused = bea.stream(f"/workshops/{workshop}/live")
    assert refused.status == 404
    seat = "00000000-0000-4000-8000-000000000000"
    assert bea.get(f"/workshops/{workshop}/learners/{seat}/row")[0] == 404
    ann = Visitor(base)
    ann.sign_in("ann")
    assert ann.get(f"/workshops/{workshop}/learners/{seat}/row")[0] == 404  # no such learner

"""Anonymous use is bounded per client address as well as per session: sandboxes made per
address per hour and held per address at once, counted in the database."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils import timezone

from config.clientip import address_key, client_address
from playground.models import Sandbox, SandboxCreation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.SANDBOXES_PER_ADDRESS_PER_HOUR = 3
    settings.SANDBOXES_PER_ADDRESS = 5
    settings.TRUSTED_PROXY_COUNT = 0
    return settings


def make(address="203.0.113.7", client=None, **extra):
    client = client or Client()
    return client.post("/playground/new", {"profile": "minimal"}, REMOTE_ADDR=address, **extra)


def test_sandboxes_made_per_address_per_hour_are_limited_across_sessions(limits):
    # Each a new session (a new visitor): the per-session cap never applies.
    assert [make().status_code for _ in range(3)] == [302, 302, 302]
    refused = make()
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "3 sandboxes were made from your network address in the last hour" in text
    assert "the limit is 3 an hour" in text
    assert make("198.51.100.9").status_code == 302  # another address is not affected
    # Deleting does not give the hour back.
    client = Client()
    made = make("192.0.2.1", client)
    Sandbox.objects.filter(address="192.0.2.1").delete()
    assert made.status_code == 302 and make("192.0.2.1").status_code == 302
    assert SandboxCreation.objects.filter(address="192.0.2.1").count() == 2


def test_the_count_lives_in_the_database_so_every_process_agrees(limits):
    for _ in range(3):
        make()
    cache.clear()  # another process has its own cache, but the same database
    assert make().status_code == 429
    SandboxCreation.objects.update(created=timezone.now() - timedelta(minutes=61))
    assert make().status_code == 302  # the hour has passed


def test_sandboxes_held_per_address_are_capped(limits):
    limits.SANDBOXES_PER_ADDRESS_PER_HOUR = 0  # off
    limits.SANDBOXES_PER_ADDRESS = 2
    assert [make().status_code for _ in range(2)] == [302, 302]
    refused = make()
    assert refused.status_code == 429
    assert "There are 2 sandboxes from your network address; the limit is 2" in refused.content.decode()
    Sandbox.objects.first().delete()
    assert make().status_code == 302


def test_every_way_of_making_a_sandbox_counts(limits):
    limits.SANDBOXES_PER_ADDRESS_PER_HOUR = 4
    client = Client()
    assert make(client=client).status_code == 302
    sandbox = Sandbox.objects.get()
    assert (
        client.post(f"/playground/{sandbox.public_id}/duplicate", REMOTE_ADDR="203.0.113.7").status_code
        == 302
    )
    assert client.post("/playground/try/self-healing", REMOTE_ADDR="203.0.113.7").status_code == 302
    assert client.post("/labs/first-pod/start", REMOTE_ADDR="203.0.113.7").status_code == 302
    assert SandboxCreation.objects.filter(address="203.0.113.7").count() == 4
    assert client.post("/labs/first-pod/start", REMOTE_ADDR="203.0.113.7").status_code == 429
    assert (
        client.post(f"/playground/{sandbox.public_id}/duplicate", REMOTE_ADDR="203.0.113.7").status_code
        == 429
    )
    assert client.post("/playground/try/self-healing", REMOTE_ADDR="203.0.113.7").status_code == 429


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(limits):
    for i in range(3):
        make(HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")  # a forged header changes nothing
    assert make(HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


def test_behind_trusted_proxies_the_client_is_counted_not_the_proxy(limits):
    limits.TRUSTED_PROXY_COUNT = 1
    for i in range(3):
        assert make("10.1.1.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code == 302
    assert make("10.1.1.1", HTTP_X_FORWARDED_FOR="198.51.100.0").status_code == 302
    # What the client writes to the left of what the proxy appended is not believed.
    for _ in range(2):
        make("10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.0")
    assert make("10.1.1.1", HTTP_X_FORWARDED_FOR="5.6.7.8, 198.51.100.0").status_code == 429


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.1"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_ipv6_addresses_count_by_their_64():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_key("192.0.2.1") == "192.0.2.1"
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"


def test_workshop_sandboxes_are_bounded_by_the_workshop_not_the_address(limits):
    from playground import lab_attempts

    limits.SANDBOXES_PER_ADDRESS_PER_HOUR = 1
    make()
    lab_attempts.start("learner", "first-pod", capped=False, address="203.0.113.7")
    assert SandboxCreation.objects.count() == 1

"""Sign-in throttling (django-axes): after LOGIN_FAILURE_LIMIT failures for one user name
from one address, even the right password is refused until the cool-off has passed."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-pass-9"  # noqa: S105 - a test account's


@pytest.fixture
def ann():
    return User.objects.create_superuser("ann", "ann@example.com", PASSWORD)


def sign_in(client, password, path="/accounts/login/", address="203.0.113.5", username="ann"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_ten_failures_lock_out_the_right_password_until_the_cool_off_passes(ann, path):
    assert settings.AXES_FAILURE_LIMIT == 10
    client = Client()
    for _ in range(9):
        assert sign_in(client, "wrong", path).status_code == 200  # the form again, with its error
    assert sign_in(client, "wrong", path).status_code == 429  # the tenth failure locks
    refused = sign_in(client, PASSWORD, path)
    assert refused.status_code == 429 and not signed_in(client)
    text = refused.content.decode()
    assert "Too many failed sign-ins" in text and "even with the right password" in text
    assert "15 minutes" in text
    # Still refused a little later…
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert sign_in(client, PASSWORD, path).status_code == 429
    # …and accepted once the cool-off has passed.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, PASSWORD, path).status_code == 302 and signed_in(client)


def test_the_lock_is_per_user_name_and_address(ann):
    User.objects.create_user("bob", password=PASSWORD)
    for _ in range(10):
        sign_in(Client(), "wrong")
    assert sign_in(Client(), PASSWORD).status_code == 429
    assert sign_in(Client(), PASSWORD, address="198.51.100.8").status_code == 302
    assert sign_in(Client(), PASSWORD, username="bob").status_code == 302


def test_a_successful_sign_in_clears_the_count(ann):
    for _ in range(9):
        sign_in(Client(), "wrong")
    assert sign_in(Client(), PASSWORD).status_code == 302
    for _ in range(9):
        sign_in(Client(), "wrong")
    assert sign_in(Client(), PASSWORD).status_code == 302


def test_failures_are_kept_in_the_database(ann):
    for _ in range(3):
        sign_in(Client(), "wrong")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("ann", "203.0.113.5", 3)

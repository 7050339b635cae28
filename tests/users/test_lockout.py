"""The staff login locks like the citizen login: 10 failed passwords lock the name and the address for
the window, with one audit entry; other names from other addresses are not affected."""

import time

import pytest
from django.contrib.auth import get_user_model

from messages_app.models import AuditEntry
from users import lockout

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
LOCKED = "잠시 잠겼습니다"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # A real hasher costs a third of a second per try; what is tested here is the counting.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff(username):
    return get_user_model().objects.create_user(username, password=f"right-{username}", is_staff=True)


def login(client, username, password, ip="10.0.0.1"):
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"},
                           REMOTE_ADDR=ip)
    return response, "_auth_user_id" in client.session


def test_ten_wrong_passwords_lock_the_right_one_out(client, settings):
    user = staff("bus-staff")
    for _ in range(settings.SMC_LOGIN_FAILURE_LIMIT):
        response, logged_in = login(client, "bus-staff", "wrong")
        assert response.status_code == 200 and not logged_in and LOCKED not in response.content.decode()
    response, logged_in = login(client, "bus-staff", "right-bus-staff")
    assert not logged_in
    page = response.content.decode()
    assert LOCKED in page and "분 후에 다시 시도하세요" in page and "Too many failed logins" in page
    entries = AuditEntry.objects.filter(action="login_lockout", allowed=False)
    assert entries.count() == 1  # once, at the lockout, not for every refused try
    assert entries.get().actor is None and "bus-staff" in entries.get().detail
    assert "10.0.0.1" in entries.get().detail
    assert user.last_login is None


def test_the_lock_ends_with_the_window(client, settings):
    settings.SMC_LOGIN_LOCKOUT_SECONDS = 2
    staff("road-staff")
    for _ in range(settings.SMC_LOGIN_FAILURE_LIMIT):
        lockout.record_failure("admin", username="road-staff", ip="10.0.0.2")  # fast: the window is short
    response, logged_in = login(client, "road-staff", "right-road-staff", ip="10.0.0.3")
    assert not logged_in and LOCKED in response.content.decode()
    time.sleep(lockout.locked_for("admin", username="road-staff") + 0.3)
    response, logged_in = login(client, "road-staff", "right-road-staff", ip="10.0.0.3")
    assert logged_in and response.status_code == 302


def test_another_user_elsewhere_is_not_affected(client, settings):
    staff("bus-staff")
    staff("housing-staff")
    for _ in range(settings.SMC_LOGIN_FAILURE_LIMIT):
        login(client, "bus-staff", "wrong", ip="10.0.0.1")
    _, logged_in = login(client, "housing-staff", "right-housing-staff", ip="10.0.0.9")
    assert logged_in


def test_one_address_cannot_spray_many_names(client, settings):
    """Keyed by address too: ten names tried once each from one address lock that address."""
    staff("target")
    for n in range(settings.SMC_LOGIN_FAILURE_LIMIT):
        login(client, f"guess{n}", "wrong", ip="10.6.6.6")
    response, logged_in = login(client, "target", "right-target", ip="10.6.6.6")
    assert not logged_in and LOCKED in response.content.decode()
    assert AuditEntry.objects.filter(action="login_lockout", detail__contains="접속 주소").exists()
    _, logged_in = login(client, "target", "right-target", ip="10.0.0.7")
    assert logged_in


def test_a_success_clears_the_names_count(client, settings):
    staff("typo")
    for _ in range(settings.SMC_LOGIN_FAILURE_LIMIT - 1):
        login(client, "typo", "wrong", ip="10.0.1.1")
    _, logged_in = login(client, "typo", "right-typo", ip="10.0.1.2")
    assert logged_in
    client.logout()
    login(client, "typo", "wrong", ip="10.0.1.3")
    _, logged_in = login(client, "typo", "right-typo", ip="10.0.1.4")
    assert logged_in  # one failure after the success, not the tenth


def test_the_citizen_login_has_the_same_numbers(client, settings):
    """allauth's login_failed limit is built from the same two settings."""
    from allauth.account import app_settings

    limit, window = settings.SMC_LOGIN_FAILURE_LIMIT, settings.SMC_LOGIN_LOCKOUT_SECONDS
    assert app_settings.RATE_LIMITS["login_failed"] == f"{limit}/{window}s/ip,{limit}/{window}s/key"
    user = get_user_model().objects.create_user("citizen", email="c@example.org", password="right-citizen")
    for _ in range(limit):
        client.post("/auth/login/", {"login": user.email, "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    client.post("/auth/login/", {"login": user.email, "password": "right-citizen"}, REMOTE_ADDR="10.1.1.2")
    assert "_auth_user_id" not in client.session

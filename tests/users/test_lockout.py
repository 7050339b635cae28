"""The staff login locks like the citizen login: 10 failed passwords lock the address for the window,
with one audit entry; a login name is never locked, only delayed (1 s, doubling, at most a minute);
behind trusted proxies the visitor's address counts, not the proxy's. Time comes from an injected
clock (users.lockout.clock), never from sleeping."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from messages_app.models import AuditEntry
from users import lockout

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
LOCKED = "잠시 잠겼습니다"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # A real hasher costs a third of a second per try; what is tested here is the counting.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock(monkeypatch):
    """lockout's clock, moved by the test: clock.now += seconds."""
    class Clock:
        now = 1_800_000_000.0

    monkeypatch.setattr(lockout, "clock", lambda: Clock.now)
    return Clock


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


def test_the_lock_ends_with_the_window(client, settings, clock):
    staff("road-staff")
    for _ in range(settings.SMC_LOGIN_FAILURE_LIMIT):
        lockout.record_failure("admin", ip="10.0.0.2")
    response, logged_in = login(client, "road-staff", "right-road-staff", ip="10.0.0.2")
    assert not logged_in and "5분 후에" in response.content.decode()
    clock.now += settings.SMC_LOGIN_LOCKOUT_SECONDS - 1
    assert lockout.locked_for("admin", ip="10.0.0.2") == 1
    clock.now += 1
    response, logged_in = login(client, "road-staff", "right-road-staff", ip="10.0.0.2")
    assert logged_in and response.status_code == 302


def test_a_name_is_delayed_never_locked_so_its_owner_gets_in_during_an_attack(client, settings, clock):
    """Wrong passwords for alert_approver from many addresses (one each, no address lock) never lock
    the name: from the limit on each one makes the next try wait 1, 2, 4 … s, at most a minute, and
    the owner's right password gets in once the wait is over."""
    staff("alert_approver")
    limit = settings.SMC_LOGIN_FAILURE_LIMIT
    waits = []
    for n in range(limit + 12):
        assert lockout.locked_for("admin", username="alert_approver") == 0
        response, logged_in = login(client, "alert_approver", "wrong", ip=f"198.51.100.{n + 1}")
        assert not logged_in
        waits.append(lockout.locked_for("admin", username="alert_approver"))
        clock.now += waits[-1]  # the attacker tries again the moment the wait is over
    assert waits[:limit - 1] == [0] * (limit - 1)
    assert waits[limit - 1:] == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60, 60]
    # During the wait even the right password is refused (the delay is what slows guessing) …
    response, logged_in = login(client, "alert_approver", "wrong", ip="203.0.113.8")
    clock.now += 59
    response, logged_in = login(client, "alert_approver", "right-alert_approver", ip="203.0.113.9")
    assert not logged_in and "1초 후에 다시 시도하세요" in response.content.decode()
    # … and a minute after the last failure the owner is in, from an address that never failed.
    clock.now += 1
    response, logged_in = login(client, "alert_approver", "right-alert_approver", ip="203.0.113.9")
    assert logged_in and response.status_code == 302
    assert lockout.locked_for("admin", username="alert_approver") == 0  # the success cleared the count
    assert AuditEntry.objects.filter(action="login_lockout", detail__contains="시도 지연").count() == 1


def test_behind_a_trusted_proxy_each_visitor_has_an_address_of_their_own(client, settings):
    """Every request reaches the web process from the proxy: with SMC_TRUSTED_PROXY_COUNT the lock
    falls on the visitor who failed, and what a visitor writes into X-Forwarded-For is not believed."""
    settings.SMC_TRUSTED_PROXY_COUNT = 1
    staff("bus-staff")
    staff("housing-staff")
    proxy = {"REMOTE_ADDR": "10.0.0.254"}

    def through_proxy(username, password, forwarded):
        response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"},
                               HTTP_X_FORWARDED_FOR=forwarded, **proxy)
        return response, "_auth_user_id" in client.session

    for n in range(settings.SMC_LOGIN_FAILURE_LIMIT):  # many names, so only the address locks
        # The attacker forges a first hop; the proxy appends the address it saw.
        through_proxy(f"guess{n}", "wrong", f"198.51.100.{n}, 203.0.113.5")
    response, logged_in = through_proxy("bus-staff", "right-bus-staff", "203.0.113.5")
    assert not logged_in and LOCKED in response.content.decode()
    _, logged_in = through_proxy("housing-staff", "right-housing-staff", "198.51.100.7")
    assert logged_in
    assert lockout.locked_for("admin", ip="10.0.0.254") == 0  # the proxy itself was never counted
    assert AuditEntry.objects.filter(action="login_lockout", detail__contains="203.0.113.5").exists()


def test_without_trusted_proxies_a_forged_header_changes_nothing(client, settings):
    settings.SMC_TRUSTED_PROXY_COUNT = 0
    staff("target")
    for n in range(settings.SMC_LOGIN_FAILURE_LIMIT):
        client.post(LOGIN, {"username": f"guess{n}", "password": "wrong"}, REMOTE_ADDR="10.6.6.6",
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = client.post(LOGIN, {"username": "target", "password": "right-target"}, REMOTE_ADDR="10.6.6.6",
                           HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert LOCKED in response.content.decode()


@pytest.mark.parametrize(("forwarded", "proxies", "expected"), [
    ("", 1, "10.0.0.254"),                                       # reached directly
    ("203.0.113.5", 1, "203.0.113.5"),
    ("1.1.1.1, 203.0.113.5", 1, "203.0.113.5"),                  # forged left part ignored
    ("1.1.1.1, 203.0.113.5, 10.0.0.3", 2, "203.0.113.5"),        # two proxies
    ("203.0.113.5", 3, "203.0.113.5"),                           # fewer hops than proxies: the farthest
    ("not-an-address", 1, "10.0.0.254"),
    ("1.1.1.1", 0, "10.0.0.254"),
])
def test_client_ip(rf, settings, forwarded, proxies, expected):
    settings.SMC_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.254", **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}))
    assert lockout.client_ip(request) == expected


@pytest.mark.parametrize("remote", ["", "unix:/run/gunicorn.sock", "garbage"])
def test_a_client_without_a_known_address_is_limited_as_unknown_not_a_server_error(rf, settings, remote):
    """A web process on a unix socket sees no REMOTE_ADDR: rate limits (which need an address) use
    one shared unknown address instead of failing."""
    from django_ratelimit.core import is_ratelimited

    settings.SMC_TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR=remote)
    assert lockout.client_ip(request) == lockout.UNKNOWN
    request.user = AnonymousUser()
    assert is_ratelimited(request, group="t", key="user_or_ip", rate="1/h", increment=True) is False
    assert is_ratelimited(request, group="t", key="user_or_ip", rate="1/h", increment=True) is True


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


def test_the_citizen_login_has_the_same_numbers(client, settings, clock):
    """allauth's per-address limit is built from the same two settings; the e-mail address (the login
    name) is delayed like a staff name (users.adapter), never locked for the window."""
    from allauth.account import app_settings

    limit, window = settings.SMC_LOGIN_FAILURE_LIMIT, settings.SMC_LOGIN_LOCKOUT_SECONDS
    assert app_settings.RATE_LIMITS["login_failed"] == f"{limit}/{window}s/ip"
    user = get_user_model().objects.create_user("citizen", email="c@example.org", password="right-citizen")
    for n in range(limit):
        client.post("/auth/login/", {"login": user.email, "password": "wrong"}, REMOTE_ADDR=f"10.1.1.{n + 1}")
    client.post("/auth/login/", {"login": user.email, "password": "right-citizen"}, REMOTE_ADDR="10.1.2.1")
    assert "_auth_user_id" not in client.session  # within the name's first wait (1 s)
    clock.now += 1
    client.post("/auth/login/", {"login": user.email, "password": "right-citizen"}, REMOTE_ADDR="10.1.2.1")
    assert "_auth_user_id" in client.session


def test_the_citizen_login_locks_an_address(client, settings):
    get_user_model().objects.create_user("citizen2", email="c2@example.org", password="right-citizen")
    for n in range(settings.SMC_LOGIN_FAILURE_LIMIT):
        client.post("/auth/login/", {"login": f"x{n}@example.org", "password": "wrong"}, REMOTE_ADDR="10.1.3.1")
    client.post("/auth/login/", {"login": "c2@example.org", "password": "right-citizen"}, REMOTE_ADDR="10.1.3.1")
    assert "_auth_user_id" not in client.session
    client.post("/auth/login/", {"login": "c2@example.org", "password": "right-citizen"}, REMOTE_ADDR="10.1.3.2")
    assert "_auth_user_id" in client.session


def test_the_citizen_login_counts_the_visitor_behind_the_proxy(client, settings):
    settings.SMC_TRUSTED_PROXY_COUNT = 2  # more than some requests carry: never a server error
    get_user_model().objects.create_user("citizen3", email="c3@example.org", password="right-citizen")
    proxy = {"REMOTE_ADDR": "10.0.0.254"}
    for n in range(settings.SMC_LOGIN_FAILURE_LIMIT):
        response = client.post("/auth/login/", {"login": f"x{n}@example.org", "password": "wrong"},
                               HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.3", **proxy)
        assert response.status_code == 200
    client.post("/auth/login/", {"login": "c3@example.org", "password": "right-citizen"},
                HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.3", **proxy)
    assert "_auth_user_id" not in client.session  # that visitor's address is locked …
    response = client.post("/auth/login/", {"login": "c3@example.org", "password": "right-citizen"},
                           HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)  # … not the next one's
    assert response.status_code == 302 and "_auth_user_id" in client.session

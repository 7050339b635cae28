"""A poll meets what the platforms really send (recorded at the real URLs): partial payloads are
stored except the incomplete items, which are counted in the account's health; each class of error
lands where it belongs (the account waits, the platform pauses, the account is marked)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account, Status
from messages_app.models import Message
from messages_app.services import polling
from tests.accounts.recordings import add
from tests.factories import platform_account

PAGE = "112233445566778"
G = "https://graph.facebook.com/v24.0"
X_USER = "1240217562"
MENTIONS = f"https://api.twitter.com/2/users/{X_USER}/mentions"


@pytest.fixture(autouse=True)
def _clean(clean_platform_keys):
    pass


@pytest.fixture
def fb_account():
    return platform_account("facebook", PAGE, {"page_access_token": "EAAGtestpagetoken"})


@pytest.fixture
def x_account():
    return platform_account("x", X_USER, {"bearer_token": "AAAAtest-bearer"})


def test_comments_without_id_are_counted_in_health_and_the_rest_stored(rsps, fb_account):
    add(rsps, "GET", f"{G}/{PAGE}/feed", "fb_feed_no_from.json")
    add(rsps, "GET", f"{G}/{PAGE}/posts", "fb_posts_own.json")
    add(rsps, "GET", f"{G}/{PAGE}_990000000000005/comments", "fb_comments_none.json")
    add(rsps, "GET", f"{G}/{PAGE}_990000000000004/comments", "fb_comments_missing_id.json")
    out = io.StringIO()
    call_command("poll_accounts", "--account", fb_account.handle, "--platform", "facebook", stdout=out)

    stored = set(Message.objects.filter(account=fb_account).values_list("external_id", flat=True))
    assert stored == {f"{PAGE}_990000000000004", "990000000000004_1200000000000002"}
    fb_account.refresh_from_db()
    assert fb_account.status == Status.ACTIVE and fb_account.health_note == "권한 부족: MODERATE 2건"
    assert fb_account.poll_cursor  # the poll went through and moved on


def test_a_clean_poll_clears_the_health_note(rsps, fb_account):
    Account.objects.filter(pk=fb_account.pk).update(health_note="권한 부족: MODERATE 2건")
    add(rsps, "GET", f"{G}/{PAGE}/feed", "fb_comments_none.json")
    polling.poll(fb_account)
    fb_account.refresh_from_db()
    assert fb_account.health_note == ""


def test_page_rate_limit_80001_holds_the_account_until_the_estimate(rsps, fb_account):
    add(rsps, "GET", f"{G}/{PAGE}/feed", "fb_error_80001.json")
    result = polling.poll(fb_account)
    assert result.skipped == "rate_limited"
    until = polling.rate_limited_until(fb_account.pk)
    assert until is not None and until >= timezone.now() + timedelta(minutes=26)
    assert fb_account.pk not in polling.due_account_ids()
    fb_account.refresh_from_db()
    assert fb_account.status == Status.ACTIVE


def test_missing_permission_marks_the_account_with_the_permission_named(rsps, fb_account):
    add(rsps, "GET", f"{G}/{PAGE}/feed", "fb_error_10_moderate.json")
    assert polling.poll(fb_account).error == "permission_missing"
    fb_account.refresh_from_db()
    assert fb_account.status == Status.NEEDS_REAUTH and "pages_read_engagement" in fb_account.last_error


def test_client_not_enrolled_pauses_the_platform_not_the_account(rsps, x_account, settings, caplog):
    settings.SMC_SIMULATE = False
    add(rsps, "GET", MENTIONS, "x_403_client_not_enrolled.json")
    assert polling.poll(x_account).error == "app_problem"
    x_account.refresh_from_db()
    assert x_account.status == Status.ACTIVE  # not "needs re-login"
    assert "client-not-enrolled" in polling.app_paused("x")
    # The desk is told once; no X account is dispatched or polled while the app is refused.
    assert [r for r in caplog.records if r.levelname == "ERROR" and "paused" in r.getMessage()]
    other = Account.objects.filter(platform="x", status=Status.ACTIVE).exclude(pk=x_account.pk).first()
    assert polling.poll(other).skipped == "app_paused"
    due = polling.due_account_ids()
    assert not Account.objects.filter(pk__in=due, platform="x").exists()


def test_usage_cap_holds_the_account_until_the_reset_day_x_reports(rsps, x_account, settings):
    settings.SMC_X_USAGE_CAP_RESET_DAY = 1
    add(rsps, "GET", MENTIONS, "x_429_usage_cap.json")
    add(rsps, "GET", "https://api.twitter.com/2/usage/tweets", "x_usage_tweets.json")  # cap_reset_day 19
    result = polling.poll(x_account)
    assert result.skipped == "rate_limited"
    assert result.rate_limited_until.day == 19 and result.rate_limited_until > timezone.now()


def test_a_suspended_polled_user_is_an_account_state(rsps, x_account):
    add(rsps, "GET", MENTIONS, "x_200_user_suspended.json")
    assert polling.poll(x_account).error == "account_suspended"
    x_account.refresh_from_db()
    assert x_account.status == Status.SUSPENDED and "suspended" in x_account.last_error


def test_the_registry_screen_shows_what_the_last_poll_left_out(client, fb_account):
    from users.models import User

    Account.objects.filter(pk=fb_account.pk).update(health_note="권한 부족: MODERATE 2건", last_error="")
    client.force_login(User.objects.create_superuser("ops", password="pw"))
    assert "권한 부족: MODERATE 2건" in client.get("/admin/accounts/account/").content.decode()
    assert "권한 부족: MODERATE 2건" in client.get(
        f"/admin/accounts/account/{fb_account.pk}/change/").content.decode()

"""Every documented error code of X and Facebook, one row each, from the platforms' documented error
envelopes: the connector's table turns it into the error SMC acts on (wait, pause the app, mark the
account, skip the item, retry). Replayed at the real URLs through each connector's own client."""

import copy
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import responses

from accounts.connectors import facebook, x
from accounts.connectors.base import (
    AccountSuspended,
    AppProblem,
    AuthExpired,
    ContentProblem,
    PermanentError,
    PermissionMissing,
    RateLimited,
    TransientError,
)

from .recordings import add, load

PAGE = "112233445566778"
FEED = f"https://graph.facebook.com/v24.0/{PAGE}/feed"
USER_ID = "1240217562"
MENTIONS = f"https://api.twitter.com/2/users/{USER_ID}/mentions"


def fb_account():
    return SimpleNamespace(platform="facebook", handle="seoul.mayor", platform_user_id=PAGE,
                           credentials={"page_access_token": "EAAGtestpagetoken"})


def x_account():
    return SimpleNamespace(platform="x", handle="seoulmania", platform_user_id=USER_ID,
                           credentials={"bearer_token": "AAAAtest-bearer"})


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def fb_envelope(code, message, subcode=None, status=400, headers=None):
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf012345"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"status": status, "headers": {"content-type": "application/json; charset=UTF-8", **(headers or {})},
            "body": {"error": error}}


# (code, subcode, message as Meta documents it, the error SMC must see)
FACEBOOK_ROWS = [
    (1, None, "An unknown error occurred", TransientError),
    (2, None, "An unexpected error has occurred. Please retry your request later.", TransientError),
    (3, None, "(#3) Application does not have the capability to make this API call.", AppProblem),
    (4, None, "(#4) Application request limit reached", RateLimited),
    (10, None, "(#10) This endpoint requires the 'pages_read_engagement' permission", PermissionMissing),
    (17, None, "(#17) User request limit reached", RateLimited),
    (32, None, "(#32) Page request limit reached", RateLimited),
    (100, 33, "Unsupported get request. Object with ID '1_2' does not exist", ContentProblem),
    (100, None, "(#100) Invalid parameter", PermanentError),
    (102, None, "Session key invalid or no longer valid", AuthExpired),
    (190, 463, "Error validating access token: Session has expired", AuthExpired),
    (190, 460, "Error validating access token: The user has changed the password", AuthExpired),
    (200, None, "(#200) Requires pages_manage_engagement permission to manage the object", PermissionMissing),
    (230, None, "(#230) Requires pages_messaging permission to manage the object", PermissionMissing),
    (341, None, "(#341) Application limit reached", RateLimited),
    (368, None, "The action attempted has been deemed abusive or is otherwise disallowed", RateLimited),
    (506, None, "(#506) Duplicate status message", ContentProblem),
    (613, None, "(#613) Calls to this api have exceeded the rate limit.", RateLimited),
    (80001, None, "(#80001) There have been too many calls to this Page account.", RateLimited),
    (80006, None, "(#80006) There have been too many messages sent to this user.", RateLimited),
    (1609005, None, "Error posting link", ContentProblem),
    (200, 2069032, "(#200) The app is restricted", AppProblem),
]


@pytest.mark.parametrize(("code", "subcode", "message", "expected"), FACEBOOK_ROWS,
                         ids=[f"fb-{c}-{s}" for c, s, _, _ in FACEBOOK_ROWS])
def test_every_facebook_code_is_classified(rsps, code, subcode, message, expected):
    add(rsps, "GET", FEED, "", recording=fb_envelope(code, message, subcode))
    with pytest.raises(expected) as caught:
        facebook.FacebookConnector().fetch(fb_account(), "")
    # Exactly the class of its row, not a wider one (AuthExpired is PermissionMissing's base).
    assert type(caught.value) is expected
    assert "EAAGtestpagetoken" not in str(caught.value)


def test_every_facebook_table_row_is_tested():
    tested = {code for code, _, _, _ in FACEBOOK_ROWS}
    named = {code for code in facebook.ERROR_CODES if not 80000 <= code < 80015 and not 201 <= code < 300}
    assert named <= tested


def test_page_rate_limit_80001_waits_for_the_business_use_case_estimate(rsps):
    add(rsps, "GET", FEED, "fb_error_80001.json")
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as caught:
        facebook.FacebookConnector().fetch(fb_account(), "")
    # estimated_time_to_regain_access is 27 minutes, not the default 15.
    assert before + timedelta(minutes=27) <= caught.value.reset_at <= datetime.now(UTC) + timedelta(minutes=27)


def test_341_waits_for_the_page_usage_estimate(rsps):
    add(rsps, "GET", FEED, "fb_error_341.json")
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as caught:
        facebook.FacebookConnector().fetch(fb_account(), "")
    assert before + timedelta(minutes=12) <= caught.value.reset_at <= datetime.now(UTC) + timedelta(minutes=12)


def test_missing_permission_is_named(rsps):
    add(rsps, "GET", FEED, "fb_error_10_moderate.json")
    with pytest.raises(PermissionMissing) as caught:
        facebook.FacebookConnector().fetch(fb_account(), "")
    assert caught.value.name == "pages_read_engagement"


def test_policy_block_368_waits_a_day():
    error = facebook.classify(368, None, "deemed abusive")
    assert isinstance(error, RateLimited)
    assert error.reset_at >= datetime.now(UTC) + timedelta(hours=23)


# X: (status, body as X documents it, the error SMC must see)
X_ROWS = [
    (400, {"errors": [{"parameters": {"since_id": ["x"]}, "message": "The `since_id` query parameter value [x] "
                                                                      "is not valid"}],
           "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
           "type": "https://api.twitter.com/2/problems/invalid-request"}, PermanentError),
    (401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, AuthExpired),
    (403, load("x_403_client_not_enrolled.json")["body"], AppProblem),
    (403, {"title": "Unsupported Authentication", "detail": "Authenticating with OAuth 2.0 Application-Only is "
           "forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 "
           "User Context].", "type": "https://api.twitter.com/2/problems/unsupported-authentication",
           "status": 403}, AppProblem),
    (403, {"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank",
           "title": "Forbidden", "status": 403}, ContentProblem),
    (403, {"detail": "You are not permitted to perform this action.", "type": "about:blank",
           "title": "Forbidden", "status": 403}, PermissionMissing),
    (404, {"title": "Not Found Error", "detail": "Could not find tweet with id: [1].",
           "type": "https://api.twitter.com/2/problems/resource-not-found"}, ContentProblem),
    (429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
     RateLimited),
    (429, load("x_429_usage_cap.json")["body"], x.UsageCapped),
    (500, {"title": "Internal Server Error", "type": "about:blank", "status": 500}, TransientError),
    (502, {"title": "Bad Gateway", "type": "about:blank", "status": 502}, TransientError),
    (503, {"title": "Service Unavailable", "type": "about:blank", "status": 503}, TransientError),
    (504, {"title": "Gateway Timeout", "type": "about:blank", "status": 504}, TransientError),
    (409, {"title": "Conflict", "type": "https://api.twitter.com/2/problems/conflict"}, PermanentError),
]


@pytest.mark.parametrize(("status", "body", "expected"), X_ROWS,
                         ids=[f"x-{s}-{b.get('reason') or b.get('title')}" for s, b, _ in X_ROWS])
def test_every_x_error_is_classified(rsps, monkeypatch, status, body, expected):
    monkeypatch.setattr(x, "PAGE_RETRY_WAITS", ())  # a 5xx is asked again; not here
    recording = {"status": status, "headers": {"content-type": "application/json; charset=utf-8",
                                               "x-rate-limit-reset": "1714614300"}, "body": body}
    add(rsps, "GET", MENTIONS, "", recording=recording)
    with pytest.raises(expected) as caught:
        x.XConnector(client_factory=x.make_client).fetch(x_account(), "")
    assert type(caught.value) is expected


def test_every_x_problem_type_is_tested():
    tested = {body.get("type") for _, body, _ in X_ROWS}
    untested = set(x.PROBLEM_TYPES) - tested
    # The rest (protected, withheld, disconnects) are exercised through classify below.
    for problem in untested:
        assert type(x.classify(400, {"type": problem, "title": "t"})) in (ContentProblem, TransientError)


USAGE = "https://api.twitter.com/2/usage/tweets"


def test_x_usage_cap_waits_for_the_reset_day_x_reports(rsps, settings):
    settings.SMC_X_USAGE_CAP_RESET_DAY = 1  # not used: X says the 19th
    add(rsps, "GET", MENTIONS, "x_429_usage_cap.json")
    usage = add(rsps, "GET", USAGE, "x_usage_tweets.json")
    now = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    with pytest.raises(x.UsageCapped) as caught:
        x.XConnector(client_factory=x.make_client, clock=lambda: now).fetch(x_account(), "")
    assert caught.value.reset_at == datetime(2026, 12, 19, tzinfo=UTC)
    assert isinstance(caught.value, RateLimited) and "10003/10000" in str(caught.value)
    request = usage.calls[0].request
    assert request.headers["Authorization"] == "Bearer AAAAtest-bearer"  # the app-only token
    assert "usage.fields=cap_reset_day%2Cproject_cap%2Cproject_usage" in request.url
    # Past the 19th the wait runs to the 19th of next month.
    add(rsps, "GET", MENTIONS, "x_429_usage_cap.json")
    add(rsps, "GET", USAGE, "x_usage_tweets.json")
    later = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
    with pytest.raises(x.UsageCapped) as caught:
        x.XConnector(client_factory=x.make_client, clock=lambda: later).fetch(x_account(), "")
    assert caught.value.reset_at == datetime(2027, 1, 19, tzinfo=UTC)


def test_x_usage_cap_falls_back_to_the_setting_when_usage_cannot_be_read(rsps, settings):
    settings.SMC_X_USAGE_CAP_RESET_DAY = 15
    add(rsps, "GET", MENTIONS, "x_429_usage_cap.json")
    add(rsps, "GET", USAGE, "x_401.json")
    now = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    with pytest.raises(RateLimited) as caught:
        x.XConnector(client_factory=x.make_client, clock=lambda: now).fetch(x_account(), "")
    # Not the 15-minute window the recording's x-rate-limit-reset names.
    assert caught.value.reset_at == datetime(2026, 12, 15, tzinfo=UTC)


def test_a_plain_429_does_not_ask_for_usage(rsps):
    add(rsps, "GET", MENTIONS, "x_429.json")  # an unregistered usage call would fail the test
    with pytest.raises(RateLimited) as caught:
        x.XConnector(client_factory=x.make_client).fetch(x_account(), "")
    assert not isinstance(caught.value, x.UsageCapped)


@pytest.mark.parametrize(("now", "day", "expected"), [
    (datetime(2026, 12, 6, 20, 0, tzinfo=UTC), 15, datetime(2026, 12, 15, tzinfo=UTC)),
    (datetime(2026, 12, 16, 0, 0, tzinfo=UTC), 15, datetime(2027, 1, 15, tzinfo=UTC)),
    (datetime(2026, 1, 31, 0, 0, tzinfo=UTC), 1, datetime(2026, 2, 1, tzinfo=UTC)),
    (datetime(2027, 2, 10, 0, 0, tzinfo=UTC), 31, datetime(2027, 2, 28, tzinfo=UTC)),  # the month's last day
    (datetime(2026, 12, 31, 1, 0, tzinfo=UTC), 31, datetime(2027, 1, 31, tzinfo=UTC)),
])
def test_usage_cap_reset_is_the_next_reset_day(now, day, expected):
    assert x.usage_cap_reset(now, day) == expected


def test_x_rate_limit_waits_for_x_rate_limit_reset(rsps):
    add(rsps, "GET", MENTIONS, "x_429.json")
    with pytest.raises(RateLimited) as caught:
        x.XConnector(client_factory=x.make_client).fetch(x_account(), "")
    assert caught.value.reset_at == datetime.fromtimestamp(1714614300, UTC)


def test_client_not_enrolled_is_the_app_not_the_account(rsps):
    add(rsps, "GET", MENTIONS, "x_403_client_not_enrolled.json")
    with pytest.raises(AppProblem) as caught:
        x.XConnector(client_factory=x.make_client).fetch(x_account(), "")
    assert not isinstance(caught.value, AuthExpired)
    assert "client-not-enrolled" in str(caught.value)


def test_a_200_holding_only_errors_for_the_polled_user_is_an_account_state(rsps):
    add(rsps, "GET", MENTIONS, "x_200_user_suspended.json")
    with pytest.raises(AccountSuspended) as caught:
        x.XConnector(client_factory=x.make_client).fetch(x_account(), "")
    assert "suspended" in str(caught.value)


def test_x_posts_without_id_are_skipped_and_counted(rsps):
    recording = copy.deepcopy(load("x_mentions_page1.json"))
    recording["body"]["meta"].pop("next_token", None)
    del recording["body"]["data"][0]["id"]
    add(rsps, "GET", MENTIONS, "", recording=recording)
    batch = x.XConnector(client_factory=x.make_client).fetch(x_account(), "")
    assert len(batch.items) == len(load("x_mentions_page1.json")["body"]["data"]) - 1
    assert batch.skipped == {x.MISSING_ID_REASON: 1}


# Instagram: its own codes (instagram.INSTAGRAM_CODES) on top of the Graph API's table, which it shares
# with Facebook (a few of the shared rows replayed at Instagram's URL, with Instagram's wording).
IG_USER = "17841405822304914"
IG_MEDIA = f"https://graph.facebook.com/v24.0/{IG_USER}/media"
INSTAGRAM_ROWS = [
    (10, 2534022, "(#10) This message is sent outside of allowed window.", ContentProblem),
    (100, 2534014, "No matching user found", ContentProblem),
    (551, 1545041, "This person isn't available right now.", ContentProblem),
    (10, None, "(#10) Application does not have permission for this action", PermissionMissing),
    (190, 460, "Error validating access token: The session has been invalidated", AuthExpired),
    (4, None, "(#4) Application request limit reached", RateLimited),
    (100, 33, "Unsupported get request. Object with ID '17895731045244887' does not exist", ContentProblem),
    (2, None, "An unexpected error has occurred. Please retry your request later.", TransientError),
]


def ig_account():
    return SimpleNamespace(platform="instagram", handle="seoul_official", platform_user_id=IG_USER,
                           credentials={"access_token": "EAAGtestpagetoken"})


@pytest.mark.parametrize(("code", "subcode", "message", "expected"), INSTAGRAM_ROWS,
                         ids=[f"ig-{c}-{s}" for c, s, _, _ in INSTAGRAM_ROWS])
def test_every_instagram_code_is_classified(rsps, code, subcode, message, expected):
    from accounts.connectors import instagram

    add(rsps, "GET", IG_MEDIA, "", recording=fb_envelope(code, message, subcode))
    with pytest.raises(expected) as caught:
        instagram.InstagramConnector().fetch(ig_account(), "")
    assert type(caught.value) is expected
    assert "EAAGtestpagetoken" not in str(caught.value)


def test_every_instagram_table_row_is_tested():
    from accounts.connectors import instagram

    assert set(instagram.INSTAGRAM_CODES) <= {(c, s) for c, s, _, _ in INSTAGRAM_ROWS}


# YouTube: (status, reason, message as Google documents it, the error SMC must see), replayed at
# commentThreads.list (a poll) unless the row is about answering.
YT_CHANNEL = "UCa-vrCLQHviTOVnEKDOdetQ"
YT_THREADS = "https://www.googleapis.com/youtube/v3/commentThreads"
YT_COMMENTS = "https://www.googleapis.com/youtube/v3/comments"
YOUTUBE_ROWS = [
    (403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.", RateLimited, False),
    (403, "dailyLimitExceeded", "Daily Limit Exceeded", RateLimited, False),
    (403, "rateLimitExceeded", "Rate Limit Exceeded", RateLimited, False),
    (403, "userRateLimitExceeded", "User Rate Limit Exceeded", RateLimited, False),
    (401, "authError", "Invalid Credentials", AuthExpired, False),
    (403, "insufficientPermissions", "Request had insufficient authentication scopes.", PermissionMissing, False),
    (403, "forbidden", "The comment thread could not be created due to insufficient permissions.",
     PermissionMissing, True),
    (403, "commentsDisabled", "The channel has disabled comments.", AccountSuspended, False),
    (403, "commentsDisabled", "The video has disabled comments.", ContentProblem, True),
    (400, "keyInvalid", "Bad Request", AppProblem, False),
    (403, "accessNotConfigured", "YouTube Data API v3 has not been used in project 1 before or it is disabled.",
     AppProblem, False),
    (404, "channelNotFound", "The channel identified by the allThreadsRelatedToChannelId parameter cannot be found.",
     AccountSuspended, False),
    (404, "commentNotFound", "The comment identified by the parentId parameter could not be found.", ContentProblem,
     True),
    (404, "parentCommentNotFound", "The parent comment could not be found.", ContentProblem, True),
    (404, "videoNotFound", "The video could not be found.", ContentProblem, True),
    (403, "parentCommentIsPrivate", "The parent comment is private.", ContentProblem, True),
    (400, "commentTextTooLong", "The comment is too long.", ContentProblem, True),
    (503, "backendError", "The service is currently unavailable.", TransientError, False),
    (500, "", "Internal error", TransientError, False),
    (429, "", "Too many requests", RateLimited, False),
    (400, "processingFailure", "The API server failed to successfully process the request.", PermanentError, False),
]


def yt_account():
    return SimpleNamespace(platform="youtube", handle="seoullove", platform_user_id=YT_CHANNEL,
                           credentials={"access_token": "ya29.test-access-token"})


@pytest.mark.parametrize(("status", "reason", "message", "expected", "replying"), YOUTUBE_ROWS,
                         ids=[f"yt-{s}-{r}-{'reply' if p else 'poll'}" for s, r, _, _, p in YOUTUBE_ROWS])
def test_every_youtube_error_is_classified(rsps, status, reason, message, expected, replying):
    from django.core.cache import cache

    from accounts.connectors import youtube

    cache.delete_pattern("youtube:*")
    errors = [{"message": message, "domain": "youtube.commentThread", "reason": reason}] if reason else []
    recording = {"status": status, "headers": {"content-type": "application/json; charset=UTF-8"},
                 "body": {"error": {"code": status, "message": message, "errors": errors}}}
    add(rsps, "POST" if replying else "GET", YT_COMMENTS if replying else YT_THREADS, "", recording=recording)
    connector = youtube.YouTubeConnector()
    with pytest.raises(expected) as caught:
        if replying:
            connector.reply(yt_account(), "UgyWeTdgc4sc1xgmbld4AaABAg", "답변")
        else:
            connector.fetch(yt_account(), "")
    assert type(caught.value) is expected
    assert "ya29.test-access-token" not in str(caught.value)


def test_every_youtube_reason_is_tested():
    from accounts.connectors import youtube

    assert set(youtube.REASONS) <= {reason for _, reason, _, _, _ in YOUTUBE_ROWS}
    assert set(youtube.HTTP_STATUSES) - {502, 504} <= {status for status, _, _, _, _ in YOUTUBE_ROWS}

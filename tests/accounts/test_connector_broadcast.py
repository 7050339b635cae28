"""What broadcasts need of the connectors, against recorded responses in the platforms' wire format:
a post, an X reply under the original post (Update/Cancel threading), and finding our earlier post by
the alert's identifier before a retry."""

import json
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
import responses
from responses import matchers

from accounts.connectors.base import AuthExpired, CannotLook, RateLimited
from accounts.connectors.facebook import FacebookConnector
from accounts.connectors.simulator import SimulatorConnector
from accounts.connectors.x import XConnector

from .recordings import add, load

X_USER = "1240217562"
TWEETS = "https://api.twitter.com/2/tweets"
USER_TWEETS = f"https://api.twitter.com/2/users/{X_USER}/tweets"
PAGE = "112233445566778"
FEED = f"https://graph.facebook.com/v24.0/{PAGE}/feed"
MARKER = "SMC-20240502-1A2B3C4D"


def x_account():
    return SimpleNamespace(platform="x", handle="seoulmania", platform_user_id=X_USER, credentials={
        "consumer_key": "ck", "consumer_secret": "cs", "access_token": "at", "access_token_secret": "ats"})


def fb_account():
    return SimpleNamespace(platform="facebook", handle="seoul.city", platform_user_id=PAGE,
                           credentials={"page_access_token": "EAAGtestpagetoken"})


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_x_update_is_posted_as_a_reply_to_the_original_post(rsps):
    add(rsps, "POST", TWEETS, "x_create_tweet.json")
    XConnector().reply(x_account(), "1785900000000000021", "[정정] 호우경보 해제")
    assert json.loads(rsps.calls[0].request.body) == {
        "text": "[정정] 호우경보 해제", "reply": {"in_reply_to_tweet_id": "1785900000000000021"}}


def test_x_find_post_matches_the_expanded_link_not_the_tco_text(rsps):
    add(rsps, "GET", USER_TWEETS, "x_users_tweets_broadcast.json",
        match=[matchers.query_param_matcher({"max_results": "100"}, strict_match=False)])
    assert XConnector().find_post(x_account(), MARKER) == "1785900000000000021"
    assert "entities" in rsps.calls[0].request.url


def test_x_find_post_returns_none_when_the_alert_is_not_there(rsps):
    add(rsps, "GET", USER_TWEETS, "x_users_tweets_broadcast.json")
    assert XConnector().find_post(x_account(), "SMC-20990101-FFFFFFFF") is None


def test_x_429_on_post_is_rate_limited_with_the_reset_time(rsps):
    add(rsps, "POST", TWEETS, "x_429.json")
    with pytest.raises(RateLimited) as info:
        XConnector().post(x_account(), "[긴급] 한파경보")
    reset = int(load("x_429.json")["headers"]["x-rate-limit-reset"])
    assert int(info.value.reset_at.timestamp()) == reset


def test_x_401_on_post_is_auth_expired(rsps):
    add(rsps, "POST", TWEETS, "x_401.json")
    with pytest.raises(AuthExpired):
        XConnector().post(x_account(), "[긴급] 한파경보")


def test_facebook_post_goes_to_the_page_feed_in_graph_wire_format(rsps):
    add(rsps, "POST", FEED, "fb_post_created.json")
    assert FacebookConnector().post(fb_account(), "[긴급] 한파경보\n\nhttps://smc.seoul.go.kr/alerts/X/") \
        == f"{PAGE}_990000000000009"
    form = parse_qs(rsps.calls[0].request.body)
    assert form["message"] == ["[긴급] 한파경보\n\nhttps://smc.seoul.go.kr/alerts/X/"]


def test_facebook_find_post_finds_the_pages_own_post_and_ignores_visitors(rsps):
    add(rsps, "GET", FEED, "fb_page_feed_broadcast.json")
    # A visitor quoted the link first (newer); only the page's own post counts.
    assert FacebookConnector().find_post(fb_account(), MARKER) == f"{PAGE}_990000000000029"


def test_facebook_find_post_returns_none_when_absent(rsps):
    add(rsps, "GET", FEED, "fb_page_feed_broadcast.json")
    assert FacebookConnector().find_post(fb_account(), "SMC-20990101-FFFFFFFF") is None


def test_facebook_expired_token_on_post_is_auth_expired(rsps):
    add(rsps, "POST", FEED, "fb_error_190.json")
    with pytest.raises(AuthExpired):
        FacebookConnector().post(fb_account(), "[긴급] 한파경보")


def test_simulator_post_and_find():
    simulator = SimulatorConnector()
    assert simulator.post(fb_account(), "[훈련] 안내").startswith("sim-")
    with pytest.raises(CannotLook):  # it keeps nothing to search: never "not found"
        simulator.find_post(fb_account(), MARKER)

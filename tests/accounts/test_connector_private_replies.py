"""Private answers to direct messages, at the platforms' real URLs: X's DM send with the user-context
token, Messenger's Send API inside its reply window (RESPONSE within 24 hours, the HUMAN_AGENT tag up
to 7 days when the app has it, otherwise refused with the message staff see)."""

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
import responses

from accounts.connectors import facebook, x
from accounts.connectors.base import ContentProblem, PermissionMissing

from .recordings import add, load

PAGE = "112233445566778"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"
G = "https://graph.facebook.com/v24.0"


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_x_dm_answer_goes_to_the_sender_with_the_user_token(rsps):
    account = SimpleNamespace(platform="x", handle="seoulmania", platform_user_id="1240217562",
                              credentials={"bearer_token": "app", "dm_user_token": "dmUserContextToken"})
    sent = add(rsps, "POST", "https://api.twitter.com/2/dm_conversations/with/9100000020/messages", "x_dm_sent.json")
    answer = "안녕하세요, 서울시입니다. 싱크홀 신고 접수했습니다."
    external_id = x.XConnector(client_factory=x.make_client).reply(
        account, "dm:9100000020:1865000000000000003", answer, private=True)
    assert external_id == "dm:1240217562:1865000000000000009"
    assert sent.calls[0].request.headers["Authorization"] == "Bearer dmUserContextToken"
    assert json.loads(sent.calls[0].request.body) == {"text": answer}


def test_x_dm_answer_without_dm_permission_names_it():
    account = SimpleNamespace(platform="x", handle="seoulmania", platform_user_id="1240217562",
                              credentials={"bearer_token": "app"})
    with pytest.raises(PermissionMissing) as caught:
        x.XConnector().reply(account, "dm:9100000020:1", "답변", private=True)
    assert caught.value.name == "dm.write"


def fb_account(**extra):
    return SimpleNamespace(platform="facebook", handle="seoul", platform_user_id=PAGE,
                           credentials={"page_access_token": "EAAGtestpagetoken", **extra})


def asked(hours_ago):
    recording = load("fb_message_asked.json")
    created = datetime.now(UTC) - timedelta(hours=hours_ago)
    recording["body"]["created_time"] = created.strftime("%Y-%m-%dT%H:%M:%S+0000")
    return recording


def test_messenger_answer_within_24_hours_is_a_response(rsps):
    add(rsps, "GET", f"{G}/{MID}", "", recording=asked(3))
    sent = add(rsps, "POST", f"{G}/{PAGE}/messages", "fb_message_sent.json")
    assert facebook.FacebookConnector().reply(fb_account(), MID, "확인했습니다", private=True).startswith("m_sent")
    form = {k: v[0] for k, v in parse_qs(sent.calls[0].request.body).items()}
    assert form["messaging_type"] == "RESPONSE" and "tag" not in form
    assert json.loads(form["recipient"]) == {"id": "6543210987654321"}
    assert json.loads(form["message"]) == {"text": "확인했습니다"}


def test_messenger_answer_after_24_hours_uses_human_agent_when_configured(rsps):
    add(rsps, "GET", f"{G}/{MID}", "", recording=asked(72))
    sent = add(rsps, "POST", f"{G}/{PAGE}/messages", "fb_message_sent.json")
    facebook.FacebookConnector().reply(fb_account(human_agent=True), MID, "확인했습니다", private=True)
    form = {k: v[0] for k, v in parse_qs(sent.calls[0].request.body).items()}
    assert (form["messaging_type"], form["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


@pytest.mark.parametrize(("hours", "human_agent"), [(25, False), (24 * 7 + 1, True)])
def test_messenger_answer_past_the_window_is_refused_before_sending(rsps, hours, human_agent):
    add(rsps, "GET", f"{G}/{MID}", "", recording=asked(hours))
    with pytest.raises(ContentProblem) as caught:
        facebook.FacebookConnector().reply(fb_account(human_agent=human_agent), MID, "답변", private=True)
    assert "답변 가능 기간이 지났습니다" in str(caught.value)


def test_reply_terms_for_the_staff_screen():
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert facebook.messenger_reply_terms(now - timedelta(hours=23), now, False) == {"messaging_type": "RESPONSE"}
    assert facebook.messenger_reply_terms(now - timedelta(hours=25), now, False) is None
    assert facebook.messenger_reply_terms(now - timedelta(days=6), now, True)["tag"] == "HUMAN_AGENT"


def test_x_looks_for_an_interrupted_dm_answer_in_the_conversation(rsps):
    account = SimpleNamespace(platform="x", handle="seoulmania", platform_user_id="1240217562",
                              credentials={"bearer_token": "app", "dm_user_token": "dmUserContextToken"})
    conversation = "https://api.twitter.com/2/dm_conversations/with/9100000021/dm_events"
    add(rsps, "GET", conversation, "x_dm_events_page1.json")
    connector = x.XConnector(client_factory=x.make_client)
    # The recorded conversation holds our "네, 확인해 보겠습니다." (event ...002) and not another text.
    assert connector.find_reply(account, "dm:9100000021:1865000000000000001", "네, 확인해  보겠습니다.") == \
        "dm:1240217562:1865000000000000002"
    add(rsps, "GET", conversation, "x_dm_events_page1.json")
    assert connector.find_reply(account, "dm:9100000021:1865000000000000001", "다른 답변") is None


def test_a_messenger_answer_cannot_be_looked_for():
    from accounts.connectors.base import CannotLook

    with pytest.raises(CannotLook):
        facebook.FacebookConnector().find_reply(fb_account(), MID, "답변")

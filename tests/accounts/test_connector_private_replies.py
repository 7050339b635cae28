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


# fb_message_asked.json: the message answered was sent at ASKED; fb_conversation_with_person.json:
# the same person wrote again at LAST_ASKED (the page answered in between). The window counts from
# LAST_ASKED.
ASKED = datetime(2026, 12, 6, 8, 59, tzinfo=UTC)
LAST_ASKED = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def register_asked(rsps):
    add(rsps, "GET", f"{G}/{MID}", "fb_message_asked.json")
    return add(rsps, "GET", f"{G}/{PAGE}/conversations", "fb_conversation_with_person.json")


def connector_at(now):
    return facebook.FacebookConnector(clock=lambda: now)


def sent_form(sent):
    return {k: v[0] for k, v in parse_qs(sent.calls[0].request.body).items()}


def test_messenger_answer_within_24_hours_of_the_last_message_is_a_response(rsps):
    conversation = register_asked(rsps)
    sent = add(rsps, "POST", f"{G}/{PAGE}/messages", "fb_message_sent.json")
    # 23:59:59 after the person's last message, 26 hours after the message being answered.
    reply = connector_at(LAST_ASKED + timedelta(hours=24) - SECOND).reply(fb_account(), MID, "확인했습니다",
                                                                           private=True)
    assert reply.startswith("m_sent")
    asked_for = parse_qs(conversation.calls[0].request.url.split("?", 1)[1])
    assert asked_for["user_id"] == ["6543210987654321"] and asked_for["platform"] == ["messenger"]
    form = sent_form(sent)
    assert form["messaging_type"] == "RESPONSE" and "tag" not in form
    assert json.loads(form["recipient"]) == {"id": "6543210987654321"}
    assert json.loads(form["message"]) == {"text": "확인했습니다"}


@pytest.mark.parametrize("after", [timedelta(hours=24), timedelta(hours=24) + SECOND])
def test_messenger_answer_at_24_hours_is_refused_with_a_code_before_sending(rsps, after):
    register_asked(rsps)  # no Send API call is registered: a send would fail the test
    with pytest.raises(facebook.ReplyWindowClosed) as caught:
        connector_at(LAST_ASKED + after).reply(fb_account(), MID, "답변", private=True)
    assert caught.value.code == "reply_window_closed" and isinstance(caught.value, ContentProblem)


def test_messenger_answer_after_24_hours_uses_human_agent_when_configured(rsps):
    register_asked(rsps)
    sent = add(rsps, "POST", f"{G}/{PAGE}/messages", "fb_message_sent.json")
    connector_at(LAST_ASKED + timedelta(days=7) - SECOND).reply(fb_account(human_agent=True), MID, "확인했습니다",
                                                                 private=True)
    form = sent_form(sent)
    assert (form["messaging_type"], form["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_messenger_answer_past_7_days_is_refused_even_with_human_agent(rsps):
    register_asked(rsps)
    with pytest.raises(facebook.ReplyWindowClosed):
        connector_at(LAST_ASKED + timedelta(days=7) + SECOND).reply(fb_account(human_agent=True), MID, "답변",
                                                                    private=True)


def test_messenger_window_counts_from_the_answered_message_when_the_person_wrote_nothing_later(rsps):
    add(rsps, "GET", f"{G}/{MID}", "fb_message_asked.json")
    only_first = load("fb_conversation_with_person.json")
    del only_first["body"]["data"][0]["messages"]["data"][0]  # the later message
    add(rsps, "GET", f"{G}/{PAGE}/conversations", "", recording=only_first)
    with pytest.raises(facebook.ReplyWindowClosed):
        connector_at(ASKED + timedelta(hours=24) + SECOND).reply(fb_account(), MID, "답변", private=True)


def test_reply_terms_at_the_boundaries():
    last = datetime(2026, 12, 6, 12, tzinfo=UTC)
    terms = facebook.messenger_reply_terms
    assert terms(last, last + timedelta(hours=24) - SECOND, False) == {"messaging_type": "RESPONSE"}
    assert terms(last, last + timedelta(hours=24), False) is None
    assert terms(last, last + timedelta(hours=24) + SECOND, False) is None
    assert terms(last, last + timedelta(hours=24) + SECOND, True)["tag"] == "HUMAN_AGENT"
    assert terms(last, last + timedelta(days=7) - SECOND, True)["tag"] == "HUMAN_AGENT"
    assert terms(last, last + timedelta(days=7) + SECOND, True) is None


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

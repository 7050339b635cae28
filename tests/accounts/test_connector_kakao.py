"""The KakaoTalk channel connector: the Open Builder Event API replayed at its real URL (requests as the
documentation gives them: KakaoAK key, event name and data, at most 100 users a call), its error
codes one row each, the skill payload's parsing and the skill response's shape."""

import copy
import json
from types import SimpleNamespace

import pytest
import responses
from responses import matchers

from accounts.connectors import kakao
from accounts.connectors.base import (
    AccountSuspended,
    AppProblem,
    AuthExpired,
    CannotLook,
    Code,
    ContentProblem,
    PermanentError,
    PermissionMissing,
    RateLimited,
    TransientError,
)

from .recordings import add, load

BOT = "667e5382f2b2f84cb555091c"
TALK = f"https://bot-api.kakao.com/v2/bots/{BOT}/talk"
USER = "fdc236a66636a5f21bcdf3b4589ac2318b3373528cbdcb5c2362f3cc7a4c3f05c9"
CREDENTIALS = {"bot_id": BOT, "rest_api_key": "0123456789abcdef0123456789abcdef", "event_name": "smc_answer",
               "broadcast_event_name": "smc_alert", "skill_secret": "s3cret"}


def account(**credentials):
    return SimpleNamespace(platform="kakao", handle="_seoulcity", platform_user_id="",
                           credentials={**CREDENTIALS, **credentials})


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def audience():
    users: list[str] = []
    registered = list(kakao._audience)
    kakao.register_audience(lambda account: users)
    yield users
    kakao._audience[:] = registered


def test_an_answer_goes_to_its_user_through_the_event_api(rsps):
    sent = add(rsps, "POST", TALK, "kakao_event_accepted.json", match=[matchers.json_params_matcher({
        "event": {"name": "smc_answer", "data": {"text": "보도블록은 이번 주 안에 보수하겠습니다."}},
        "user": [{"type": "botUserKey", "id": USER}],
    })])
    task = kakao.KakaoConnector().reply(account(), f"{USER}:0a1b2c3d4e5f6a7b",
                                        "보도블록은 이번 주 안에 보수하겠습니다.", private=True)
    assert task == "5f767a00-2ac6-408a-865b-be66ede611a2"
    assert sent.calls[0].request.headers["Authorization"] == "KakaoAK 0123456789abcdef0123456789abcdef"


def test_a_long_answer_is_cut_to_the_speech_bubbles_limit(rsps):
    sent = add(rsps, "POST", TALK, "kakao_event_accepted.json")
    kakao.KakaoConnector().reply(account(), f"{USER}:d", "가" * 1500, private=True)
    text = json.loads(sent.calls[0].request.body)["event"]["data"]["text"]
    assert len(text) == kakao.TEXT_LIMIT and text.endswith("…")


def test_the_development_channel_is_addressed_with_a_bang(rsps):
    add(rsps, "POST", TALK.replace(BOT, BOT + "!"), "kakao_event_accepted.json")
    assert kakao.KakaoConnector().reply(account(dev_channel=True), f"{USER}:d", "답변", private=True)


def test_a_kakao_chat_has_no_public_reply_and_an_unconfigured_bot_sends_nothing(rsps):
    with pytest.raises(PermanentError) as public:
        kakao.KakaoConnector().reply(account(), f"{USER}:d", "답변")
    assert public.value.code == Code.NOT_SUPPORTED
    with pytest.raises(PermanentError) as unconfigured:
        kakao.KakaoConnector().reply(account(rest_api_key=""), f"{USER}:d", "답변", private=True)
    assert unconfigured.value.code == Code.NOT_CONFIGURED
    assert not rsps.calls


def test_a_status_other_than_success_is_not_taken_for_sent(rsps):
    add(rsps, "POST", TALK, "kakao_event_not_accepted.json")
    with pytest.raises(PermanentError, match="FAIL"):
        kakao.KakaoConnector().reply(account(), f"{USER}:d", "답변", private=True)


def test_a_broadcast_goes_out_in_batches_of_100_and_counts_who_was_sent(rsps, audience):
    audience.extend(f"user{n:03d}" for n in range(250))
    audience.append("user007")  # the same user twice is sent once
    batches = []
    for _ in range(3):
        batches.append(add(rsps, "POST", TALK, "kakao_event_accepted.json"))
    external_id = kakao.KakaoConnector().post(account(), "[서울시 긴급] 한파 경보")
    bodies = [json.loads(call.request.body) for call in rsps.calls]
    assert [len(b["user"]) for b in bodies] == [100, 100, 50]
    assert {b["event"]["name"] for b in bodies} == {"smc_alert"}
    assert len({u["id"] for b in bodies for u in b["user"]}) == 250
    assert kakao.broadcast_reach(external_id) == 250
    assert external_id.startswith("5f767a00-2ac6-408a-865b-be66ede611a2#")


def test_a_broadcast_that_fails_midway_reports_only_the_users_already_sent(rsps, audience):
    audience.extend(f"user{n:03d}" for n in range(250))
    add(rsps, "POST", TALK, "kakao_event_accepted.json")
    add(rsps, "POST", TALK, "kakao_error_10.json")
    external_id = kakao.KakaoConnector().post(account(), "[서울시 긴급] 한파 경보")
    assert kakao.broadcast_reach(external_id) == 100 and external_id.endswith("#100/250")
    assert len(rsps.calls) == 2  # the users already sent to do not get it twice on a retry


def test_a_broadcast_whose_first_call_fails_raises_and_one_without_users_is_refused(rsps, audience):
    with pytest.raises(PermanentError) as nobody:
        kakao.KakaoConnector().post(account(), "알림")
    assert nobody.value.code == Code.NO_AUDIENCE
    audience.append(USER)
    add(rsps, "POST", TALK, "kakao_error_401.json")
    with pytest.raises(AuthExpired):
        kakao.KakaoConnector().post(account(), "알림")


# (recording, the error SMC must see): Kakao's common error codes (developers.kakao.com, error-code).
ROWS = [
    ("kakao_error_401.json", AuthExpired),
    ("kakao_error_10.json", RateLimited),
    ("kakao_error_3.json", AppProblem),
    ("kakao_error_11.json", AppProblem),
    ("kakao_error_5.json", PermissionMissing),
    ("kakao_error_2.json", ContentProblem),
    ("kakao_error_4.json", AccountSuspended),
    ("kakao_error_9798.json", TransientError),
    ("kakao_error_502.json", TransientError),
]


@pytest.mark.parametrize(("name", "error"), ROWS)
def test_each_documented_error_code_becomes_the_error_smc_acts_on(rsps, name, error):
    add(rsps, "POST", TALK, name)
    with pytest.raises(error) as raised:
        kakao.KakaoConnector().reply(account(), f"{USER}:d", "답변", private=True)
    assert type(raised.value) is error
    assert "0123456789abcdef" not in str(raised.value)  # the key is never in an error


def test_every_code_of_the_table_has_a_row_and_unknown_codes_are_permanent():
    recorded = {load(name)["body"]["code"] for name, _ in ROWS if "body" in load(name)}
    assert recorded <= set(kakao.ERROR_CODES)
    assert type(kakao.classify(400, {"code": -999, "msg": "?"})) is PermanentError
    assert type(kakao.classify(400, {"code": -1, "msg": "internal"})) is TransientError


def test_a_connection_error_is_transient(rsps):
    import requests

    rsps.add(responses.POST, TALK, body=requests.ConnectionError("reset by peer"))
    with pytest.raises(TransientError):
        kakao.KakaoConnector().reply(account(), f"{USER}:d", "답변", private=True)


def test_a_tasks_result_is_read_at_its_url(rsps):
    task = "bf46deb1-0f4e-4837-96ea-02428d4d691c"
    add(rsps, "GET", f"https://bot-api.kakao.com/v1/tasks/{task}", "kakao_task_1_fail.json")
    result = kakao.KakaoConnector().task_result(account(), task)
    assert (result["allRequestCount"], result["successCount"], result["fail"]["count"]) == (2, 1, 1)


def test_push_only_nothing_to_poll_nothing_to_search():
    connector = kakao.KakaoConnector()
    batch = connector.fetch(account(), "cursor-1")
    assert batch.items == [] and batch.next_cursor == "cursor-1"
    assert connector.sync(account(), ["a:b"]).unchanged == ["a:b"]
    with pytest.raises(CannotLook):
        connector.find_reply(account(), f"{USER}:d", "답변")
    with pytest.raises(CannotLook):
        connector.find_post(account(), "SMC-1")


def test_the_skill_payload_is_read_as_documented():
    request = kakao.parse_skill(load("kakao_skill_request.json")["body"])
    assert request.bot_id == BOT and request.user_key == USER and request.is_friend is True
    assert request.plusfriend_user_key == "Zr5qPpT1sY0x" and "보도블록" in request.utterance
    assert kakao.user_of(kakao.skill_external_id(request.user_key, "abcd")) == USER


@pytest.mark.parametrize("mutate", [
    lambda p: p.pop("userRequest"),
    lambda p: p.pop("bot"),
    lambda p: p["userRequest"].pop("user"),
    lambda p: p["userRequest"]["user"].update(id=""),
    lambda p: p["userRequest"]["user"].update(id="k\x00ey"),
    lambda p: p["userRequest"]["user"].update(id="k" * 200),
    lambda p: p["userRequest"].update(utterance=["list"]),
    lambda p: p["bot"].update(id=None),
])
def test_a_malformed_skill_payload_is_refused(mutate):
    payload = copy.deepcopy(load("kakao_skill_request.json")["body"])
    mutate(payload)
    with pytest.raises(ValueError):
        kakao.parse_skill(payload)


def test_the_skill_response_has_the_documented_shape():
    body = kakao.skill_response("하나", "둘" * 2000, "셋", "넷")
    assert body["version"] == "2.0"
    outputs = body["template"]["outputs"]
    assert len(outputs) == 3 and outputs[0] == {"simpleText": {"text": "하나"}}
    assert len(outputs[1]["simpleText"]["text"]) == kakao.TEXT_LIMIT
    assert body["template"]["quickReplies"] == [
        {"label": "답변 확인", "action": "message", "messageText": "답변 확인"},
        {"label": "새 질문", "action": "message", "messageText": "새 질문"},
    ]


def test_the_secret_is_compared_and_never_empty():
    assert kakao.secret_matches("s3cret", "s3cret")
    assert not kakao.secret_matches("s3cre", "s3cret")
    assert not kakao.secret_matches("", "")
    assert not kakao.secret_matches(None, "s3cret")

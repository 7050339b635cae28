"""get_connector's choice of connector, and split_reply's parts (what staff preview and reply() posts)."""

from types import SimpleNamespace

import pytest
from twitter_text import parse_tweet

from accounts.connectors import get_connector, split_reply
from accounts.connectors.base import Code, PermanentError
from accounts.connectors.facebook import FacebookConnector
from accounts.connectors.instagram import InstagramConnector
from accounts.connectors.kakao import KakaoConnector
from accounts.connectors.simulator import SimulatorConnector
from accounts.connectors.x import XConnector
from accounts.connectors.youtube import YouTubeConnector
from accounts.models import Account


def account(platform, credentials=None):
    return SimpleNamespace(platform=platform, handle="h", platform_user_id="1", credentials=credentials or {})


@pytest.mark.parametrize("simulate, credentials, platform, expected", [
    (True, None, "x", SimulatorConnector),
    (True, None, "facebook", SimulatorConnector),
    (False, None, "x", XConnector),
    (False, None, "facebook", FacebookConnector),
    (True, {"bearer_token": "t"}, "x", XConnector),
    (True, {"page_access_token": "t"}, "facebook", FacebookConnector),
    (True, None, "instagram", SimulatorConnector),
    (True, None, "youtube", SimulatorConnector),
    (False, None, "instagram", InstagramConnector),
    (False, None, "youtube", YouTubeConnector),
    (True, {"access_token": "t"}, "instagram", InstagramConnector),
    (True, {"refresh_token": "t"}, "youtube", YouTubeConnector),
    (True, None, "kakao", SimulatorConnector),
    (False, None, "kakao", KakaoConnector),
    (True, {"bot_id": "b", "rest_api_key": "k"}, "kakao", KakaoConnector),
])
def test_get_connector_choice(settings, simulate, credentials, platform, expected):
    settings.SMC_SIMULATE = simulate
    assert type(get_connector(account(platform, credentials))) is expected


def test_registry_account_uses_has_credentials(settings):
    settings.SMC_SIMULATE = True
    assert type(get_connector(Account(platform="x", handle="seoulmania"))) is SimulatorConnector


@pytest.mark.parametrize("platform", ["phone", "web"])
def test_unsupported_platforms_are_refused(settings, platform):
    settings.SMC_SIMULATE = True
    with pytest.raises(PermanentError):
        get_connector(account(platform))


def test_closed_platform_says_why(settings):
    from accounts.connectors.me2day import CLOSED_REASON

    settings.SMC_SIMULATE = True
    with pytest.raises(PermanentError) as exc:
        get_connector(account("me2day"))
    assert exc.value.code == Code.PLATFORM_CLOSED and str(exc.value) == str(CLOSED_REASON)


def test_a_platform_is_found_through_the_registry(settings, monkeypatch):
    """A new platform is its module plus one CONNECTORS entry; get_connector needs no change."""
    from accounts import connectors

    class LineConnector:
        pass

    settings.SMC_SIMULATE = False
    with pytest.raises(PermanentError):
        get_connector(account("line"))
    monkeypatch.setitem(connectors.CONNECTORS, "line", LineConnector)
    assert type(get_connector(account("line"))) is LineConnector


def test_every_registered_connector_speaks_the_interface():
    from accounts.connectors import CONNECTORS

    for platform, connector in CONNECTORS.items():
        for method in ("fetch", "reply", "post", "find_reply", "find_post", "sync"):
            assert callable(getattr(connector, method, None)), (platform, method)


def _valid_x(part):
    result = parse_tweet(part)
    return result.valid and result.weightedLength <= 280


def test_short_reply_is_one_unnumbered_part():
    assert split_reply("x", "  답변드립니다 😊  ") == ["답변드립니다 😊"]
    assert split_reply("x", "   ") == []
    assert split_reply("phone", "전화 답변") == ["전화 답변"]


def test_korean_counts_double_on_x():
    assert split_reply("x", "가" * 140) == ["가" * 140]  # exactly 280
    parts = split_reply("x", "가" * 141)
    assert len(parts) == 2 and all(_valid_x(p) for p in parts)
    assert "".join(p.split(") ", 1)[1] for p in parts) == "가" * 141


def test_long_answer_is_numbered_and_every_part_valid():
    answer = ("서울시 교통정책과입니다. 말씀하신 버스 노선 조정은 https://news.seoul.go.kr/traffic 에서 "
              "확인하실 수 있습니다. ") * 40
    parts = split_reply("x", answer)
    assert len(parts) > 9  # two-digit numbering
    for number, part in enumerate(parts, start=1):
        assert part.startswith(f"({number}/{len(parts)}) ") and _valid_x(part)
    assert " ".join(p.split(") ", 1)[1] for p in parts).split() == answer.split()


def test_emoji_sequences_are_never_cut():
    family = "👩\u200d👩\u200d👧\u200d👦"
    parts = split_reply("x", family * 400)
    assert len(parts) > 1
    for part in parts:
        body = part.split(") ", 1)[1]
        assert _valid_x(part) and body == family * (len(body) // len(family))


def test_invalid_characters_are_removed_for_x():
    parts = split_reply("x", "답변\ufeff입니다\uffff")
    assert parts == ["답변입니다"]


def test_a_100_kb_answer_splits_into_valid_parts():
    text = ("민원 답변 본문입니다 🚌 https://seoul.go.kr/a " * 4000)[:100_000]
    parts = split_reply("x", text)
    assert all(_valid_x(p) for p in parts)
    assert parts[-1].startswith(f"({len(parts)}/{len(parts)}) ")


def test_facebook_parts_stay_under_8000_characters():
    assert split_reply("facebook", "가" * 8000) == ["가" * 8000]
    parts = split_reply("facebook", "가나다 " * 5000)
    assert len(parts) == 3 and all(len(p) <= 8000 for p in parts)
    assert parts[0].startswith("(1/3) ")

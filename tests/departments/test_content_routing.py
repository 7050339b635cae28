"""Content-first routing (issue 14): the receiving account is evidence, not a verdict."""

import pytest
from django.test import override_settings

from departments.models import Division
from departments.routing import Incoming, Router


@pytest.fixture
def router(seeded):
    return Router()


def code(name):
    return Division.objects.get(code=name)


def test_a_confident_division_of_another_field_overrides_the_account_and_says_so(router):
    item = Incoming(text="집주인이 전세 보증금을 안 돌려줘요", topic="housing", confident=True,
                    account_label="@seoul_traffic", account_division_id=code("transport-policy").pk,
                    account_is_central=False, division_code="rental-support", division_confidence=0.91)
    d = router.route(item)
    assert d.division.code == "rental-support" and d.rule == "content"
    assert d.reason == "@seoul_traffic으로 받았으나 내용상 주택 (부서 분류 신뢰도 0.91) → 전월세지원과"


def test_a_keyword_rule_of_another_division_overrides_the_account_when_the_model_is_unsure(router):
    item = Incoming(text="보증금 언제 돌려받나요ㅠ", topic="transport", confident=False,
                    account_label="@seoul_traffic", account_division_id=code("transport-policy").pk,
                    account_is_central=False, division_code="bus-policy", division_confidence=0.2)
    d = router.route(item)
    assert d.division.code == "rental-support" and d.rule == "rule"
    assert d.reason.startswith("@seoul_traffic으로 받았으나 내용상 전월세 (배정 규칙")
    assert "키워드 '보증금'" in d.reason and d.reason.endswith("→ 전월세지원과")


def test_ambiguous_content_stays_with_the_owning_division(router):
    item = Incoming(text="늘 수고 많으십니다", topic="other", confident=False, account_label="@seoul_welfare",
                    account_division_id=code("welfare-policy").pk, account_is_central=False,
                    division_code="disaster-safety", division_confidence=0.3)
    d = router.route(item)
    assert d.division.code == "welfare-policy" and d.rule == "account"
    assert d.reason == "담당 부서 계정 @seoul_welfare으로 받은 메시지 → 복지정책과"


def test_content_of_the_owner_itself_stays_with_the_owner(router):
    item = Incoming(text="경로당 에어컨 고장", topic="welfare", confident=True, account_label="@seoul.senior",
                    account_division_id=code("senior-welfare").pk, account_is_central=False,
                    division_code="senior-welfare", division_confidence=0.95)
    assert router.route(item).rule == "account"


def test_below_the_threshold_on_a_central_account_goes_to_the_desk(router):
    item = Incoming(text="이거 어디에 물어봐야 하나요", topic="other", confident=False,
                    account_label="@seoulmania", account_division_id=code("new-media").pk,
                    account_is_central=True, division_code="parks", division_confidence=0.2)
    d = router.route(item)
    assert d.division.is_smc_desk and d.rule == "desk"
    assert d.reason == "중앙 계정 @seoulmania: 분류 신뢰도 낮음 → SMC 데스크 분류 확인"
    # The same content, sure enough: the model's division.
    sure = Incoming(**{**item.__dict__, "division_confidence": 0.4})
    assert router.route(sure).division.code == "parks"


def test_the_desk_class_of_the_model_never_takes_a_message_from_its_owner(router):
    item = Incoming(text="오늘도 수고 많으셨어요", topic="other", confident=True, account_label="@seoul_welfare",
                    account_division_id=code("welfare-policy").pk, account_is_central=False,
                    division_code="new-media", division_confidence=0.97)
    assert router.route(item).division.code == "welfare-policy"


def test_thresholds_follow_settings(seeded):
    item = Incoming(text="화장실 청소 좀 해주세요", topic="environment", confident=True, account_label="@seoul_bus",
                    account_division_id=code("bus-policy").pk, account_is_central=False,
                    division_code="parks", division_confidence=0.7)
    with override_settings(SMC_ROUTING_OVERRIDE=0.8):
        assert Router().route(item).division.code == "bus-policy"
    with override_settings(SMC_ROUTING_OVERRIDE=0.6):
        assert Router().route(item).division.code == "parks"

import pytest

from departments.models import Division, RoutingRule
from departments.routing import Incoming, Router, keyword_hit, seed_rules

pytestmark = pytest.mark.django_db


def div(code):
    return Division.objects.get(code=code)


@pytest.fixture
def router(seeded):
    seed_rules()
    return Router()


def test_division_account_keeps_what_the_content_does_not_claim_for_another_division(router):
    # Issue 14: the account is evidence, not a verdict (a keyword of another division wins, see
    # test_content_routing.py); content that names no other division stays with the owner.
    bus = div("bus-policy")
    decision = router.route(Incoming(text="오늘 출근길 너무 힘들었어요", topic="environment", confident=True,
                                     account_label="@seoul_bus", account_division_id=bus.pk,
                                     account_is_central=False))
    assert decision.division == bus and decision.rule == "account"
    assert "@seoul_bus" in decision.reason and "버스정책과" in decision.reason


def test_central_account_keyword_rules_in_priority_order(router):
    # "버스" (priority 20) and "눈" (priority 10) both match: the snow rule wins.
    d = router.route(Incoming(text="버스정류장 앞 눈 좀 치워주세요", terms=frozenset({"버스", "눈", "정류장"}),
                              account_label="@seoulmania"))
    assert d.division == div("road-management")
    assert "제설" in d.reason and "'눈'" in d.reason
    d = router.route(Incoming(text="전세 보증금을 못 받고 있어요", account_label="@seoulmania"))
    assert d.division == div("rental-support")
    d = router.route(Incoming(text="오늘 미세먼지 심하네요", account_label="@seoul_mayor"))
    assert d.division == div("air-quality")


def test_one_syllable_keyword_matches_a_whole_morpheme_only():
    assert keyword_hit("눈", "눈이 와요", {"눈", "오"})
    assert not keyword_hit("눈", "눈물이 나요", {"눈물", "나"})
    assert keyword_hit("전세", "전세사기 당했어요", set())


def test_topic_rule_needs_a_confident_classification(router):
    text = "지하철 연장 계획이 궁금합니다"
    confident = router.route(Incoming(text=text, topic="transport", confident=True, account_label="@seoulmania"))
    assert confident.division == div("transport-policy") and confident.rule == "rule"
    unsure = router.route(Incoming(text=text, topic="transport", confident=False, account_label="@seoulmania"))
    assert unsure.division.is_smc_desk and unsure.rule == "desk"
    assert "신뢰도" in unsure.reason


def test_no_rule_matches_goes_to_the_desk(router):
    d = router.route(Incoming(text="시장님 화이팅", topic="other", confident=True, account_label="@seoul_mayor"))
    assert d.division.is_smc_desk and "일치하는 배정 규칙 없음" in d.reason


def test_inactive_rules_are_skipped_and_rules_are_editable(seeded):
    seed_rules()
    RoutingRule.objects.filter(name="제설·빙판").update(is_active=False)
    RoutingRule.objects.create(priority=1, name="눈 → 안전총괄", keywords="폭설", division=div("safety-general"))
    d = Router().route(Incoming(text="폭설로 길이 막혔어요", account_label="@seoulmania"))
    assert d.division == div("safety-general")


def test_seed_rules_is_idempotent_and_keeps_edits(seeded):
    seed_rules()
    n = RoutingRule.objects.count()
    RoutingRule.objects.filter(name="버스").update(keywords="버스, 정류소")
    seed_rules()
    assert RoutingRule.objects.count() == n
    assert RoutingRule.objects.get(name="버스").keywords == "버스, 정류소"

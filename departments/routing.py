"""Which division must handle a message, and why. Content first; the receiving account is evidence.

What the content says: the classifier's division when it is sure (>= SMC_ROUTING_OVERRIDE), else
the first keyword rule staff maintain (RoutingRule with keywords) that matches.

(a) A message to a division's own account: if the content clearly belongs to another division, it
    goes there and the reason says so ("@seoul_traffic으로 받았으나 내용상 주택 … → 전월세지원과");
    when the content is ambiguous, the owning division keeps it.
(b) For the mayor's and the city's central ("general") accounts, and channels without an account
    (web form, phone): what the content says; else the classifier's division above the lower
    SMC_ROUTING_THRESHOLD; else a topic rule (RoutingRule with a topic, a confident topic needed).
(c) Otherwise, below the thresholds, the SMC desk.

Plain values in, a Decision out: departments knows nothing of Message.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from . import snapshot
from .models import Division, RoutingRule, Topic
from .services import smc_desk

# Topic.choices builds its list anew on each read: ~15 µs a message when read per routing reason.
_TOPIC_NAMES = dict(Topic.choices)


@dataclass(frozen=True)
class Incoming:
    text: str
    topic: str = ""
    confident: bool = False  # classification above the threshold
    account_label: str = ""  # "@seoul_bus" for the reason text
    account_division_id: int | None = None
    account_is_central: bool = True  # mayor's or "general" field, or no account at all
    terms: frozenset = field(default_factory=frozenset)  # morphemes, for one-syllable keywords
    division_code: str = ""  # the classifier's division (Division.code) for the content
    division_confidence: float = 0.0
    district: str = ""  # the district code the message is about (textkit.places), "" when none


@dataclass(frozen=True)
class Decision:
    division: Division
    reason: str
    rule: str  # "account" | "content" | "rule" | "desk"


def keyword_hit(keyword: str, text: str, terms: Iterable[str]) -> bool:
    """One-syllable keywords (눈, 비) match whole morphemes only: "눈" must not match "눈물"."""
    if len(keyword) == 1:
        return keyword in terms
    return keyword.lower() in text.lower()


def rule_matches(rule: RoutingRule, item: Incoming) -> str | None:
    """The reason text when `rule` matches, else None."""
    return _match(rule, [(k, k.lower()) for k in rule.keyword_list], item, item.text.lower())


def _match(rule: RoutingRule, keywords: list[tuple[str, str]], item: Incoming, text_lower: str) -> str | None:
    # rule_matches with the keywords parsed and the text lowered by the caller (once per batch/message).
    if rule.topic and not (item.confident and item.topic == rule.topic):
        return None
    if rule.district and item.district != rule.district:
        return None
    hit = None
    if keywords:
        # keyword_hit: a one-syllable keyword matches whole morphemes only.
        hit = next((k for k, low in keywords if (k in item.terms if len(k) == 1 else low in text_lower)), None)
        if hit is None:
            return None
    return _reason(rule, hit)


def _reason(rule: RoutingRule, hit: str | None) -> str:
    parts = []
    if rule.district:
        parts.append(f"자치구 '{rule.get_district_display()}'")
    if rule.topic:
        parts.append(f"주제 '{rule.get_topic_display()}'")
    if hit:
        parts.append(f"키워드 '{hit}'")
    return f"배정 규칙 #{rule.priority} '{rule.name}' ({', '.join(parts)})"


def thresholds() -> tuple[float, float]:
    """(route by the model, override the receiving account): read at each Router (override_settings)."""
    return (float(getattr(settings, "SMC_ROUTING_THRESHOLD", 0.35)),
            float(getattr(settings, "SMC_ROUTING_OVERRIDE", 0.5)))


@dataclass(frozen=True)
class RoutingTables:
    """What a Router reads: loaded once per process until staff change a rule or a division."""

    rules: list[RoutingRule]
    desk: Division
    divisions: dict[int, Division]  # ~40 rows: the model names divisions by code, accounts by pk
    by_code: dict[str, Division]
    # Parsed once, not once per message and rule: (rule, [(keyword, lowered), …]).
    keywords: list[tuple[RoutingRule, list[tuple[str, str]]]]

    @classmethod
    def read(cls) -> "RoutingTables":
        rules = list(RoutingRule.objects.filter(is_active=True).select_related("division"))
        divisions = list(Division.objects.all())
        return cls(rules=rules, desk=smc_desk(), divisions={d.pk: d for d in divisions},
                   by_code={d.code: d for d in divisions},
                   keywords=[(rule, [(k, k.lower()) for k in rule.keyword_list]) for rule in rules])


class Router:
    """Route many messages by the current tables (snapshot.load) and thresholds (settings)."""

    def __init__(self):
        tables = snapshot.load("routing", RoutingTables.read)
        self.rules, self.desk, self._keywords = tables.rules, tables.desk, tables.keywords
        self._divisions = dict(tables.divisions)  # _division adds to it
        self._by_code = tables.by_code
        self.threshold, self.override = thresholds()

    def division(self, pk: int) -> Division:
        """A division by id, read once and then kept (most are in the routing tables already)."""
        if pk not in self._divisions:
            self._divisions[pk] = Division.objects.get(pk=pk)
        return self._divisions[pk]

    def _keyword_rule(self, item: Incoming, text_lower: str) -> tuple[RoutingRule, str] | None:
        for rule, keywords in self._keywords:
            if keywords and not rule.topic:
                reason = _match(rule, keywords, item, text_lower)
                if reason:
                    return rule, reason
        return None

    def _topic_rule(self, item: Incoming, text_lower: str) -> tuple[RoutingRule, str] | None:
        for rule, keywords in self._keywords:
            if rule.topic:
                reason = _match(rule, keywords, item, text_lower)
                if reason:
                    return rule, reason
        return None

    def _model(self, item: Incoming, at_least: float) -> Division | None:
        """The classifier's division when sure enough; the SMC desk's class (greetings, chit-chat,
        the city's SNS itself) names no division that should take a message from another."""
        if item.division_code and item.division_confidence >= at_least:
            division = self._by_code.get(item.division_code)
            if division is not None and not division.is_smc_desk:
                return division
        return None

    def _model_why(self, item: Incoming) -> str:
        topic = _TOPIC_NAMES.get(item.topic, "") if item.topic else ""
        what = f"내용상 {topic}" if topic and item.confident else "내용상"
        return f"{what} (부서 분류 신뢰도 {item.division_confidence:.2f})"

    def _content(self, item: Incoming, text_lower: str) -> tuple[Division, str, str] | None:
        """What the content clearly says: (division, why, kind) or None when it is ambiguous."""
        division = self._model(item, self.override)
        if division is not None:
            return division, self._model_why(item), "content"
        hit = self._keyword_rule(item, text_lower)
        if hit:
            rule, reason = hit
            return rule.division, f"내용상 {rule.name} ({reason})", "rule"
        return None

    def route(self, item: Incoming) -> Decision:
        text_lower = item.text.lower()
        content = self._content(item, text_lower)
        if item.account_division_id and not item.account_is_central:
            owner = self.division(item.account_division_id)
            if content and content[0].pk != owner.pk:
                division, why, kind = content
                return Decision(division, f"{item.account_label}으로 받았으나 {why} → {division.name_ko}", kind)
            return Decision(owner, f"담당 부서 계정 {item.account_label}으로 받은 메시지 → {owner.name_ko}", "account")
        if content:
            division, why, kind = content
            return Decision(division, f"{why} → {division.name_ko}", kind)
        division = self._model(item, self.threshold)
        if division is not None:
            return Decision(division, f"{self._model_why(item)} → {division.name_ko}", "content")
        hit = self._topic_rule(item, text_lower)
        if hit:
            rule, reason = hit
            return Decision(rule.division, f"{reason} → {rule.division.name_ko}", "rule")
        where = f"중앙 계정 {item.account_label}" if item.account_label else "계정 없는 채널"
        why = "일치하는 배정 규칙 없음" if item.confident else "분류 신뢰도 낮음"
        return Decision(self.desk, f"{where}: {why} → SMC 데스크 분류 확인", "desk")


# (priority, name, topic, keywords, division code). Keyword rules come first: they are precise.
DEFAULT_RULES = [
    (10, "제설·빙판", "", "제설, 눈, 폭설, 빙판, 염화칼슘, 블랙아이스", "road-management"),
    (20, "버스", "", "버스, 정류장, 배차, 마을버스, 광역버스, 버스전용차로", "bus-policy"),
    (30, "택시", "", "택시, 승차거부", "taxi-logistics"),
    (40, "주차", "", "주차, 불법주차, 공영주차장", "parking"),
    (50, "신호·교통운영", "", "신호등, 신호, 교차로, 정체", "traffic-operation"),
    (60, "전월세", "", "전세, 월세, 전세사기, 보증금, 임대차", "rental-support"),
    (70, "미세먼지·대기", "", "미세먼지, 초미세먼지, 황사, 대기질, 매연", "air-quality"),
    (80, "쓰레기·재활용", "", "쓰레기, 재활용, 분리수거, 음식물", "resource-circulation"),
    (90, "공원", "", "공원, 산책로, 놀이터", "parks"),
    (100, "한강·하천", "", "한강, 하천, 침수, 홍수", "rivers"),
    (110, "화재·재난", "", "화재, 불이, 지진, 대피", "disaster-response"),
    (120, "어르신", "", "어르신, 노인, 경로당", "senior-welfare"),
    (130, "보육", "", "어린이집, 보육, 육아", "childcare"),
    (140, "소상공인", "", "소상공인, 자영업, 전통시장", "small-business"),
    (150, "일자리", "", "일자리, 취업, 채용, 구직", "jobs"),
    (500, "주제: 교통", "transport", "", "transport-policy"),
    (510, "주제: 도시안전", "safety", "", "safety-general"),
    (520, "주제: 주택", "housing", "", "housing-policy"),
    (530, "주제: 문화", "culture", "", "culture-policy"),
    (540, "주제: 복지", "welfare", "", "welfare-policy"),
    (550, "주제: 환경", "environment", "", "environment-policy"),
    (560, "주제: 경제", "economy", "", "economy-policy"),
    (570, "주제: 행정", "administration", "", "general-affairs"),
]


@transaction.atomic
def seed_rules() -> None:
    """Add the default rules once; rules staff edited (same name) are left as they are."""
    divisions = dict(Division.objects.values_list("code", "pk"))
    for priority, name, topic, keywords, code in DEFAULT_RULES:
        if code not in divisions:
            continue
        RoutingRule.objects.get_or_create(
            name=name,
            defaults={"priority": priority, "topic": topic, "keywords": keywords,
                      "division_id": divisions[code]},
        )

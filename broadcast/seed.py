"""Seed data: templates for the hazards Seoul warns about, and one past simulated exercise for the demo.

(code, name, event ko/en, category, urgency, severity, certainty, headline ko/en, description ko/en,
instruction ko/en). Texts are short so the X post keeps its link; the drafter adapts them.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.connectors import MANUAL_POST
from accounts.models import Account
from accounts.models import Status as AccountStatus
from outbound.models import Posting

from .models import Broadcast, CapStatus, Delivery, Step, Template
from .selectors import POSTABLE_PLATFORMS

TEMPLATES = [
    ("snow", "폭설·제설", "대설", "Heavy snow", "Met", "Expected", "Severe", "Likely",
     "대설특보: 많은 눈, 제설 작업 중",
     "Heavy snow warning; snow removal under way",
     "서울에 많은 눈이 내리고 있습니다. 시와 자치구가 주요 도로 제설 작업을 하고 있습니다.",
     "Heavy snow is falling in Seoul. The city and districts are clearing main roads.",
     "자가용 대신 대중교통을 이용하고, 내 집·내 점포 앞 눈을 치워 주세요. 지하철은 증편 운행합니다.",
     "Use public transport instead of cars and clear the snow in front of your home or shop. "
     "Extra subway trains are running."),
    ("cold", "한파", "한파", "Cold wave", "Met", "Expected", "Severe", "Likely",
     "한파경보: 아침 최저 영하 15도 이하",
     "Cold wave warning: morning lows below -15°C",
     "서울에 한파경보가 발령되었습니다. 수도관 동파와 한랭질환에 주의하세요.",
     "A cold wave warning is in effect for Seoul. Beware of frozen pipes and cold-related illness.",
     "외출을 자제하고, 어르신과 어린이는 보온에 유의하세요. 한파쉼터를 이용할 수 있습니다.",
     "Limit time outdoors; keep older people and children warm. Cold-wave shelters are open."),
    ("rain", "호우·침수", "호우", "Heavy rain and flooding", "Met", "Immediate", "Severe", "Likely",
     "호우경보: 하천변·지하공간 침수 위험",
     "Heavy rain warning: risk of flooding near streams and underground",
     "서울에 시간당 50mm 이상의 비가 예상됩니다. 하천변 산책로와 지하차도가 통제될 수 있습니다.",
     "More than 50 mm of rain per hour is expected. Riverside paths and underpasses may be closed.",
     "하천변과 지하공간에 가지 마시고, 반지하 주택은 침수에 대비하세요.",
     "Stay away from streams and underground spaces; semi-basement homes should prepare for flooding."),
    ("typhoon", "태풍", "태풍", "Typhoon", "Met", "Expected", "Extreme", "Likely",
     "태풍경보: 강한 바람과 많은 비",
     "Typhoon warning: strong winds and heavy rain",
     "태풍이 서울에 접근하고 있습니다. 강한 바람과 많은 비가 예상됩니다.",
     "A typhoon is approaching Seoul with strong winds and heavy rain.",
     "간판·화분 등 날아갈 물건을 고정하고, 외출을 자제하세요.",
     "Secure signs, pots and other loose objects, and stay indoors."),
    ("heat", "폭염", "폭염", "Heat wave", "Met", "Expected", "Severe", "Likely",
     "폭염경보: 낮 최고 35도 이상",
     "Heat wave warning: highs of 35°C or more",
     "서울에 폭염경보가 발령되었습니다. 온열질환에 주의하세요.",
     "A heat wave warning is in effect for Seoul. Beware of heat-related illness.",
     "한낮 야외활동을 피하고 물을 자주 마시세요. 무더위쉼터를 이용할 수 있습니다.",
     "Avoid outdoor activity at midday and drink water often. Cooling shelters are open."),
    ("dust", "미세먼지", "미세먼지", "Fine dust", "Env", "Expected", "Moderate", "Likely",
     "초미세먼지 경보: 외출 자제",
     "Ultrafine dust (PM2.5) warning: limit time outdoors",
     "서울의 초미세먼지(PM2.5) 농도가 매우 높습니다. 비상저감조치가 시행됩니다.",
     "PM2.5 levels in Seoul are very high. Emergency reduction measures are in force.",
     "외출 시 보건용 마스크(KF80 이상)를 쓰고, 차량 2부제에 협조해 주세요.",
     "Wear a KF80 or better mask outdoors and follow the odd-even car restriction."),
    ("earthquake", "지진", "지진", "Earthquake", "Geo", "Immediate", "Severe", "Observed",
     "지진 발생: 낙하물에 주의하세요",
     "Earthquake: watch for falling objects",
     "서울 인근에서 지진이 발생했습니다. 여진이 있을 수 있습니다.",
     "An earthquake occurred near Seoul. Aftershocks are possible.",
     "흔들릴 때는 탁자 아래로 몸을 피하고, 흔들림이 멈추면 계단으로 넓은 곳으로 대피하세요.",
     "Take cover under a table while shaking; when it stops, use the stairs to reach open ground."),
    ("blackout", "대규모 정전", "대규모 정전", "Major power outage", "Infra", "Immediate", "Severe", "Observed",
     "대규모 정전 발생: 신호등·엘리베이터 주의",
     "Major power outage: traffic lights and lifts affected",
     "서울 일부 지역에 대규모 정전이 발생했습니다. 복구 작업 중입니다.",
     "A major power outage has hit parts of Seoul. Repairs are under way.",
     "엘리베이터 이용을 삼가고, 신호등이 꺼진 교차로에서는 서행하세요.",
     "Avoid lifts and drive slowly through junctions whose lights are out."),
    ("traffic", "교통 통제", "교통 통제", "Traffic control", "Transport", "Expected", "Moderate", "Observed",
     "교통 통제 안내: 우회하세요",
     "Road closures: please take another route",
     "주요 도로의 교통이 통제됩니다. 통제 구간과 시간을 확인하세요.",
     "Main roads are closed to traffic. Check the sections and times.",
     "대중교통을 이용하고, 통제 구간은 우회해 주세요.",
     "Use public transport and avoid the closed sections."),
    ("exercise", "훈련", "재난 대응 훈련", "Emergency exercise", "Safety", "Future", "Minor", "Unlikely",
     "민방위 재난 대응 훈련",
     "Civil defence emergency exercise",
     "이 메시지는 훈련입니다. 실제 상황이 아닙니다. 서울시 긴급메시지 발신 훈련 중입니다.",
     "This is an exercise, not a real emergency. Seoul is testing its emergency messaging.",
     "별도로 하실 일은 없습니다.",
     "No action is needed."),
]
FIELDS = ["event_ko", "event_en", "category", "urgency", "severity", "certainty", "headline_ko", "headline_en",
          "description_ko", "description_en", "instruction_ko", "instruction_en"]
DEMO_IDENTIFIER = "SMC-DEMO-EXERCISE-SNOW"


@transaction.atomic
def seed_templates() -> None:
    for order, (code, name, *values) in enumerate(TEMPLATES, start=1):
        Template.objects.update_or_create(
            code=code, defaults={"name": name, "order": order, "is_exercise": code == "exercise",
                                 **dict(zip(FIELDS, values, strict=True))})


def _system_user(username: str, name: str):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"display_name": name, "is_active": False, "is_staff": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_demo_alert() -> None:
    """One past broadcast, an exercise posted through the simulator, so the pages are not empty."""
    if Broadcast.objects.filter(identifier=DEMO_IDENTIFIER).exists():
        return
    from .texts import facebook_text, x_text

    template = Template.objects.get(code="snow")
    drafter = _system_user("demo-broadcast-drafter", "데모 작성자 (시뮬레이션)")
    approver = _system_user("demo-broadcast-approver", "데모 승인자 (시뮬레이션)")
    sent = timezone.now() - timedelta(days=2)
    broadcast = Broadcast(
        identifier=DEMO_IDENTIFIER, template=template, cap_status=CapStatus.EXERCISE, drafted_by=drafter,
        approved_by=approver, submitted_at=sent - timedelta(minutes=3), approved_at=sent,
        completed_at=sent + timedelta(seconds=2), expires=sent + timedelta(hours=6), state=Broadcast.State.SENT,
        **{f: getattr(template, f) for f in FIELDS})
    broadcast.x_text, broadcast.facebook_text = x_text(broadcast), facebook_text(broadcast)
    broadcast.save()
    Broadcast.objects.filter(pk=broadcast.pk).update(drafted_at=sent - timedelta(minutes=10))
    accounts = list(Account.objects.filter(status=AccountStatus.ACTIVE, is_polled=True,
                                           platform__in=POSTABLE_PLATFORMS).order_by("pk"))
    # Instagram and YouTube: their APIs cannot post the text, so the demo shows them waiting for a person.
    postings = Posting.objects.bulk_create(
        Posting(kind=Posting.Kind.BROADCAST, account=a, simulated=True, marker=broadcast.identifier,
                text=broadcast.x_text if a.platform == "x" else broadcast.facebook_text, attempts=1,
                last_attempt_at=sent,
                **({"state": Posting.State.MANUAL,
                    "last_error": f"수동 게시 필요: [시뮬레이터] {MANUAL_POST[a.platform]}"}
                   if a.platform in MANUAL_POST else
                   {"state": Posting.State.POSTED, "external_id": f"sim-post-demo-{a.pk}", "posted_at": sent}))
        for a in accounts)
    Delivery.objects.bulk_create(
        Delivery(broadcast=broadcast, account=a, followers=a.follower_count, posting=p)
        for a, p in zip(accounts, postings, strict=True))
    note = "데모용 과거 훈련 메시지 (모의 발신기로 게시된 것으로 기록됨)"
    for action, actor, when in [(Step.Action.DRAFT, drafter, sent - timedelta(minutes=10)),
                                (Step.Action.SUBMIT, drafter, sent - timedelta(minutes=3)),
                                (Step.Action.APPROVE, approver, sent), (Step.Action.SEND, approver, sent),
                                (Step.Action.SENT, None, sent + timedelta(seconds=2))]:
        step = Step.objects.create(broadcast=broadcast, action=action, actor=actor, note=note)
        Step.objects.filter(pk=step.pk).update(at=when)


def seed() -> None:
    seed_templates()
    seed_demo_alert()

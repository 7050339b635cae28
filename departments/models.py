from django.conf import settings
from django.db import models

from textkit.places import DISTRICT_CHOICES


class Bureau(models.Model):
    """실국본부: the top level of the city's organisation."""

    code = models.SlugField("코드", max_length=40, unique=True)
    name_ko = models.CharField("이름", max_length=100)
    name_en = models.CharField("영문 이름", max_length=150, blank=True)
    order = models.PositiveSmallIntegerField("순서", default=0)

    class Meta:
        ordering = ["order", "name_ko"]
        verbose_name = "실국본부"
        verbose_name_plural = "실국본부"

    def __str__(self):
        return self.name_ko


class Division(models.Model):
    """과: the unit that answers messages."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="divisions",
                               verbose_name="실국본부")
    code = models.SlugField("코드", max_length=40, unique=True)
    name_ko = models.CharField("이름", max_length=100)
    name_en = models.CharField("영문 이름", max_length=150, blank=True)
    email = models.EmailField("대표 이메일", blank=True)
    phone = models.CharField("대표 전화", max_length=30, blank=True)
    is_smc_desk = models.BooleanField("SMC 데스크", default=False,
                                      help_text="분류되지 않은 메시지를 받는 뉴미디어담당관")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership",
                                     related_name="divisions", verbose_name="구성원")

    class Meta:
        ordering = ["bureau__order", "name_ko"]
        verbose_name = "과"
        verbose_name_plural = "과"
        constraints = [
            models.UniqueConstraint(fields=["is_smc_desk"], condition=models.Q(is_smc_desk=True),
                                    name="one_smc_desk"),
        ]

    def __str__(self):
        return f"{self.bureau.name_ko} {self.name_ko}"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", verbose_name="사용자")
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="memberships",
                                 verbose_name="과")
    is_head = models.BooleanField("부서장", default=False)

    class Meta:
        verbose_name = "소속"
        verbose_name_plural = "소속"
        constraints = [models.UniqueConstraint(fields=["user", "division"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} · {self.division.name_ko}"


# The vocabulary of message types and topics. It lives here because routing and the regulation
# need it and departments may not import messages_app; messages_app.models re-exports it.
class MessageType(models.TextChoices):
    SUPPORT = "support", "격려·응원"
    COMPLAINT = "complaint", "민원·제안"
    OPINION = "opinion", "단순의견"


class Topic(models.TextChoices):
    TRANSPORT = "transport", "교통"
    SAFETY = "safety", "도시안전"
    HOUSING = "housing", "주택"
    CULTURE = "culture", "문화"
    WELFARE = "welfare", "복지"
    ENVIRONMENT = "environment", "환경"
    ECONOMY = "economy", "경제"
    ADMINISTRATION = "administration", "행정"
    OTHER = "other", "기타"


class RoutingRule(models.Model):
    """For the mayor's and the city's central accounts: topic and/or keywords → a division.

    Tried in ascending priority; the first rule that matches wins. A rule with a topic needs a
    confident classification; a keyword-only rule does not. A rule with a district applies only to
    messages about that district (e.g. 마포구's snow-removal complaints to its road division).
    """

    priority = models.PositiveIntegerField("우선순위", default=100, help_text="작을수록 먼저 적용합니다")
    name = models.CharField("규칙 이름", max_length=100)
    topic = models.CharField("주제", max_length=20, choices=Topic.choices, blank=True,
                             help_text="비우면 주제와 무관하게 키워드만 봅니다")
    keywords = models.TextField("키워드", blank=True,
                                help_text="쉼표 또는 줄바꿈으로 구분. 하나라도 포함되면 일치합니다")
    district = models.CharField("자치구", max_length=5, blank=True, choices=DISTRICT_CHOICES,
                                help_text="지정하면 이 구에 관한 메시지에만 적용합니다 (메시지 본문에서 인식한 자치구)")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="routing_rules",
                                 verbose_name="배정 부서")
    is_active = models.BooleanField("사용", default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = "배정 규칙"
        verbose_name_plural = "배정 규칙"
        constraints = [
            models.CheckConstraint(condition=~models.Q(topic="", keywords="", district=""),
                                   name="routing_rule_has_condition"),
        ]

    def __str__(self):
        return f"{self.priority}. {self.name} → {self.division.name_ko}"

    @property
    def keyword_list(self) -> list[str]:
        parts = self.keywords.replace("\n", ",").split(",")
        return [p.strip() for p in parts if p.strip()]


class AnswerPolicy(models.TextChoices):
    REQUIRED = "required", "답변 필수"
    OPTIONAL = "optional", "답변 선택"
    NONE = "none", "답변 없음"


class ProcessingRule(models.Model):
    """메시지민원 처리규정, one row per message type."""

    message_type = models.CharField("유형", max_length=20, choices=MessageType.choices, unique=True)
    answer_policy = models.CharField("답변", max_length=20, choices=AnswerPolicy.choices)
    deadline_working_days = models.PositiveSmallIntegerField(
        "처리 기한(근무일)", null=True, blank=True, help_text="비우면 기한이 없습니다")

    class Meta:
        ordering = ["message_type"]
        verbose_name = "처리규정"
        verbose_name_plural = "처리규정"

    def __str__(self):
        return f"{self.get_message_type_display()}: {self.get_answer_policy_display()}"


class EscalationStep(models.Model):
    """One reminder of the regulation: when it fires and who receives it."""

    class Trigger(models.TextChoices):
        ELAPSED = "elapsed", "기한의 일정 비율 경과"
        BEFORE = "before", "기한 N 근무일 전"
        OVERDUE = "overdue", "기한 초과"

    class Recipient(models.TextChoices):
        DIVISION = "division", "담당 부서"
        HEAD = "head", "부서장"
        DESK = "desk", "SMC 데스크"

    rule = models.ForeignKey(ProcessingRule, on_delete=models.CASCADE, related_name="steps",
                             verbose_name="처리규정")
    key = models.SlugField("코드", max_length=40, help_text="보낸 독촉 기록에 쓰입니다")
    trigger = models.CharField("시점", max_length=20, choices=Trigger.choices)
    amount = models.DecimalField("값", max_digits=5, decimal_places=2, default=0,
                                 help_text="비율(0.5 = 절반) 또는 근무일 수")
    recipient = models.CharField("받는 사람", max_length=20, choices=Recipient.choices)

    class Meta:
        ordering = ["rule", "id"]
        verbose_name = "독촉 단계"
        verbose_name_plural = "독촉 단계"
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="unique_step_key")]

    def __str__(self):
        return f"{self.get_trigger_display()} ({self.amount}) → {self.get_recipient_display()}"


class CalendarOverride(models.Model):
    """A local exception to Korea's calendar: an extra day off, or a day worked after all."""

    date = models.DateField("날짜", unique=True)
    is_holiday = models.BooleanField("휴무일", default=True,
                                     help_text="체크: 쉬는 날로 지정 / 해제: 근무일로 지정")
    name = models.CharField("사유", max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = "근무일 예외"
        verbose_name_plural = "근무일 예외"

    def __str__(self):
        return f"{self.date} {self.name} ({'휴무' if self.is_holiday else '근무'})"

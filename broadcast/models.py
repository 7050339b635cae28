"""Emergency broadcasts (긴급메시지): templates, the broadcast with its CAP fields, its steps, its deliveries.

Invariants kept by the database, not only by the services:
- four eyes: the approver is never the drafter (CheckConstraint);
- an Update or Cancel names the alert it refers to;
- one delivery per broadcast and account (each an outbound posting).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from accounts.models import Account
from outbound.models import Posting

from . import areas


class CapStatus(models.TextChoices):
    ACTUAL = "Actual", "실제 상황"
    EXERCISE = "Exercise", "훈련"
    TEST = "Test", "시험"


class MsgType(models.TextChoices):
    ALERT = "Alert", "최초 발령"
    UPDATE = "Update", "정정"
    CANCEL = "Cancel", "취소"


class Category(models.TextChoices):
    # CAP 1.2 categories used by the city's templates (the full list is longer).
    MET = "Met", "기상"
    GEO = "Geo", "지질"
    SAFETY = "Safety", "안전"
    INFRA = "Infra", "기반시설"
    TRANSPORT = "Transport", "교통"
    ENV = "Env", "환경"
    HEALTH = "Health", "보건"
    OTHER = "Other", "기타"


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", "즉시"
    EXPECTED = "Expected", "1시간 내"
    FUTURE = "Future", "가까운 시일"
    PAST = "Past", "지나감"
    UNKNOWN = "Unknown", "모름"


class Severity(models.TextChoices):
    EXTREME = "Extreme", "극심"
    SEVERE = "Severe", "심각"
    MODERATE = "Moderate", "보통"
    MINOR = "Minor", "경미"
    UNKNOWN = "Unknown", "모름"


class Certainty(models.TextChoices):
    OBSERVED = "Observed", "관측됨"
    LIKELY = "Likely", "가능성 높음"
    POSSIBLE = "Possible", "가능"
    UNLIKELY = "Unlikely", "가능성 낮음"
    UNKNOWN = "Unknown", "모름"


class AlertContent(models.Model):
    """The fields a template and a broadcast share: CAP info in Korean and English."""

    event_ko = models.CharField("재난 유형", max_length=100)
    event_en = models.CharField("재난 유형 (영문)", max_length=100)
    category = models.CharField("CAP 분류", max_length=20, choices=Category.choices, default=Category.SAFETY)
    urgency = models.CharField("긴급성", max_length=20, choices=Urgency.choices, default=Urgency.EXPECTED)
    severity = models.CharField("심각도", max_length=20, choices=Severity.choices, default=Severity.SEVERE)
    certainty = models.CharField("확실성", max_length=20, choices=Certainty.choices, default=Certainty.LIKELY)
    headline_ko = models.CharField("제목", max_length=120)
    headline_en = models.CharField("제목 (영문)", max_length=160)
    description_ko = models.TextField("내용")
    description_en = models.TextField("내용 (영문)")
    instruction_ko = models.TextField("행동 요령", blank=True)
    instruction_en = models.TextField("행동 요령 (영문)", blank=True)

    class Meta:
        abstract = True


class Template(AlertContent):
    """A prepared message for a hazard Seoul warns about; a draft starts from one."""

    code = models.SlugField("코드", max_length=40, unique=True)
    name = models.CharField("이름", max_length=60)
    order = models.PositiveSmallIntegerField("순서", default=0)
    is_exercise = models.BooleanField("훈련용", default=False,
                                      help_text="이 템플릿의 초안은 훈련(Exercise)으로 시작합니다")

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "긴급메시지 템플릿"
        verbose_name_plural = "긴급메시지 템플릿"

    def __str__(self):
        return self.name


class Broadcast(AlertContent):
    class State(models.TextChoices):
        DRAFT = "draft", "작성 중"
        SUBMITTED = "submitted", "승인 대기"
        REJECTED = "rejected", "반려"
        SENDING = "sending", "발신 중"
        SENT = "sent", "발신 완료"

    identifier = models.CharField("CAP 식별자", max_length=60, unique=True, editable=False)
    state = models.CharField("진행 상태", max_length=20, choices=State.choices, default=State.DRAFT)
    template = models.ForeignKey(Template, on_delete=models.SET_NULL, null=True, blank=True,
                                 verbose_name="템플릿")
    # No default (the Hawaii false alarm of 2018 was Actual vs. Exercise): the drafter chooses.
    cap_status = models.CharField("실제 상황·훈련·시험", max_length=10, choices=CapStatus.choices, blank=True,
                                  help_text="훈련·시험은 모의 발신기(시뮬레이터)로만 게시되고 "
                                            "모든 화면에 '훈련'으로 표시됩니다")
    msg_type = models.CharField("종류", max_length=10, choices=MsgType.choices, default=MsgType.ALERT)
    references = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="followups", verbose_name="정정·취소 대상")
    districts = ArrayField(models.CharField(max_length=5), blank=True, default=list,
                           verbose_name="대상 지역", help_text="비워 두면 서울특별시 전역")
    onset = models.DateTimeField("시작 시각", null=True, blank=True)
    expires = models.DateTimeField("종료 시각")
    # Frozen at submission: what the approver sees is exactly what each platform gets.
    x_text = models.TextField("X 게시문", blank=True, editable=False)
    facebook_text = models.TextField("페이스북 게시문", blank=True, editable=False)

    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="작성자")
    drafted_at = models.DateTimeField("작성 시각", auto_now_add=True)
    submitted_at = models.DateTimeField("승인 요청 시각", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="승인자")
    approved_at = models.DateTimeField("승인·발신 시각", null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="반려자")
    rejected_at = models.DateTimeField("반려 시각", null=True, blank=True)
    rejection_reason = models.TextField("반려 사유", blank=True)
    completed_at = models.DateTimeField("발신 완료 시각", null=True, blank=True)

    class Meta:
        ordering = ["-drafted_at"]
        verbose_name = "긴급메시지"
        verbose_name_plural = "긴급메시지"
        permissions = [("approve_broadcast", "긴급메시지 승인·반려")]
        constraints = [
            # Four eyes (the Hawaii false alarm of 2018): nobody approves their own draft.
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("drafted_by")),
                                   name="broadcast_four_eyes"),
            models.CheckConstraint(condition=Q(msg_type=MsgType.ALERT) | Q(references__isnull=False),
                                   name="broadcast_update_cancel_references"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | Q(submitted_at__isnull=False),
                                   name="broadcast_approved_after_submit"),
            models.CheckConstraint(condition=Q(submitted_at__isnull=True) | Q(cap_status__in=CapStatus.values),
                                   name="broadcast_status_chosen_before_submit"),
            # One chain per incident: a sent message has at most one sent successor (Update or Cancel),
            # so the chain's head, and what is in effect, is never ambiguous.
            models.UniqueConstraint(fields=["references"], condition=Q(state__in=["sending", "sent"]),
                                    name="broadcast_one_successor"),
        ]
        indexes = [models.Index(fields=["state", "expires"], name="broadcast_state_expires")]

    def __str__(self):
        return f"[{self.get_msg_type_display()}] {self.headline_ko}"

    @property
    def is_exercise(self) -> bool:
        return self.cap_status != CapStatus.ACTUAL

    @property
    def is_sent(self) -> bool:
        return self.state in (self.State.SENDING, self.State.SENT)

    def title(self, language: str = "ko") -> str:
        """The headline with its area in front ("강남구·종로구 대설경보: …"): every text and page
        names where the alert applies, even when the drafter's headline does not."""
        ko = language == "ko"
        area = areas.short(self.districts, language)
        headline = self.headline_ko if ko else self.headline_en
        if headline.startswith(area):
            return headline
        return f"{area} {headline}" if ko else f"{area}: {headline}"

    @property
    def title_ko(self) -> str:
        return self.title("ko")

    @property
    def title_en(self) -> str:
        return self.title("en")

    @property
    def root(self) -> "Broadcast":
        """The first Alert of a chain of Updates/Cancels."""
        node = self
        while node.references_id:
            node = node.references
        return node


class Step(models.Model):
    """One recorded step of a broadcast: who did what, when (shown on the broadcast's page)."""

    class Action(models.TextChoices):
        DRAFT = "draft", "초안 작성"
        EDIT = "edit", "초안 수정"
        SUBMIT = "submit", "승인 요청"
        APPROVE = "approve", "승인"
        REJECT = "reject", "반려"
        SEND = "send", "발신 시작"
        SENT = "sent", "발신 완료"
        RETRY = "retry", "실패 건 재발신"
        UPDATE = "update", "정정 초안 작성"
        CANCEL = "cancel", "취소 초안 작성"
        REFUSED = "refused", "거부된 시도"

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("단계", max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name="처리자")
    at = models.DateTimeField("시각", auto_now_add=True)
    note = models.TextField("메모", blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "처리 기록"
        verbose_name_plural = "처리 기록"

    def __str__(self):
        return f"{self.get_action_display()} · {self.actor or '시스템'}"


class Delivery(models.Model):
    """One account's copy of a broadcast: a link to its outbound posting (state, attempts, the
    platform's id and errors live there), with the followers it reached."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="deliveries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="broadcast_deliveries",
                                verbose_name="계정")
    followers = models.PositiveIntegerField("팔로워 수 (발신 시점)", default=0)
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="broadcast_delivery",
                                   verbose_name="게시")

    class Meta:
        ordering = ["account__platform", "account__handle"]
        verbose_name = "계정별 발신"
        verbose_name_plural = "계정별 발신"
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "account"], name="unique_broadcast_delivery"),
        ]

    def __str__(self):
        return f"{self.account} · {self.posting.get_state_display()}"

    # What the broadcast's page shows of each account's result (its posting's).
    @property
    def state(self) -> str:
        return self.posting.state

    def get_state_display(self) -> str:
        return self.posting.get_state_display()

    @property
    def attempts(self) -> int:
        return self.posting.attempts

    @property
    def external_id(self) -> str:
        return self.posting.external_id

    @property
    def last_error(self) -> str:
        return self.posting.last_error

    @property
    def needs_reauth(self) -> bool:
        return self.posting.failure == Posting.Failure.REAUTH

    @property
    def needs_manual_post(self) -> bool:
        """The platform's API cannot post it (Instagram without an image, YouTube): a person posts
        the ready text by hand; it reaches nobody until then."""
        return self.posting.state == Posting.State.MANUAL

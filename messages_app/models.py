from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from accounts.models import Account, Platform
from departments.models import Division, MessageType, Topic  # noqa: F401 - re-exported
from outbound.models import Posting
from textkit.places import DISTRICT_CHOICES


class Status(models.TextChoices):
    RECEIVED = "received", "접수"
    ASSIGNED = "assigned", "배정"
    IN_PROGRESS = "in_progress", "처리 중"
    ANSWERED = "answered", "답변 완료"
    CLOSED = "closed", "종결"
    HIDDEN = "hidden", "숨김"
    SPAM = "spam", "스팸"


# Waiting for the city: counted as open (deadlines, escalation, the dashboard's open and overdue).
OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)


class Kind(models.TextChoices):
    MENTION = "mention", "멘션"
    REPLY = "reply", "답글"
    VISITOR_POST = "visitor_post", "방문자 게시물"
    COMMENT = "comment", "댓글"
    DIRECT = "direct", "쪽지(비공개)"
    PHONE = "phone", "전화·방문 민원"
    WEB = "web", "웹 양식"


class SourceState(models.TextChoices):
    AS_SENT = "", "원문 그대로"
    DELETED = "deleted", "작성자가 삭제함"
    WITHHELD = "withheld", "국내 게재 보류"


class Message(models.Model):
    """What a citizen sent to one of the city's channels. Unique on (platform, external_id)."""

    platform = models.CharField("플랫폼", max_length=20, choices=Platform.choices)
    external_id = models.CharField("플랫폼 메시지 ID", max_length=100)
    # No index of its own: message_account_idx leads with it.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, db_index=False,
                                related_name="messages", verbose_name="수신 계정")
    kind = models.CharField("종류", max_length=20, choices=Kind.choices, default=Kind.MENTION)
    author_external_id = models.CharField("작성자 ID", max_length=100, blank=True)
    author_handle = models.CharField("작성자 계정", max_length=100, blank=True)
    author_name = models.CharField("작성자 이름", max_length=200, blank=True)
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="messages", verbose_name="작성 시민",
                                help_text="포털에서 로그인한 시민이 보낸 경우")
    text = models.TextField("내용")
    url = models.URLField("원문 주소", max_length=500, blank=True)
    conversation_id = models.CharField("대화 ID", max_length=100, blank=True)
    parent_external_id = models.CharField("상위 메시지 ID", max_length=100, blank=True)
    posted_at = models.DateTimeField("작성 시각")
    received_at = models.DateTimeField("수신 시각", auto_now_add=True)
    raw = models.JSONField("원본 데이터", default=dict, blank=True)
    is_simulated = models.BooleanField("시뮬레이션", default=False)
    is_private = models.BooleanField("비공개", default=False,
                                     help_text="쪽지이거나 담당자가 비공개로 지정한 메시지")
    hidden_by_author = models.BooleanField("작성자 요청으로 숨김", default=False)
    # What the platform says of the original since it was stored (services.sync): deleted by its
    # author (hidden, text replaced), withheld in Korea (private), or as sent ("").
    source_state = models.CharField("원문 상태", max_length=20, choices=SourceState.choices, blank=True,
                                    default="", db_default="")  # db_default: raw INSERTs (demo data)
    source_checked_at = models.DateTimeField("원문 확인 시각", null=True, blank=True)
    # Where in Seoul the text is about (textkit.places, from the analysis made at ingest).
    district = models.CharField("자치구", max_length=5, blank=True, default="", choices=DISTRICT_CHOICES)
    neighbourhood = models.CharField("행정동", max_length=7, null=True, blank=True,
                                     help_text="행정동 코드: 메시지에 한 동이 분명히 언급된 경우")

    type = models.CharField("유형", max_length=20, choices=MessageType.choices, blank=True)
    topic = models.CharField("주제", max_length=20, choices=Topic.choices, blank=True)
    confidence = models.FloatField("분류 신뢰도", null=True, blank=True)
    classifier_version = models.CharField("분류 모델 버전", max_length=40, blank=True)
    needs_triage = models.BooleanField("분류 확인 필요", default=True)

    status = models.CharField("상태", max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # No index of its own: message_division_idx leads with it.
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True, db_index=False,
                                 related_name="messages", verbose_name="담당 부서")
    routing_reason = models.CharField("배정 근거", max_length=300, blank=True)
    due_at = models.DateTimeField("처리 기한", null=True, blank=True)
    is_overdue = models.BooleanField("기한 초과", default=False)
    # The person answering for the division: a head assigns, staff claim (services.ownership).
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="assigned_messages", verbose_name="담당자")
    assigned_at = models.DateTimeField("담당 지정 시각", null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="담당 지정한 사람")
    reminders_sent = models.JSONField("보낸 독촉", default=list, blank=True)

    search_vector = SearchVectorField(null=True, editable=False)
    like_count = models.PositiveIntegerField("추천 수", default=0)
    comment_count = models.PositiveIntegerField("댓글 수", default=0)
    updated_at = models.DateTimeField("수정 시각", auto_now=True)

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = "메시지"
        verbose_name_plural = "메시지"
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="message_once_per_platform"),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="message_search_gin"),
            models.Index(fields=["status", "division"], name="message_queue_idx"),
            # The staff queue's default order (overdue first, then deadline) within a division.
            models.Index(fields=["division", "-is_overdue", "due_at", "id"], name="message_staff_queue_idx",
                         condition=models.Q(status__in=["received", "assigned", "in_progress"])),
            # Open and not yet marked overdue, by deadline: the deadline beat's candidates, and the few
            # whose deadline passed since it last ran, which every overdue count adds (selectors.lapsed_q).
            models.Index(fields=["due_at"], name="message_unmarked_due_idx",
                         include=["division", "platform", "account", "type", "topic"],
                         condition=models.Q(status__in=["received", "assigned", "in_progress"], is_overdue=False,
                                            due_at__isnull=False)),
            # The message page's thread: the conversation, replies to it, the citizen's earlier messages.
            models.Index(fields=["platform", "conversation_id"], name="message_conversation_idx",
                         condition=~models.Q(conversation_id="")),
            models.Index(fields=["platform", "parent_external_id"], name="message_parent_idx",
                         condition=~models.Q(parent_external_id="")),
            models.Index(fields=["platform", "author_external_id", "-posted_at"], name="message_author_idx",
                         condition=~models.Q(author_external_id="")),
            models.Index(fields=["-posted_at", "-id"], name="message_feed_idx"),
            models.Index(fields=["account", "-posted_at"], name="message_account_idx"),
            # The dashboard's drill-down lists of one division, topic or platform over a period, newest
            # first (dashboard/drilldown.py): read in order from the first match however rare the
            # value, where the feed index walks the period past every other message (thousands of heap
            # reads a page for a value of 1%, the whole period for one that matches nothing).
            # The division's replaces the foreign key's own index; type and kind have none (few values,
            # none rare enough: an index costs every insert).
            models.Index(fields=["division", "-posted_at", "-id"], name="message_division_idx"),
            models.Index(fields=["topic", "-posted_at", "-id"], name="message_topic_idx"),
            models.Index(fields=["platform", "-posted_at", "-id"], name="message_platform_idx"),
            # The SNS map: public questions per district over a period, a district's recent ones.
            models.Index(fields=["district", "-posted_at"], name="message_district_idx",
                         condition=~models.Q(district="")),
            # The public feed (selectors.public_messages): page and count by an index-only scan.
            # The condition must stay the same expression as the selector's filter to be used.
            models.Index(fields=["-posted_at", "-id"], name="message_public_feed_idx",
                         condition=models.Q(status__in=["assigned", "in_progress", "answered", "closed"],
                                            is_private=False, hidden_by_author=False,
                                            type__in=["complaint", "opinion"])
                         & ~models.Q(kind__in=["direct", "phone"])),
        ]

    def __str__(self):
        return f"[{self.get_platform_display()}] {self.text[:40]}"


class Answer(models.Model):
    """The city's official answer. One per message (the constraint stops two staff answering at once)."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="answer",
                                   verbose_name="메시지")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="answers",
                                 verbose_name="답변 부서")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="answers", verbose_name="작성자")
    text = models.TextField("답변")
    created_at = models.DateTimeField("답변 시각", auto_now_add=True)
    updated_at = models.DateTimeField("수정 시각", auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)
    like_count = models.PositiveIntegerField("추천 수", default=0)

    class Meta:
        verbose_name = "답변"
        verbose_name_plural = "답변"
        indexes = [GinIndex(fields=["search_vector"], name="answer_search_gin")]

    def __str__(self):
        return self.text[:40]


class Outbox(models.Model):
    """One part of an answer as it goes out: a link to its outbound posting (state, attempts, the
    platform's id and errors live there). Written in the answer's transaction."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="deliveries",
                               verbose_name="답변")
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="answer_part",
                                   verbose_name="게시")

    class Meta:
        verbose_name = "답변 게시"
        verbose_name_plural = "답변 게시"

    def __str__(self):
        return str(self.posting)


class StatusChange(models.Model):
    """Every transition of a message: who, when, from, to, note. The public ones form the timeline."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="history",
                                verbose_name="메시지")
    from_status = models.CharField("이전 상태", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("새 상태", max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, verbose_name="처리자")
    division = models.ForeignKey(Division, on_delete=models.SET_NULL, null=True, blank=True,
                                 verbose_name="부서")
    note = models.TextField("메모", blank=True)
    is_public = models.BooleanField("공개", default=True)
    created_at = models.DateTimeField("시각", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "처리 이력"
        verbose_name_plural = "처리 이력"

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"


class LabelCorrection(models.Model):
    """A staff correction of type/topic, kept as a new training label."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="corrections",
                                verbose_name="메시지")
    text = models.TextField("내용")
    type = models.CharField("유형", max_length=20, choices=MessageType.choices)
    topic = models.CharField("주제", max_length=20, choices=Topic.choices)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     verbose_name="정정한 사람")
    created_at = models.DateTimeField("정정 시각", auto_now_add=True)

    class Meta:
        verbose_name = "분류 정정"
        verbose_name_plural = "분류 정정"

    def __str__(self):
        return f"{self.type}/{self.topic}"


class AuditEntry(models.Model):
    """Every staff action, allowed or refused."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              verbose_name="사용자")
    action = models.CharField("행위", max_length=50)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True,
                                verbose_name="메시지")
    allowed = models.BooleanField("허용", default=True)
    detail = models.TextField("내용", blank=True)
    created_at = models.DateTimeField("시각", auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "감사 기록"
        verbose_name_plural = "감사 기록"

    def __str__(self):
        return f"{self.actor} {self.action}"


class CannedAnswer(models.Model):
    """A ready answer staff can load into the answer box; a division's own, or everyone's."""

    title = models.CharField("제목", max_length=100)
    text = models.TextField("내용")
    division = models.ForeignKey(Division, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="canned_answers", verbose_name="부서",
                                 help_text="비우면 모든 부서가 씁니다")

    class Meta:
        ordering = ["title"]
        verbose_name = "자주 쓰는 답변"
        verbose_name_plural = "자주 쓰는 답변"

    def __str__(self):
        return self.title


class Notice(models.Model):
    """A reminder shown in the staff screens (the e-mail's twin), for a division's members."""

    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="notices",
                                 verbose_name="부서")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notices",
                                verbose_name="메시지")
    step = models.CharField("독촉 단계", max_length=40)
    heads_only = models.BooleanField("부서장에게만", default=False)
    text = models.CharField("내용", max_length=300)
    created_at = models.DateTimeField("시각", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The staff header's counter: a division's reminders since the user last looked.
        indexes = [models.Index(fields=["division", "-created_at"], name="notice_division_recent_idx")]
        verbose_name = "독촉 알림"
        verbose_name_plural = "독촉 알림"

    def __str__(self):
        return self.text


class ComplianceJob(models.Model):
    """An X batch compliance job over an account's public posts older than the lookup's 30 days
    (services/sync.py): kept here so a job, which takes from minutes to hours, survives restarts
    between the polls that advance it."""

    class State(models.TextChoices):
        CREATED = "created", "생성됨"
        IN_PROGRESS = "in_progress", "처리 중"
        APPLIED = "applied", "반영 완료"
        FAILED = "failed", "실패"
        EXPIRED = "expired", "만료"

    OPEN = (State.CREATED, State.IN_PROGRESS)

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="compliance_jobs",
                                verbose_name="계정")
    job_id = models.CharField("작업 ID", max_length=30)
    state = models.CharField("상태", max_length=20, choices=State.choices, default=State.CREATED)
    external_ids = models.JSONField("확인할 게시물 ID", default=list)
    # Signed storage URLs (upload: 15 minutes, download: 7 days); they carry no account token.
    upload_url = models.TextField("업로드 URL", blank=True)
    upload_expires_at = models.DateTimeField("업로드 만료", null=True, blank=True)
    uploaded_at = models.DateTimeField("업로드 시각", null=True, blank=True)
    download_url = models.TextField("결과 URL", blank=True)
    error = models.TextField("오류", blank=True)
    deleted = models.PositiveIntegerField("삭제", default=0)
    withheld = models.PositiveIntegerField("비공개 전환", default=0)
    created_at = models.DateTimeField("생성", auto_now_add=True)
    finished_at = models.DateTimeField("종료", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["account"], condition=models.Q(state__in=["created", "in_progress"]),
            name="compliance_job_one_open_per_account")]
        verbose_name = "X 준수 확인 작업"
        verbose_name_plural = "X 준수 확인 작업"

    def __str__(self):
        return f"{self.job_id} ({self.state})"


class PhoneComplaint(Message):
    """전화·방문 민원: the staff intake screen for the phone channel (the same Message rows)."""

    class Meta:
        proxy = True
        verbose_name = "전화·방문 민원"
        verbose_name_plural = "전화·방문 민원"

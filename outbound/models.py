"""The posting record: one text to put on one account, posted once, whatever happens to the workers."""

from django.db import models

from accounts.models import Account


class Posting(models.Model):
    """One text for one account: a reply to `reply_to`, or a post of its own.

    The attempt is committed (`outcome_unknown`) before the platform is called, so a retry after a
    lost worker looks on the platform before it posts again. `retry_at` is when the sweeper queues the
    posting again if it is still open: after a rate limit's reset, after a backoff, or after a lost task.
    """

    class State(models.TextChoices):
        PENDING = "pending", "대기"
        POSTING = "posting", "게시 중"
        RETRYING = "retrying", "재시도 대기"
        POSTED = "posted", "게시됨"
        FAILED = "failed", "실패"
        # The previous attempt may have gone through and the platform cannot be searched for it:
        # a person looks on the platform and says which (never assumed "not posted").
        UNKNOWN = "unknown", "확인 필요"
        # The platform's API cannot make this post (ManualPostNeeded): nothing was sent; a person
        # posts the text, which is ready, by hand, and may then record it (confirm_posted).
        MANUAL = "manual", "수동 게시 필요"

    class Kind(models.TextChoices):
        # Decides the queue: broadcasts have their own, with a thread pool that posts in parallel.
        ANSWER = "answer", "답변"
        BROADCAST = "broadcast", "긴급메시지"

    class Failure(models.TextChoices):
        NONE = "", "-"
        REAUTH = "reauth", "계정 재인증 필요"
        REFUSED = "refused", "플랫폼이 거부"
        GAVE_UP = "gave_up", "재시도 횟수 초과"
        CANNOT_LOOK = "cannot_look", "게시 여부 확인 불가"
        ERROR = "error", "오류"

    kind = models.CharField("종류", max_length=20, choices=Kind.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", verbose_name="계정")
    text = models.TextField("게시할 내용")
    reply_to = models.CharField("답할 게시물 ID", max_length=100, blank=True,
                                help_text="비우면 계정의 새 게시물로 올립니다")
    # A private reply (a DM, a Kakao chat) goes to the connector's reply() with private=True (issue 24).
    private = models.BooleanField("비공개 답장", default=False)
    # What find_post() looks for on the platform (a broadcast's identifier); "" = find_reply(reply_to, text).
    marker = models.CharField("확인용 표지", max_length=100, blank=True)
    simulated = models.BooleanField("시뮬레이터로만 게시", default=False,
                                    help_text="훈련·시험: 계정의 자격 증명이 있어도 시뮬레이터로만 게시합니다")
    # A thread: this part waits until the previous one is posted; `threaded` ones then answer it.
    previous_part = models.OneToOneField("self", on_delete=models.CASCADE, null=True, blank=True,
                                         related_name="next_part", verbose_name="앞 부분")
    threaded = models.BooleanField("앞 부분에 답글로", default=False)

    state = models.CharField("상태", max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("시도 횟수", default=0)
    # True from the moment an attempt starts until its outcome is known: a retry looks first.
    outcome_unknown = models.BooleanField("결과 미확인", default=False)
    retry_at = models.DateTimeField("다시 볼 시각", null=True, blank=True)
    last_attempt_at = models.DateTimeField("마지막 시도", null=True, blank=True)
    external_id = models.CharField("게시된 ID", max_length=100, blank=True)
    posted_at = models.DateTimeField("게시 시각", null=True, blank=True)
    failure = models.CharField("실패 사유", max_length=20, choices=Failure.choices, blank=True, default="")
    last_error = models.TextField("오류", blank=True)
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)

    OPEN_STATES = (State.PENDING, State.POSTING, State.RETRYING)

    class Meta:
        verbose_name = "게시"
        verbose_name_plural = "게시"
        indexes = [
            # The sweeper: open postings whose time has come.
            models.Index(fields=["retry_at"], name="posting_due_idx",
                         condition=models.Q(state__in=["pending", "posting", "retrying"])),
        ]

    def __str__(self):
        return f"{self.account} · {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

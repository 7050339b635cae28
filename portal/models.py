"""What citizens add on the portal: likes (추천), comments and their reports.

The tables keep their first names (messages_app_*): the models moved here from messages_app by a
state-only migration, so an existing database kept its rows.
"""

from django.conf import settings
from django.db import models

from messages_app.models import Answer, Message


class Like(models.Model):
    """추천: one per citizen per message or answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="likes")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "messages_app_like"
        verbose_name = "추천"
        verbose_name_plural = "추천"
        constraints = [
            models.UniqueConstraint(fields=["user", "message"], condition=models.Q(message__isnull=False),
                                    name="one_like_per_message"),
            models.UniqueConstraint(fields=["user", "answer"], condition=models.Q(answer__isnull=False),
                                    name="one_like_per_answer"),
            models.CheckConstraint(
                condition=models.Q(message__isnull=False, answer__isnull=True)
                | models.Q(message__isnull=True, answer__isnull=False),
                name="like_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.user} 추천"


class Comment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="comments",
                                verbose_name="메시지")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="comments", verbose_name="작성자")
    text = models.TextField("내용")
    created_at = models.DateTimeField("작성 시각", auto_now_add=True)
    edited_at = models.DateTimeField("수정 시각", null=True, blank=True)
    is_deleted = models.BooleanField("삭제됨", default=False)
    is_hidden = models.BooleanField("신고로 숨김", default=False)
    report_count = models.PositiveIntegerField("신고 수", default=0)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+", verbose_name="검토자")
    moderated_at = models.DateTimeField("검토 시각", null=True, blank=True)

    class Meta:
        db_table = "messages_app_comment"
        ordering = ["created_at", "id"]
        verbose_name = "댓글"
        verbose_name_plural = "댓글"

    def __str__(self):
        return self.text[:40]


class CommentReport(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("사유", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "messages_app_commentreport"
        verbose_name = "댓글 신고"
        verbose_name_plural = "댓글 신고"
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="one_report_per_user")]

    def __str__(self):
        return f"{self.user} 신고"


class ConsentRecord(models.Model):
    """One citizen's answer to one consent notice (portal.consent), with the text's version and time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    key = models.CharField("항목", max_length=40)
    required = models.BooleanField("필수")
    agreed = models.BooleanField("동의")
    version = models.CharField("동의문 버전", max_length=20)
    created_at = models.DateTimeField("시각", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "개인정보 동의 기록"
        verbose_name_plural = "개인정보 동의 기록"

    def __str__(self):
        return f"{self.key} {self.version}"


class Notification(models.Model):
    """A notice to a citizen about their question (answered, transferred, overdue)."""

    class Event(models.TextChoices):
        ANSWERED = "answered", "답변 완료"
        TRANSFERRED = "transferred", "이송"
        OVERDUE = "overdue", "기한 초과"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    event = models.CharField("알림 종류", max_length=20, choices=Event.choices)
    channel = models.CharField("보낸 경로", max_length=20, blank=True)
    created_at = models.DateTimeField("시각", auto_now_add=True)
    read_at = models.DateTimeField("읽은 시각", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "시민 알림"
        verbose_name_plural = "시민 알림"

    def __str__(self):
        return f"{self.user} {self.event}"


class Rating(models.Model):
    """만족도 평가: the asker's 1–5 for the answer to their question, changeable for RATING_EDIT_DAYS."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="rating")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="ratings")
    score = models.PositiveSmallIntegerField("만족도")
    remark = models.TextField("의견", blank=True)
    created_at = models.DateTimeField("평가 시각", auto_now_add=True)
    updated_at = models.DateTimeField("수정 시각", auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "만족도 평가"
        verbose_name_plural = "만족도 평가"
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5),
                                              name="rating_score_1_to_5")]

    def __str__(self):
        return f"{self.score}"

"""Secrets of the API: staff tokens and Open311 keys (only their SHA-256 is stored), and the Open311
side of a message that arrived through POST requests (its token, where it is, which key sent it)."""

from django.conf import settings
from django.db import models


class HashedSecret(models.Model):
    """A secret shown once at issue: only its first characters (to recognise it) and its SHA-256 are
    kept (api/keys.py)."""

    prefix = models.CharField("앞자리", max_length=12, editable=False,
                              help_text="알아보기 위한 앞부분 (비밀값 자체는 저장하지 않습니다)")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("발급 시각", auto_now_add=True)
    last_used_at = models.DateTimeField("마지막 사용", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("폐기 시각", null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(HashedSecret):
    """A staff member's personal token for /api/v1/staff/: acts as that user, nothing more."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name="사용자")
    name = models.CharField("용도", max_length=100, help_text="예: 120 다산콜센터 연계")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API 토큰"
        verbose_name_plural = "API 토큰"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class Open311Key(HashedSecret):
    """An organisation's api_key for POST /open311/v2/requests (another city system, an app)."""

    organisation = models.CharField("기관", max_length=200)
    contact = models.CharField("연락처", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   editable=False, verbose_name="발급자")

    class Meta:
        ordering = ["organisation"]
        verbose_name = "Open311 API 키"
        verbose_name_plural = "Open311 API 키"

    def __str__(self):
        return f"{self.organisation} ({self.prefix}…)"


class Open311Request(models.Model):
    """A message that came in through Open311: the token the client may poll, and its location."""

    message = models.OneToOneField("messages_app.Message", on_delete=models.CASCADE, related_name="open311",
                                   verbose_name="메시지")
    key = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="requests",
                            verbose_name="API 키")
    token = models.CharField(max_length=40, unique=True)
    # What the client asked for, returned as it was sent; the routing may file the message under another
    # topic (posted `transport`, classified `safety`), kept beside it.
    service_code = models.CharField("서비스 코드", max_length=40)
    routed_topic = models.CharField("배정된 주제", max_length=40, blank=True,
                                    help_text="접수 때 자동 분류·배정이 정한 주제 (the routing's topic at intake)")
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    address_string = models.CharField("주소", max_length=300, blank=True)
    district = models.CharField("자치구 코드", max_length=5, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Open311 요청"
        verbose_name_plural = "Open311 요청"

    def __str__(self):
        return f"open311 #{self.message_id}"

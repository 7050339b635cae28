from django.db import models

from departments.models import Division
from textkit.places import DISTRICT_CHOICES

from .crypto import decrypt_credentials, encrypt_credentials


class Platform(models.TextChoices):
    X = "x", "X (트위터)"
    FACEBOOK = "facebook", "페이스북"
    ME2DAY = "me2day", "미투데이"
    INSTAGRAM = "instagram", "인스타그램"
    YOUTUBE = "youtube", "유튜브"
    KAKAO = "kakao", "카카오톡 채널"
    # Channels of the processing regulation that are not social platforms.
    PHONE = "phone", "전화·방문"
    WEB = "web", "웹 (포털 양식)"


class Field(models.TextChoices):
    GENERAL = "general", "시정 전반"
    TRANSPORT = "transport", "교통"
    SAFETY = "safety", "안전"
    HOUSING = "housing", "주택"
    CULTURE = "culture", "문화·관광"
    WELFARE = "welfare", "복지"
    ENVIRONMENT = "environment", "환경"
    ECONOMY = "economy", "경제"
    DISTRICT = "district", "자치구"


class Status(models.TextChoices):
    ACTIVE = "active", "운영 중"
    PAUSED = "paused", "일시 중지"
    NEEDS_REAUTH = "needs_reauth", "재인증 필요"
    SUSPENDED = "suspended", "플랫폼에서 정지됨"
    RETIRED = "retired", "운영 종료"


# me2day (미투데이) closed on 30 June 2014; its accounts can only be retired.
RETIRED_PLATFORMS = {Platform.ME2DAY: "미투데이는 2014년 6월 30일 서비스를 종료하여 수집하지 않습니다."}


class Account(models.Model):
    """One of the city's accounts on a social platform."""

    platform = models.CharField("플랫폼", max_length=20, choices=Platform.choices)
    handle = models.CharField("계정 ID", max_length=100, help_text="@ 없이 입력합니다")
    display_name = models.CharField("표시 이름", max_length=100)
    # Shown in English mode (portal, SNS map, alerts, API); blank falls back to display_name.
    name_en = models.CharField("영문 이름", max_length=150, blank=True, default="", db_default="")
    profile_url = models.URLField("프로필 주소", blank=True)
    platform_user_id = models.CharField("플랫폼 고유 ID", max_length=64, blank=True,
                                        help_text="X 사용자 ID 또는 페이스북 페이지 ID")
    owner_division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="accounts",
                                       verbose_name="담당 부서")
    operator = models.CharField("운영 기관", max_length=100, blank=True,
                                help_text="시 본청이 아닌 기관의 계정이면 그 기관 (예: 종로구청). 비우면 담당 부서")
    field = models.CharField("분야", max_length=20, choices=Field.choices)
    district = models.CharField("자치구", max_length=20, blank=True, choices=DISTRICT_CHOICES,
                                help_text="자치구 계정이면 그 구 (행정구역 코드)")
    is_polled = models.BooleanField(
        "SMC 수집", default=True,
        help_text="해제하면 SNS 지도에만 보이고 수집·답변하지 않습니다 (예: 자치구청, 시 산하기관 계정)")
    is_mayor = models.BooleanField("시장 계정", default=False)
    follower_count = models.PositiveIntegerField("팔로워 수", default=0)
    status = models.CharField("상태", max_length=20, choices=Status.choices, default=Status.ACTIVE)
    credentials_encrypted = models.TextField("자격 증명 (암호화)", blank=True, editable=False)
    poll_interval_seconds = models.PositiveIntegerField("수집 주기(초)", default=60)
    poll_cursor = models.CharField("수집 커서", max_length=200, blank=True)
    last_polled_at = models.DateTimeField("마지막 수집", null=True, blank=True)
    last_error = models.TextField("마지막 오류", blank=True)
    last_error_at = models.DateTimeField("마지막 오류 시각", null=True, blank=True)
    # What the last poll had to leave out, e.g. "권한 부족: MODERATE 3건": the rest was stored.
    health_note = models.CharField("수집 상태", max_length=500, blank=True, default="", db_default="")
    created_at = models.DateTimeField("등록일", auto_now_add=True)

    class Meta:
        ordering = ["field", "platform", "handle"]
        verbose_name = "SNS 계정"
        verbose_name_plural = "SNS 계정"
        constraints = [
            models.UniqueConstraint(fields=["platform", "handle"], name="unique_account_handle"),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.get_platform_display()} @{self.handle})"

    def name_in(self, language: str) -> str:
        """The account's name in a language ("en" gives the English name when it has one)."""
        return self.name_en if language == "en" and self.name_en else self.display_name

    @property
    def credentials(self) -> dict:
        return decrypt_credentials(self.credentials_encrypted)

    @credentials.setter
    def credentials(self, value: dict) -> None:
        self.credentials_encrypted = encrypt_credentials(value)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)

    @property
    def profile_link(self) -> str:
        """profile_url when it is a web address, else "": a row stored before imports were checked
        by the admin form may hold a javascript: or data: URL, which must never become a link."""
        scheme = self.profile_url.split(":", 1)[0].strip().lower() if ":" in self.profile_url else ""
        return self.profile_url if scheme in ("http", "https") and self.profile_url.isprintable() else ""

    @property
    def retired_reason(self) -> str:
        return RETIRED_PLATFORMS.get(self.platform, "")

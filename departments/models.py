from django.conf import settings
from django.db import models


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

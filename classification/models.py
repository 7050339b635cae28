from django.db import models


class ClassifierModel(models.Model):
    """A trained classifier. The newest active one classifies arriving messages."""

    version = models.CharField("버전", max_length=40, unique=True)
    created_at = models.DateTimeField("학습 시각", auto_now_add=True)
    trained_on = models.PositiveIntegerField("학습 데이터 수", default=0)
    metrics = models.JSONField("교차검증 지표", default=dict, blank=True)
    payload = models.BinaryField("모델")
    is_active = models.BooleanField("사용 중", default=True)

    class Meta:
        db_table = "messages_app_classifiermodel"  # born in messages_app; moved without copying rows
        ordering = ["-created_at"]
        verbose_name = "분류 모델"
        verbose_name_plural = "분류 모델"

    def __str__(self):
        return self.version

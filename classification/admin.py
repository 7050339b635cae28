"""The classifier versions: which one is in use, their cross-validation figures, switching."""

from django.contrib import admin
from django.db import transaction

from departments.models import MessageType, Topic

from .models import ClassifierModel


def _metric(model, head: str, name: str) -> str:
    value = (model.metrics or {}).get(head, {}).get(name)
    return f"{value:.3f}" if isinstance(value, int | float) else "-"


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ("version", "is_active", "created_at", "trained_on", "type_accuracy", "topic_macro_f1")
    list_filter = ("is_active",)
    readonly_fields = ("version", "created_at", "trained_on", "is_active", "metrics_table")
    exclude = ("payload", "metrics")
    actions = ["activate"]

    @admin.display(description="유형 정확도 (교차검증)")
    def type_accuracy(self, model):
        return _metric(model, "type", "accuracy")

    @admin.display(description="주제 macro-F1 (교차검증)")
    def topic_macro_f1(self, model):
        return _metric(model, "topic", "macro_f1")

    @admin.display(description="라벨별 F1")
    def metrics_table(self, model):
        rows = []
        labels = {**dict(MessageType.choices), **dict(Topic.choices)}
        for head in ("type", "topic"):
            for label, f1 in (model.metrics or {}).get(head, {}).get("per_label_f1", {}).items():
                rows.append(f"{labels.get(label, label)} ({label}): {f1:.3f}")
        return "\n".join(rows) or "교차검증 없이 학습된 버전입니다 (manage.py train_classifier 로 지표를 냅니다)"

    @admin.action(description="선택한 버전을 사용 (하나만 선택)")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "버전을 하나만 선택하세요.", level="error")
            return
        chosen = queryset.get()
        with transaction.atomic():
            ClassifierModel.objects.exclude(pk=chosen.pk).update(is_active=False)
            ClassifierModel.objects.filter(pk=chosen.pk).update(is_active=True)
        self.message_user(request, f"분류 모델 {chosen.version}을(를) 사용합니다.")

    def has_add_permission(self, request):
        return False  # versions come from training (manage.py train_classifier)

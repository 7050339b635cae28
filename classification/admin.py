"""The classifier versions: which one is in use, their held-out figures, switching and rolling back,
and the first-time-right routing figure they lead to."""

from django.conf import settings
from django.contrib import admin
from django.utils.module_loading import import_string

from departments.models import MessageType, Topic

from . import training, versions
from .models import ClassifierModel


def _metric(model, head: str, name: str) -> str:
    value = (model.metrics or {}).get(head, {}).get(name)
    return f"{value:.3f}" if isinstance(value, int | float) else "-"


def _automation(automation: dict, score: str = "routing_confidence") -> str:
    """'42.3% (≥ 0.783)': the share of the independent set routed without the desk at 95% precision."""
    found = automation.get(score) or {}
    if not found:
        return "-"
    if not found.get("found"):
        return "95%에 이르지 못함"
    return f"{found['share']:.1%} (≥ {found['threshold']:.3f})"


def _configured(independent: dict) -> str:
    """'71.2% at ≥ 0.820, 95.4% right': what the routing does at the threshold configured when measured."""
    at = independent.get("at_threshold")
    if not at:
        return "-"
    return (f"{at['share']:.1%} (≥ {independent['configured_threshold']:.3f}), "
            f"정확도 {at['precision']:.1%}")


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ("version", "is_active", "created_at", "trained_on", "type_accuracy", "topic_accuracy",
                    "division_accuracy", "other_field_accuracy", "independent_accuracy", "automation_at_95",
                    "configured_automation", "note")
    list_filter = ("is_active",)
    readonly_fields = ("version", "created_at", "trained_on", "is_active", "activated_at", "note", "metrics_table",
                       "independent_table")
    exclude = ("payload", "metrics")
    actions = ["activate", "rollback"]
    change_list_template = "admin/classification/classifiermodel/change_list.html"

    @admin.display(description="유형 정확도")
    def type_accuracy(self, model):
        return _metric(model, "type", "accuracy")

    @admin.display(description="주제 정확도")
    def topic_accuracy(self, model):
        return _metric(model, "topic", "accuracy")

    @admin.display(description="부서 정확도")
    def division_accuracy(self, model):
        return _metric(model, "division", "accuracy")

    @admin.display(description="다른 분야 계정 → 부서 정확도")
    def other_field_accuracy(self, model):
        return _metric(model, "other_field", "division_accuracy")

    @admin.display(description="독립 평가 세트: 유형 / 주제 / 부서")
    def independent_accuracy(self, model):
        independent = (model.metrics or {}).get("independent")
        if not independent:
            return "-"
        return " / ".join(f"{independent[head]['accuracy']:.3f}" for head in ("type", "topic", "division"))

    @admin.display(description="자동 배정 비율 (정확도 95%, 배정 신뢰도 기준)")
    def automation_at_95(self, model):
        return _automation(((model.metrics or {}).get("independent") or {}).get("automation", {}))

    @admin.display(description="설정된 기준 (SMC_TRIAGE_THRESHOLD): 자동 배정 비율 / 정확도")
    def configured_automation(self, model):
        return _configured((model.metrics or {}).get("independent") or {})

    @admin.display(description="독립 평가 세트 지표 / independent set figures")
    def independent_table(self, model):
        f = (model.metrics or {}).get("independent")
        if not f:
            return "독립 평가 세트로 측정하지 않은 버전입니다 (manage.py evaluate_classifier --store)"
        rows = [f"독립 평가 세트 {f['rows']}건 (학습·조정에 쓰지 않음)"]
        for label, value, goal in [
            ("유형 정확도", f["type"]["accuracy"], "type"), ("격려·응원 재현율", f["support_recall"], "support_recall"),
            ("주제 정확도", f["topic"]["accuracy"], "topic"),
            ("부서 정확도 (실제 배정)", f["division"]["accuracy"], "division"),
            ("다른 분야 계정 메시지의 첫 배정 정확도", f["other_field"]["first_time_right"],
             "other_field_first_time_right")]:
            rows.append(f"{label}: {value:.3f} (목표 ≥ {f['goals'][goal]:.2f})")
        for score, name in (("routing_confidence", "배정 신뢰도"), ("division_confidence", "부서 분류 신뢰도")):
            rows.append(f"자동 배정 (정확도 ≥ 95%), {name} 기준: {_automation(f['automation'], score)}")
        rows.append(f"설정된 기준 SMC_TRIAGE_THRESHOLD에서 데스크 없이 배정: {_configured(f)}")
        return "\n".join(rows)

    @admin.display(description="보류 세트 지표 / held-out figures")
    def metrics_table(self, model):
        metrics = model.metrics or {}
        if metrics.get("evaluated_on") != "heldout":
            return "보류 세트 지표가 없는 버전입니다 (manage.py train_classifier 로 새 버전을 만드세요)"
        rows = [f"보류 세트 {metrics.get('heldout', 0)}건 (학습에 쓰지 않음)"]
        for path, label, goal in training.FIGURES:
            value = training.figure(metrics, path)
            rows.append(f"{label}: {value:.3f} (목표 ≥ {goal:.2f})" if value is not None else f"{label}: -")
        labels = {**dict(MessageType.choices), **dict(Topic.choices)}
        for head in ("type", "topic"):
            for label, f1 in metrics.get(head, {}).get("per_label_f1", {}).items():
                rows.append(f"{labels.get(label, label)} ({label}) F1: {f1:.3f}")
        return "\n".join(rows)

    def changelist_view(self, request, extra_context=None):
        # The figure the classifier serves: messages answered without a transfer.
        extra_context = dict(extra_context or {})
        # The first-time-right figure is the inbox's, named in settings: classification never imports it.
        if settings.SMC_CLASSIFIER_ROUTING_FIGURE:
            first_time_right = import_string(settings.SMC_CLASSIFIER_ROUTING_FIGURE)
            extra_context["ftr_overall"], extra_context["ftr_divisions"] = first_time_right()
        return super().changelist_view(request, extra_context)

    @admin.action(description="선택한 버전을 사용 (하나만 선택)")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "버전을 하나만 선택하세요.", level="error")
            return
        chosen = versions.activate(queryset.get())
        self.message_user(request, f"분류 모델 {chosen.version}을(를) 사용합니다.")

    @admin.action(description="이전에 사용하던 버전으로 되돌리기 (선택과 무관)")
    def rollback(self, request, queryset):
        try:
            chosen = versions.rollback()
        except versions.NothingToRollBack as exc:
            self.message_user(request, str(exc), level="error")
            return
        self.message_user(request, f"분류 모델 {chosen.version}(으)로 되돌렸습니다.")

    def has_add_permission(self, request):
        return False  # versions come from training (manage.py train_classifier, the nightly task)

"""Admin for the routing rules, the processing regulation and the calendar overrides."""

from django.contrib import admin

from .models import CalendarOverride, EscalationStep, ProcessingRule, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("priority", "name", "topic", "district", "keywords", "division", "is_active")
    list_display_links = ("name",)
    list_editable = ("priority", "is_active")
    list_filter = ("is_active", "topic", "district", "division__bureau")
    search_fields = ("name", "keywords", "division__name_ko")
    autocomplete_fields = ("division",)
    list_select_related = ("division__bureau",)


def _any_staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


class EveryStaffReads:
    """The processing regulation binds every division: all staff read it; only who holds the model's
    change permission (the SMC desk) edits it."""

    def has_view_permission(self, request, obj=None):
        return _any_staff(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return _any_staff(request) or super().has_module_permission(request)


class EscalationStepInline(EveryStaffReads, admin.TabularInline):
    model = EscalationStep
    extra = 0


@admin.register(ProcessingRule)
class ProcessingRuleAdmin(EveryStaffReads, admin.ModelAdmin):
    list_display = ("message_type", "answer_policy", "deadline_working_days")
    inlines = [EscalationStepInline]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(EveryStaffReads, admin.ModelAdmin):
    list_display = ("date", "name", "is_holiday")
    list_filter = ("is_holiday",)
    date_hierarchy = "date"

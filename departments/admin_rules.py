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


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0


@admin.register(ProcessingRule)
class ProcessingRuleAdmin(admin.ModelAdmin):
    list_display = ("message_type", "answer_policy", "deadline_working_days")
    inlines = [EscalationStepInline]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "is_holiday")
    list_filter = ("is_holiday",)
    date_hierarchy = "date"

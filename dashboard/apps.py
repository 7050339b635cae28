from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _calendar_changed(**kwargs):
    from .services import refresh_calendar

    # After commit: the staff's override is what the calendar must read.
    transaction.on_commit(refresh_calendar)


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "통계"

    def ready(self):
        from departments.models import CalendarOverride

        post_save.connect(_calendar_changed, sender=CalendarOverride, dispatch_uid="dashboard-calendar")
        post_delete.connect(_calendar_changed, sender=CalendarOverride, dispatch_uid="dashboard-calendar-del")

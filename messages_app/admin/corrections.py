"""The staff corrections of type/topic the classifier learns from (classification reads them
through messages_app.training.label_corrections, named in settings.SMC_CLASSIFIER_CORRECTIONS)."""

from django.contrib import admin

from ..models import LabelCorrection
from ..services import permissions


@admin.register(LabelCorrection)
class LabelCorrectionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "type", "topic", "short_text", "corrected_by")
    list_filter = ("type", "topic")
    readonly_fields = ("message", "text", "type", "topic", "corrected_by", "created_at")

    def get_queryset(self, request):
        # A correction copies the message's text: the same scope as the message queue.
        qs = super().get_queryset(request)
        if permissions.reads_all(request.user):
            return qs
        return qs.filter(message__in=permissions.queue(request.user))

    @admin.display(description="내용")
    def short_text(self, correction):
        return correction.text[:60]

    def has_add_permission(self, request):
        return False

"""The broadcast postings that wait for a person: an interrupted attempt that may have gone out on an
account the platform cannot be searched for. The person looks on the platform and says which.
(An answer's parts are shown, division by division, in 답변 게시: messages_app/admin/delivery.py.)"""

from django.contrib import admin, messages
from django.db import transaction

from . import services
from .models import Posting


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin):
    list_display = ("id", "state", "account", "excerpt", "attempts", "last_attempt_at", "external_id", "short_error")
    list_filter = ("state", "account__platform")
    search_fields = ("external_id", "marker", "account__handle")
    list_select_related = ("account",)
    ordering = ("-created_at", "-id")
    actions = ["not_posted", "posted"]
    readonly_fields = [f.name for f in Posting._meta.fields]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=Posting.Kind.BROADCAST)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what went out is kept

    @admin.display(description="내용 (text)")
    def excerpt(self, row):
        return row.text[:40] + ("…" if len(row.text) > 40 else "")

    @admin.display(description="오류 (error)")
    def short_error(self, row):
        return row.last_error[:80]

    @admin.action(description="플랫폼에서 확인함: 게시되지 않았으니 다시 게시 (checked: not there, post again)",
                  permissions=["change"])
    def not_posted(self, request, queryset):
        with transaction.atomic():
            ids = services.confirm_not_posted(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{len(ids)}건을 다시 게시합니다 (re-queued).", messages.SUCCESS)

    @admin.action(description="플랫폼에서 확인함: 이미 게시되어 있음 (checked: it is there)", permissions=["change"])
    def posted(self, request, queryset):
        count = sum(services.confirm_posted(pk, "") for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count}건을 게시됨으로 기록했습니다 (recorded as posted).", messages.SUCCESS)

"""The SMC desk's moderation queue: reported comments, with restore / keep hidden / delete."""

from django.contrib import admin, messages
from django.db.models import Count

from messages_app.services import permissions
from textkit.masking import mask_text

from . import services as portal
from .models import Comment, Rating


class ReportState(admin.SimpleListFilter):
    title = "검토 상태"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("waiting", "검토 대기 (신고됨·미검토)"), ("hidden", "신고로 숨김"), ("all", "모든 댓글")]

    def queryset(self, request, queryset):
        value = self.value() or "waiting"
        if value == "waiting":
            return queryset.filter(report_count__gt=0, moderated_at__isnull=True, is_deleted=False)
        if value == "hidden":
            return queryset.filter(is_hidden=True, is_deleted=False)
        return queryset

    def choices(self, changelist):
        # "waiting" is the default, so the "All" link of Django must not pretend to be selected.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "waiting") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


@admin.register(Comment)
class CommentModerationAdmin(admin.ModelAdmin):
    list_display = ["id", "short_text", "message_link", "user", "report_count", "reporters",
                    "is_hidden", "is_deleted", "moderated_by", "created_at"]
    list_filter = [ReportState, "is_hidden", "is_deleted"]
    search_fields = ["text"]
    ordering = ["-report_count", "-created_at"]
    readonly_fields = ["message", "user", "text", "created_at", "edited_at", "report_count", "is_hidden",
                       "is_deleted", "moderated_by", "moderated_at"]
    actions = ["restore", "keep_hidden", "delete_comments"]
    list_select_related = ["user", "moderated_by", "message"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(reporter_count=Count("reports", distinct=True))
        if permissions.reads_all(request.user):
            return qs
        return qs.filter(message__in=permissions.queue(request.user))  # only the desk holds the role today

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deletion is a moderation decision (kept for the record), see the action

    @admin.display(description="내용")
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(description="메시지")
    def message_link(self, obj):
        return mask_text(obj.message.text[:40])

    @admin.display(description="신고한 시민 수", ordering="reporter_count")
    def reporters(self, obj):
        return obj.reporter_count

    def _apply(self, request, queryset, decide, label):
        n = 0
        for comment in queryset:
            decide(request.user, comment)
            n += 1
        self.message_user(request, f"댓글 {n}개: {label}", messages.SUCCESS)

    @admin.action(description="복원 (공개로 되돌림)", permissions=["change"])
    def restore(self, request, queryset):
        self._apply(request, queryset, portal.restore_comment, "복원했습니다")

    @admin.action(description="숨김 유지", permissions=["change"])
    def keep_hidden(self, request, queryset):
        self._apply(request, queryset, portal.keep_comment_hidden, "숨김을 유지합니다")

    @admin.action(description="삭제", permissions=["change"])
    def delete_comments(self, request, queryset):
        self._apply(request, queryset, portal.moderate_delete_comment, "삭제했습니다")


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """만족도 평가 as the desk reads them: score and remark beside the question's division and
    account (read-only; the citizen alone gives or changes a rating). Masked like every citizen text."""

    list_display = ["message_id", "score", "masked_remark", "division", "account", "created_at", "updated_at"]
    list_filter = ["score", ("message__division", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["message__division", "message__account"]
    ordering = ["-created_at"]
    fields = ["message_id", "score", "masked_remark", "division", "account", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="의견")
    def masked_remark(self, obj):
        return mask_text(obj.remark) if obj.remark else "-"

    @admin.display(description="부서", ordering="message__division__name_ko")
    def division(self, obj):
        return obj.message.division.name_ko if obj.message.division else "-"

    @admin.display(description="계정")
    def account(self, obj):
        return obj.message.account.display_name if obj.message.account else "-"

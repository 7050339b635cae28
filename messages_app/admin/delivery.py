"""Delivery screens: what the outbox posted (state, attempts, error) and the phone/visit intake form."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from outbound.models import Posting

from ..errors import Code
from ..models import Outbox, PhoneComplaint
from ..services import intake, permissions, publishing
from .guard import MessageGuard

STATE_TONES = {
    Posting.State.PENDING: "muted", Posting.State.POSTING: "info", Posting.State.POSTED: "ok",
    Posting.State.RETRYING: "warn", Posting.State.FAILED: "error", Posting.State.UNKNOWN: "error",
}


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    """The parts of answers as they go out; what each shows is its outbound posting."""

    list_display = ("id", "state_badge", "account", "to_external_id", "excerpt", "attempts", "last_attempt_at",
                    "external_id", "short_error", "created_at")
    list_filter = ("posting__state", "posting__account__platform")
    search_fields = ("posting__reply_to", "posting__external_id", "posting__text", "posting__account__handle")
    list_select_related = ("posting__account",)
    ordering = ("-posting__created_at", "-id")
    actions = ["retry", "not_posted"]
    fields = readonly_fields = ("answer", "state_badge", "account", "to_external_id", "text", "attempts",
                                "last_attempt_at", "external_id", "posted_at", "short_error", "created_at")

    def get_queryset(self, request):
        # Staff see the deliveries of the answers of their own divisions; the desk sees all.
        qs = super().get_queryset(request)
        if permissions.reads_all(request.user):
            return qs
        return qs.filter(answer__division_id__in=permissions.division_ids(request.user))

    def has_add_permission(self, request):
        return False  # rows come from answers only

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what went out is kept

    @admin.display(description="상태", ordering="posting__state")
    def state_badge(self, row):
        return format_html('<span class="state state-{}">{}</span>', STATE_TONES.get(row.posting.state, "muted"),
                           row.posting.get_state_display())

    @admin.display(description="게시 계정")
    def account(self, row):
        return row.posting.account

    @admin.display(description="답할 메시지 ID")
    def to_external_id(self, row):
        return row.posting.reply_to

    @admin.display(description="게시할 내용")
    def text(self, row):
        return row.posting.text

    @admin.display(description="내용")
    def excerpt(self, row):
        text = row.posting.text
        return text[:40] + ("…" if len(text) > 40 else "")

    @admin.display(description="시도 횟수")
    def attempts(self, row):
        return row.posting.attempts

    @admin.display(description="마지막 시도")
    def last_attempt_at(self, row):
        return row.posting.last_attempt_at

    @admin.display(description="게시된 ID")
    def external_id(self, row):
        return row.posting.external_id

    @admin.display(description="게시 시각")
    def posted_at(self, row):
        return row.posting.posted_at

    @admin.display(description="생성 시각", ordering="posting__created_at")
    def created_at(self, row):
        return row.posting.created_at

    @admin.display(description="오류")
    def short_error(self, row):
        return row.posting.last_error[:80]

    @admin.action(description="실패한 게시 다시 시도 (플랫폼에 이미 게시됐는지 먼저 확인)",
                  permissions=["change"])
    def retry(self, request, queryset):
        with transaction.atomic():
            count = publishing.requeue(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count}건을 다시 게시 대기열에 넣었습니다.", messages.SUCCESS)

    @admin.action(description="플랫폼에서 확인함: 게시되지 않았으니 다시 게시",
                  permissions=["change"])
    def not_posted(self, request, queryset):
        with transaction.atomic():
            count = publishing.confirm_not_posted(queryset.values_list("pk", flat=True))
        self.message_user(request, f"확인 필요였던 {count}건을 다시 게시합니다.", messages.SUCCESS)


class PhoneComplaintForm(forms.ModelForm):
    channel = forms.ChoiceField(label="접수 경로", choices=list(intake.CHANNELS.items()))
    caller_contact = forms.CharField(label="연락처", max_length=100, required=False,
                                     help_text="답변 부서만 봅니다. 본문에 쓰지 마세요.")
    reference = forms.CharField(label="접수 번호", max_length=60, required=False,
                                help_text="같은 번호로 두 번 등록하면 한 건만 저장됩니다.")
    publish = forms.BooleanField(label="포털 공개 동의", required=False)

    class Meta:
        model = PhoneComplaint
        fields = ("channel", "text", "author_name", "posted_at", "caller_contact", "reference", "publish")
        labels = {"text": "민원 내용", "author_name": "민원인 이름",
                  "posted_at": "접수 시각"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A recorded complaint is shown read-only: the admin then builds this form without its model fields.
        if "author_name" in self.fields:
            self.fields["author_name"].required = False
        if "posted_at" in self.fields:
            self.fields["posted_at"].initial = timezone.now

    def clean_posted_at(self):
        value = self.cleaned_data["posted_at"]
        if value and value > timezone.now():
            raise forms.ValidationError(_("접수 시각이 미래일 수 없습니다."), code=Code.IN_FUTURE)
        return value


@admin.register(PhoneComplaint)
class PhoneComplaintAdmin(MessageGuard, admin.ModelAdmin):
    """Staff type in a call or a visit; it enters the same pipeline as the platforms' messages.
    A recorded complaint is shown read-only (its URLs pass MessageGuard, like the message page)."""

    form = PhoneComplaintForm
    list_display = ("id", "posted_at", "author_name", "excerpt", "status", "division", "is_private")
    list_filter = ("status",)
    search_fields = ("text", "author_name")
    ordering = ("-posted_at", "-id")
    recorded_fields = ("channel_label", "posted_at", "author_name", "contact", "reference_number", "text",
                       "status", "division", "is_private", "staff_page")

    def get_fields(self, request, obj=None):
        return self.recorded_fields if obj is not None else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.recorded_fields if obj is not None else ()

    @admin.display(description="접수 경로")
    def channel_label(self, message):
        channel = (message.raw or {}).get("channel", "")
        return intake.CHANNELS.get(channel, channel or "-")

    @admin.display(description="연락처")
    def contact(self, message):
        return (message.raw or {}).get("caller_contact") or "-"

    @admin.display(description="접수 번호")
    def reference_number(self, message):
        return (message.raw or {}).get("reference") or "-"

    @admin.display(description="처리")
    def staff_page(self, message):
        url = reverse("admin:messages_app_message_change", args=[message.pk])
        return format_html('<a href="{}">메시지 화면에서 답변·이관</a>', url)

    def get_queryset(self, request):
        # Phone complaints are never public: staff see only those of their divisions' queue.
        qs = super().get_queryset(request).filter(platform="phone").select_related("division__bureau")
        return permissions.queue(request.user, qs)

    def has_change_permission(self, request, obj=None):
        return False  # handled afterwards in the message screens like any other message

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="내용")
    def excerpt(self, message):
        return message.text[:50]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            message = intake.record_phone_complaint(
                request.user, data["text"], channel=data["channel"], caller_name=data.get("author_name") or "",
                caller_contact=data.get("caller_contact") or "", received_at=data.get("posted_at"),
                reference=data.get("reference") or "", publish=data.get("publish", False),
            )
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        obj.pk = obj.id = message.pk  # the admin's redirect and log entry point at the stored message
        obj.text = message.text

    def save_related(self, request, form, formsets, change):
        pass  # nothing related: the service stored everything

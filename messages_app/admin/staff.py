"""The staff screens: each division's queue, the message page (conversation, history, answer box
with canned answers and a per-platform length preview, transfer, label correction) and bulk actions.

Thin: every change goes through services.triage, which checks permission (refusals are audited)
and validates input. A refusal answers 403 with a Korean explanation.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.connectors import split_reply
from core.errors import ApplicationError
from departments.models import Division, Membership

from ..models import CannedAnswer, Message, MessageType, Notice, Status, StatusChange, Topic
from ..selectors import first_time_right
from ..services import permissions as perms
from ..services import triage
from ..services.workflow import OPEN_STATUSES, allowed_targets
from .guard import MessageGuard, guarded_message

BLANK = [("", "---------")]
DETAIL_TEMPLATE = "admin/messages_app/message/detail.html"


class OverdueFilter(admin.SimpleListFilter):
    title = "처리 기한"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", "기한 초과"), ("soon", "3일 이내"), ("none", "기한 없음")]

    def queryset(self, request, queryset):
        now = timezone.now()
        open_q = Q(status__in=OPEN_STATUSES)
        if self.value() == "overdue":
            return queryset.filter(open_q & (Q(is_overdue=True) | Q(due_at__lt=now)))
        if self.value() == "soon":
            return queryset.filter(open_q, due_at__gte=now, due_at__lt=now + timedelta(days=3))
        if self.value() == "none":
            return queryset.filter(due_at__isnull=True)
        return queryset


class StaffActionForm(helpers.ActionForm):
    """The bulk-action bar: the action plus the values it needs."""

    type = forms.ChoiceField(label="유형", required=False, choices=BLANK + list(MessageType.choices))
    topic = forms.ChoiceField(label="주제", required=False, choices=BLANK + list(Topic.choices))
    division = forms.ModelChoiceField(label="배정 부서", required=False,
                                      queryset=Division.objects.select_related("bureau"))
    note = forms.CharField(label="사유", required=False, max_length=500)


class AnswerForm(forms.Form):
    text = forms.CharField(label="답변", widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
                           required=False, strip=False)
    canned = forms.ModelChoiceField(label="자주 쓰는 답변", required=False,
                                    queryset=CannedAnswer.objects.none())


class TransferForm(forms.Form):
    division = forms.ModelChoiceField(label="이관할 부서", queryset=Division.objects.select_related("bureau"))
    reason = forms.CharField(label="이관 사유", widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))


class ReclassifyForm(forms.Form):
    type = forms.ChoiceField(label="유형", choices=MessageType.choices)
    topic = forms.ChoiceField(label="주제", choices=Topic.choices)


def notices_for(user, qs):
    """The reminders a user may see: their divisions' (the heads-only ones for heads); all for the desk."""
    if perms.reads_all(user):
        return qs
    heads = set(Membership.objects.filter(user=user, is_head=True).values_list("division_id", flat=True))
    return qs.filter(Q(division_id__in=perms.division_ids(user), heads_only=False) | Q(division_id__in=heads))


def deadline_badge(message: Message, now=None) -> str:
    """'기한 초과', 'D-day', 'D-3' … (calendar days to the deadline), '' without a deadline."""
    if message.due_at is None or message.status not in OPEN_STATUSES:
        return ""
    now = now or timezone.now()
    if message.is_overdue or message.due_at < now:
        return "기한 초과"
    days = (timezone.localtime(message.due_at).date() - timezone.localtime(now).date()).days
    return "D-day" if days == 0 else f"D-{days}"


def length_preview(platform: str, text: str) -> str:
    """How the answer will be posted: 'X: 3개 트윗으로 나뉩니다'."""
    if not text.strip():
        return ""
    try:
        parts = split_reply(platform, text)
    except Exception:  # noqa: BLE001 - a platform without a splitter posts the text whole
        return f"{len(text):,}자"
    n = len(parts)
    if platform == "x":
        return "X: 트윗 1개에 들어갑니다" if n == 1 else f"X: {n}개 트윗으로 나뉩니다"
    if platform == "facebook":
        return "페이스북: 댓글 1개" if n == 1 else f"페이스북: {n}개 댓글로 나뉩니다"
    return f"{len(text):,}자"


@admin.register(Message)
class MessageAdmin(MessageGuard, admin.ModelAdmin):
    list_display = ("id", "badge", "status", "type", "topic", "district", "division", "account", "excerpt",
                    "needs_triage", "posted_at")
    list_display_links = ("id", "excerpt")
    list_filter = ("status", "type", "topic", "district", OverdueFilter, "needs_triage",
                   ("account", admin.RelatedOnlyFieldListFilter),
                   ("division", admin.RelatedOnlyFieldListFilter), "platform", "is_simulated")
    search_fields = ("text", "author_handle", "external_id")
    list_select_related = ("division__bureau", "account")
    list_per_page = 50
    action_form = StaffActionForm
    actions = ["action_set_labels", "action_assign", "action_spam"]
    change_list_template = "admin/messages_app/message/change_list.html"

    # --- the queue ---

    def get_queryset(self, request):
        return perms.queue(request.user, super().get_queryset(request).defer("raw", "search_vector"))

    def has_add_permission(self, request):
        return False  # messages arrive from the platforms and the portal

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="기한", ordering="due_at")
    def badge(self, obj):
        text = deadline_badge(obj)
        if text == "기한 초과":
            return format_html("<strong>🔴 {}</strong>", text)
        if text.startswith("D-") and (text == "D-day" or int(text[2:]) <= 3):
            return format_html("<strong>🟠 {}</strong>", text)
        return text or "-"

    @admin.display(description="내용")
    def excerpt(self, obj):
        text = obj.text[:60] + ("…" if len(obj.text) > 60 else "")
        return f"[시뮬레이션] {text}" if obj.is_simulated else text

    def changelist_view(self, request, extra_context=None):
        # First-time-right: the whole city for who reads everything, else the user's divisions.
        user = request.user
        overall, per_division = first_time_right(None if perms.reads_all(user) else list(perms.division_ids(user)))
        extra_context = {**(extra_context or {}), "notices": self._notices(user),
                         "title": self._queue_title(user), "ftr_overall": overall, "ftr_divisions": per_division}
        return super().changelist_view(request, extra_context)

    def _queue_title(self, user) -> str:
        if perms.reads_all(user):
            return "메시지 대기열 (전체 부서)"
        names = Division.objects.filter(pk__in=perms.division_ids(user)).values_list("name_ko", flat=True)
        return f"{', '.join(names)} 메시지 대기열"

    def _notices(self, user):
        since = timezone.now() - timedelta(days=7)
        return list(notices_for(user, Notice.objects.filter(created_at__gte=since).select_related("division"))[:20])

    # --- bulk actions: the whole selection is checked, not only what the queue shows ---

    def response_action(self, request, queryset):
        ids = [i for i in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME) if i.isdigit()]
        if ids and request.POST.get("select_across") != "1":
            try:
                perms.require_all(request.user, perms.BULK, Message.objects.filter(pk__in=ids))
            except perms.Forbidden as exc:
                return self.forbidden(request, str(exc))
        return super().response_action(request, queryset)

    def _bulk(self, request, run):
        try:
            count = run()
        except perms.Forbidden as exc:
            return self.forbidden(request, str(exc))
        except ApplicationError as exc:
            self.message_user(request, f"{exc} 아무것도 바꾸지 않았습니다.", messages.ERROR)
            return None
        self.message_user(request, f"{count}건을 처리했습니다.", messages.SUCCESS)
        return None

    @admin.action(description="선택한 메시지의 유형/주제 지정")
    def action_set_labels(self, request, queryset):
        type_, topic = request.POST.get("type") or None, request.POST.get("topic") or None
        return self._bulk(request, lambda: triage.bulk_reclassify(queryset, actor=request.user,
                                                                  type=type_, topic=topic))

    @admin.action(description="선택한 메시지를 부서에 배정(이관)")
    def action_assign(self, request, queryset):
        reason = request.POST.get("note", "")
        if not reason.strip() and perms.acts_on_all(request.user):
            reason = "SMC 데스크 배정"
        division = request.POST.get("division") or None
        return self._bulk(request, lambda: triage.bulk_assign(queryset, division, actor=request.user,
                                                              reason=reason))

    @admin.action(description="선택한 메시지를 스팸으로 처리")
    def action_spam(self, request, queryset):
        return self._bulk(request, lambda: triage.bulk_spam(queryset, actor=request.user))

    # --- the message page: every URL with a message id passes MessageGuard first (GET: read, POST: the
    # action below), so the views get the message already checked from guarded_message(request) ---

    message_actions = {**MessageGuard.message_actions, "answer": perms.ANSWER, "transfer": perms.TRANSFER,
                       "reclassify": perms.RECLASSIFY, "status": perms.STATUS}

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/answer/", view(self.answer_view), name="messages_app_message_answer"),
            path("<int:pk>/transfer/", view(self.transfer_view), name="messages_app_message_transfer"),
            path("<int:pk>/reclassify/", view(self.reclassify_view),
                 name="messages_app_message_reclassify"),
            path("<int:pk>/status/", view(self.status_view), name="messages_app_message_status"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.render_detail(request, guarded_message(request))

    def _back(self, message):
        return redirect(reverse("admin:messages_app_message_change", args=[message.pk]))

    def render_detail(self, request, message, answer_form=None, preview="", status=200):
        user = request.user
        if answer_form is None:
            answer_form = AnswerForm()
        answer_form.fields["canned"].queryset = CannedAnswer.objects.filter(
            Q(division__isnull=True) | Q(division_id=message.division_id))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": f"메시지 #{message.pk}", "message": message,
            "badge": deadline_badge(message),
            "history": StatusChange.objects.filter(message=message).select_related("actor", "division"),
            "conversation": self._conversation(user, message),
            "answer": getattr(message, "answer", None) if hasattr(message, "answer") else None,
            "answer_form": answer_form, "preview": preview,
            "transfer_form": TransferForm(), "reclassify_form": ReclassifyForm(
                initial={"type": message.type, "topic": message.topic}),
            "targets": [(s, Status(s).label) for s in allowed_targets(message.status)],
            "can_answer": perms.can(user, perms.ANSWER, message),
            "can_transfer": perms.can(user, perms.TRANSFER, message),
            "can_reclassify": perms.can(user, perms.RECLASSIFY, message),
            "can_status": perms.can(user, perms.STATUS, message),
            "notices": message.notices.all()[:10],
        }
        return TemplateResponse(request, DETAIL_TEMPLATE, context, status=status)

    def _conversation(self, user, message):
        q = Q(pk__in=[])
        if message.conversation_id:
            q |= Q(platform=message.platform, conversation_id=message.conversation_id)
        if message.parent_external_id:
            q |= Q(platform=message.platform, external_id=message.parent_external_id)
        q |= Q(platform=message.platform, parent_external_id=message.external_id)
        around = Message.objects.filter(q).exclude(pk=message.pk).select_related("division")
        return [m for m in around.order_by("posted_at", "id")[:50] if perms.can(user, perms.READ, m)]

    def _post_only(self, request, pk):
        if request.method != "POST":
            return None, redirect(reverse("admin:messages_app_message_change", args=[pk]))
        return guarded_message(request), None

    def answer_view(self, request, pk):
        message, early = self._post_only(request, pk)
        if early:
            return early
        form = AnswerForm(request.POST)
        form.fields["canned"].queryset = CannedAnswer.objects.filter(
            Q(division__isnull=True) | Q(division_id=message.division_id))
        form.is_valid()
        text = request.POST.get("text", "")
        if "_load" in request.POST:
            canned = form.cleaned_data.get("canned")
            data = request.POST.copy()
            data["text"] = canned.text if canned else text
            return self.render_detail(request, message, AnswerForm(data), length_preview(
                message.platform, data["text"]))
        if "_preview" in request.POST:
            return self.render_detail(request, message, form, length_preview(message.platform, text))
        try:
            triage.answer(message, actor=request.user, text=text)
        except perms.Forbidden as exc:
            return self.forbidden(request, str(exc))
        except ApplicationError as exc:
            form.add_error("text", str(exc))
            return self.render_detail(request, message, form, status=400)
        self.message_user(request, "답변을 등록했습니다. 플랫폼에 곧 게시됩니다.", messages.SUCCESS)
        return self._back(message)

    def _simple(self, request, pk, run, done):
        message, early = self._post_only(request, pk)
        if early:
            return early
        try:
            run(message)
        except perms.Forbidden as exc:
            return self.forbidden(request, str(exc))
        except ApplicationError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return self._back(message)
        self.message_user(request, done, messages.SUCCESS)
        return self._back(message)

    def transfer_view(self, request, pk):
        return self._simple(request, pk, lambda m: triage.transfer(
            m, request.POST.get("division"), actor=request.user, reason=request.POST.get("reason")),
            "이관했습니다.")

    def reclassify_view(self, request, pk):
        return self._simple(request, pk, lambda m: triage.reclassify(
            m, actor=request.user, type=request.POST.get("type") or None,
            topic=request.POST.get("topic") or None), "분류를 정정했습니다.")

    def status_view(self, request, pk):
        return self._simple(request, pk, lambda m: triage.change_status(
            m, request.POST.get("to_status", ""), actor=request.user, note=request.POST.get("note", "")),
            "상태를 바꿨습니다.")


@admin.register(CannedAnswer)
class CannedAnswerAdmin(admin.ModelAdmin):
    list_display = ("title", "division")
    list_filter = (("division", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("title", "text")

    def get_queryset(self, request):
        # Everyone's answers and the user's divisions' own; the desk sees all.
        qs = super().get_queryset(request)
        if perms.reads_all(request.user):
            return qs
        return qs.filter(Q(division__isnull=True) | Q(division_id__in=perms.division_ids(request.user)))


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "division", "step", "text")
    list_filter = ("step",)
    list_select_related = ("division__bureau",)

    def get_queryset(self, request):
        return notices_for(request.user, super().get_queryset(request))

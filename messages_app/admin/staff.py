"""The staff screens: each division's queue, the message page (conversation, history, answer box
with canned answers and a per-platform length preview, transfer, label correction) and bulk actions.

Thin: every change goes through services.handling, which checks permission (refusals are audited)
and validates input. A refusal answers 403 with a Korean explanation.
"""

import hashlib
from datetime import datetime, timedelta
from html import escape

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Substr
from django.forms.utils import flatatt
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.connectors import split_reply
from core.errors import ApplicationError
from departments.models import Division, Membership
from departments.regulation import Regulation
from textkit.masking import mask_name
from textkit.places import district_name, neighbourhood_name

from .. import selectors
from ..models import Answer, CannedAnswer, Message, MessageType, Notice, Status, StatusChange, Topic
from ..services import canned, handling, notifications, org_lists, ownership, presence, publishing
from ..services import permissions as perms
from ..services.workflow import OPEN_STATUSES, allowed_targets
from .guard import MessageGuard, guarded_message, say

BLANK = [("", "---------")]
# The moment a user last opened the queue, kept in the cache (not the session, whose every write is a
# database transaction): newer messages are marked new.
SEEN_TTL = 30 * 24 * 3600


def queue_seen_key(user) -> str:
    return f"queue-seen:{user.pk}"


def swap_queue_seen(user, value: str) -> str | None:
    """Keeps `value` as the moment the user last opened the queue and returns the one before: one
    round trip to Redis (SET ... GET), not a read and a write."""
    key, client = queue_seen_key(user), getattr(cache, "client", None)
    if not hasattr(client, "encode"):  # not django-redis
        before = cache.get(key)
        cache.set(key, value, SEEN_TTL)
        return before
    raw = client.get_client(write=True).set(client.make_key(key), client.encode(value), ex=SEEN_TTL, get=True)
    return None if raw is None else client.decode(raw)


def filters_cache_key(request, cl) -> str:
    """The filter side bar's drawing depends on the filters' choices (the accounts, the desk's divisions),
    the query (which choice is selected, the links keep the rest) and the language: drawing it took a
    fifth of a queue page, so it is kept in the cache under a digest of those."""
    choices = [getattr(spec, "lookup_choices", None) for spec in cl.filter_specs]
    query = sorted((k, v) for k, v in request.GET.lists() if k != "p")
    return _digest(choices, query)


def _digest(*parts) -> str:
    """A fragment cache key: a digest of what the fragment is drawn from, in the active language."""
    return hashlib.sha256(repr((*parts, translation.get_language())).encode()).hexdigest()[:32]


DETAIL_TEMPLATE = "admin/messages_app/message/detail.html"


class OverdueFilter(admin.SimpleListFilter):
    title = "처리 기한"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", "기한 초과"), ("soon", "3일 이내"), ("none", "기한 없음")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(selectors.overdue_q(now))
        if self.value() == "soon":
            return queryset.filter(selectors.open_q(), due_at__gt=now, due_at__lt=now + timedelta(days=3))
        if self.value() == "none":
            return queryset.filter(due_at__isnull=True)
        return queryset


class SavedViewFilter(admin.SimpleListFilter):
    """The saved views (내 담당, 미배정, …) by `?view=`. Shown as tabs above the queue, not in the side
    bar; the view itself is applied in MessageAdmin.get_queryset (each view picks its own scope)."""

    title = "보기"
    parameter_name = "view"
    template = "admin/messages_app/message/no_filter.html"

    def lookups(self, request, model_admin):
        return [(v, selectors.VIEW_LABELS[v]) for v in selectors.queue_views(request.user)]

    def queryset(self, request, queryset):
        return queryset


class DivisionFilter(admin.SimpleListFilter):
    """The desk's filter by division (a list of all divisions: one short query, whatever the queue)."""

    title = "담당 부서"
    parameter_name = "division"

    def lookups(self, request, model_admin):
        if not perms.reads_all(request.user):
            return []
        return [(str(pk), name) for pk, name in Division.objects.order_by("name_ko").values_list("pk", "name_ko")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(division_id=int(value)) if value and value.isdigit() else queryset


class AccountFilter(admin.SimpleListFilter):
    title = "수신 계정"
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return org_lists.account_choices()

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(account_id=int(value)) if value and value.isdigit() else queryset


class PlainSelect(forms.Select):
    """A <select> drawn in Python: Django's template per <option> cost the queue and the message page
    more than their database queries (40-odd divisions in the transfer list)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(str(k))}"{" selected" if str(k) == value else ""}>{escape(str(label))}</option>'
            for k, label in self.choices)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), mark_safe(options))


class PlainTextarea(forms.Textarea):
    """A <textarea> drawn in Python, as PlainSelect (the form renderer's templates: three per box)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        return format_html("<textarea name=\"{}\"{}>\n{}</textarea>", name, flatatt(attrs),
                           self.format_value(value) or "")


def division_choices() -> list[tuple[str, str]]:
    """The transfer targets as (pk, '본부 부서'), read as plain values: forty-odd model instances per
    page cost the queue more than its rows."""
    return [(str(pk), f"{bureau} {name}") for pk, (bureau, name) in org_lists.division_names().items()]


class StaffActionForm(helpers.ActionForm):
    """The bulk-action bar: the action plus the values it needs."""

    type = forms.ChoiceField(label="유형", required=False, choices=BLANK + list(MessageType.choices),
                             widget=PlainSelect)
    topic = forms.ChoiceField(label="주제", required=False, choices=BLANK + list(Topic.choices), widget=PlainSelect)
    division = forms.ChoiceField(label="이관할 부서", required=False, widget=PlainSelect,
                                 choices=lambda: BLANK + division_choices())
    # Its choices (the members the user may pick) are set per request when the queue is drawn; the
    # value is checked by services.ownership.
    assignee = forms.CharField(label="담당자", required=False, widget=PlainSelect(choices=BLANK))
    to_status = forms.ChoiceField(label="새 상태", required=False, choices=BLANK + list(Status.choices),
                                  widget=PlainSelect)
    note = forms.CharField(label="사유", required=False, max_length=500)


class AnswerForm(forms.Form):
    text = forms.CharField(label="답변", widget=PlainTextarea(attrs={"rows": 6, "cols": 80}),
                           required=False, strip=False)
    canned = forms.ModelChoiceField(label="자주 쓰는 답변", required=False, widget=PlainSelect,
                                    queryset=CannedAnswer.objects.none())


class TransferForm(forms.Form):
    division = forms.ChoiceField(label="이관할 부서", choices=lambda: BLANK + division_choices(), widget=PlainSelect)
    reason = forms.CharField(label="이관 사유", widget=PlainTextarea(attrs={"rows": 2, "cols": 60}))


class ReclassifyForm(forms.Form):
    type = forms.ChoiceField(label="유형", choices=MessageType.choices, widget=PlainSelect)
    topic = forms.ChoiceField(label="주제", choices=Topic.choices, widget=PlainSelect)


def deadline_badge(message: Message, now=None) -> str:
    """'기한 초과', 'D-day', 'D-3' … (calendar days to the deadline), '' without a deadline."""
    if message.due_at is None or message.status not in OPEN_STATUSES:
        return ""
    now = now or timezone.now()
    if selectors.is_overdue(message, now):
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
    if platform in COMMENT_PLATFORMS:
        name = COMMENT_PLATFORMS[platform]
        return f"{name}: 댓글 1개" if n == 1 else f"{name}: {n}개 댓글로 나뉩니다"
    return f"{len(text):,}자"


# Platforms whose answers are comments, each limited in length (accounts/connectors/text.py).
COMMENT_PLATFORMS = {"facebook": "페이스북", "instagram": "인스타그램", "youtube": "유튜브"}


# The regulation's reminders as the queue row shows them (Message.reminders_sent holds the step keys).
REMINDER_LABELS = {"half": "기한 절반 경과 알림", "day-before": "기한 하루 전 알림", "overdue": "기한 초과 알림"}
EXCERPT_CHARS = 120
QUEUE_ROW_FIELDS = ("platform", "district", "author_name", "author_handle", "is_simulated", "is_private",
                    "received_at", "status", "due_at", "is_overdue", "reminders_sent", "division", "account",
                    "assignee")


class RowLabels:
    """What every row of one page shares: the moment, today's date, the labels in the active language,
    and the related names (divisions, accounts' handles, assignees) from the org chart's cached lists:
    read as joins or subqueries beside the rows, they cost more to compile than the rows to draw."""

    def __init__(self, messages):
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.platform = {k: str(v) for k, v in Message._meta.get_field("platform").flatchoices}
        self.status = {k: str(v) for k, v in Status.choices}
        self.district = {k: str(v) for k, v in Message._meta.get_field("district").flatchoices}
        self.division = {pk: name for pk, (_, name) in org_lists.division_names().items()}
        self.handle = org_lists.account_handles()
        self.assignee = org_lists.staff_names()
        others = {m.assignee_id for m in messages if m.assignee_id and m.assignee_id not in self.assignee}
        if others:  # assigned to someone who is not staff (any longer): read those few names
            self.assignee = {**self.assignee, **org_lists.user_names(others)}


def badge_html(m: Message, now) -> str:
    text = deadline_badge(m, now)
    reminders = [REMINDER_LABELS.get(k, k) for k in m.reminders_sent or []]
    bell = (f' <span class="reminder" title="{escape(" · ".join(reminders))}">알림 {len(reminders)}</span>'
            if reminders and text else "")
    if text == "기한 초과":
        kind = "due due-over"
    elif text.startswith("D-") and (text == "D-day" or int(text[2:]) <= 3):
        kind = "due due-soon"
    else:
        kind = "due"
    return f'<span class="{kind}">{escape(text or "-")}</span>{bell}'


def channel_html(m: Message, platform_label: str, handle: str | None) -> str:
    handle = f"@{handle}" if handle else ""
    return (f'<span class="platform platform-{escape(m.platform)}">{escape(platform_label)}</span> '
            f'<span class="handle">{escape(handle)}</span>')


def excerpt_html(m: Message) -> str:
    # text_head: the queue reads the first EXCERPT_CHARS + 41 characters only (longer means longer).
    whole = getattr(m, "text_head", None)
    whole = m.text if whole is None else whole
    text = " ".join(whole[:EXCERPT_CHARS + 40].split())
    text = text[:EXCERPT_CHARS] + ("…" if len(whole) > EXCERPT_CHARS else "")
    if m.is_simulated:
        text = f"[시뮬레이션] {text}"
    marks = ('<span class="mark mark-new">새 메시지</span> ' if getattr(m, "is_new", False) else "") + \
            ('<span class="mark">비공개</span> ' if m.is_private else "")
    return marks + escape(text)


def received_text(m: Message, today) -> str:
    local = timezone.localtime(m.received_at)
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")


def assignee_text(m: Message) -> str:
    if m.assignee is None:
        return "-"
    return m.assignee.display_name or m.assignee.get_username()


def queue_row_html(m: Message, labels: RowLabels, urls: tuple[str, str], with_division: bool) -> str:
    """One row of the queue's table (change_list.html draws the head)."""
    division = (f'<td class="field-division_name">{escape(labels.division.get(m.division_id) or "미배정")}</td>'
                if with_division else "")
    district = labels.district.get(m.district, m.district) if m.district else "-"
    channel = channel_html(m, labels.platform.get(m.platform, m.platform), labels.handle.get(m.account_id))
    return (
        f'<tr data-preview="{urls[1].format(m.pk)}">'
        f'<td class="action-checkbox"><input type="checkbox" name="_selected_action" value="{m.pk}" '
        f'class="action-select" aria-label="메시지 #{m.pk} 선택"></td>'
        f'<td class="field-badge">{badge_html(m, labels.now)}</td>'
        f'<td class="field-channel">{channel}</td>'
        f'<td class="field-district">{escape(district)}</td>'
        f'<td class="field-author">{escape(mask_name(m.author_name or m.author_handle) or "-")}</td>'
        f'<th scope="row" class="field-excerpt"><a href="{urls[0].format(m.pk)}">{excerpt_html(m)}</a></th>'
        f'<td class="field-received">{received_text(m, labels.today)}</td>'
        f'<td class="field-status">{escape(labels.status.get(m.status, m.status))}</td>'
        f'{division}<td class="field-assignee_name">{escape(labels.assignee.get(m.assignee_id) or "-")}</td></tr>')


def actions_cache_key(form, cl) -> str:
    """The bulk-action bar is kept like the filter bar: under a digest of its choices (the actions, the
    divisions, the members the user may pick), the page's counts and the language."""
    choices = [list(getattr(field.widget, "choices", [])) for field in form.fields.values()]
    page = (cl.result_count, len(cl.result_list), cl.paginator.capped)
    return _digest(choices, page)


class CappedPaginator(Paginator):
    """Counts a queue up to COUNT_CAP rows: counting a division's 100,000 open messages cost more than
    showing a page of them. Past the cap the queue says '1,000건 이상' and pages up to it (saved views
    and filters narrow it; the dashboard counts exactly)."""

    @cached_property
    def count(self) -> int:
        # Only the ids and in no order: the rows' annotations (the text's head) would read the table.
        return self.object_list.order_by().values("pk")[:COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def cap(self) -> int:
        return COUNT_CAP


COUNT_CAP = 1_000


@admin.register(Message)
class MessageAdmin(MessageGuard, admin.ModelAdmin):
    list_display = ("badge", "channel", "district", "author", "excerpt", "received", "status", "assignee_name")
    list_display_links = ("excerpt",)
    list_filter = (SavedViewFilter, "status", "platform", AccountFilter, "type", "topic", "district",
                   OverdueFilter, DivisionFilter)
    search_fields = ("text", "author_handle", "external_id")
    list_select_related = ("division", "account", "assignee")
    list_per_page = 50
    show_full_result_count = False  # one count, not two, on a queue of 100,000
    paginator = CappedPaginator
    action_form = StaffActionForm
    actions = ["action_claim", "action_assign_person", "action_assign", "action_status", "action_close_unanswered",
               "action_set_labels", "action_spam"]
    change_list_template = "admin/messages_app/message/change_list.html"

    # --- the queue ---

    def get_queryset(self, request):
        qs = super().get_queryset(request).defer("raw", "search_vector")
        view = getattr(request, "smc_queue_view", None)
        if view is None:  # the message pages and Django's own views: the whole readable queue
            return perms.queue(request.user, qs)
        seen = getattr(request, "smc_queue_seen", None)
        # A row needs these columns and the head of the text, not a 100 KB text or an account's
        # credentials and cursors.
        qs = selectors.staff_queue(request.user, view, qs).only(*QUEUE_ROW_FIELDS).annotate(
            text_head=Substr("text", 1, EXCERPT_CHARS + 41))
        if seen:
            qs = qs.annotate(is_new=ExpressionWrapper(Q(received_at__gt=datetime.fromisoformat(seen)),
                                                      output_field=BooleanField()))
        return qs

    def get_list_select_related(self, request):
        # The queue's rows draw their related names from the org chart's cached lists (RowLabels).
        return () if getattr(request, "smc_queue_view", None) else self.list_select_related

    def get_ordering(self, request):
        # Overdue first, then the nearest deadline; no deadline last (the partial index's order).
        return ["-is_overdue", F("due_at").asc(nulls_last=True), "id"]

    def get_list_display(self, request):
        if perms.reads_all(request.user):
            return (*self.list_display[:-1], "division_name", self.list_display[-1])
        return self.list_display

    def has_add_permission(self, request):
        return False  # messages arrive from the platforms and the portal

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # The columns (list_display) as the admin knows them; the queue's table itself is drawn by
    # queue_row_html, one string per row.
    @admin.display(description="기한", ordering="due_at")
    def badge(self, obj):
        return mark_safe(badge_html(obj, timezone.now()))

    @admin.display(description="채널")
    def channel(self, obj):
        return mark_safe(channel_html(obj, obj.get_platform_display(), obj.account.handle if obj.account else None))

    @admin.display(description="작성자")
    def author(self, obj):
        return mask_name(obj.author_name or obj.author_handle) or "-"

    @admin.display(description="내용")
    def excerpt(self, obj):
        return mark_safe(excerpt_html(obj))

    @admin.display(description="받은 시각", ordering="received_at")
    def received(self, obj):
        return received_text(obj, timezone.localdate())

    @admin.display(description="담당자", ordering="assignee__username")
    def assignee_name(self, obj):
        return assignee_text(obj)

    @admin.display(description="담당 부서", ordering="division__name_ko")
    def division_name(self, obj):
        return obj.division.name_ko if obj.division else "미배정"

    def changelist_view(self, request, extra_context=None):
        user = request.user
        views = selectors.queue_views(user)
        view = request.GET.get("view")
        request.smc_queue_view = view if view in views else selectors.default_view(user)
        if request.method == "POST":
            # A bulk action acts on the rows the user ticked, whatever view showed them (each is
            # checked in the service): the whole readable queue, not only the current view.
            request.smc_queue_view = None
        if request.method == "GET" and "_popup" not in request.GET:
            # Newer messages than the last look are marked new; this look is the next one's mark.
            request.smc_queue_seen = swap_queue_seen(user, timezone.now().isoformat())
        elif request.method == "GET":
            request.smc_queue_seen = cache.get(queue_seen_key(user))
        tabs = [(v, selectors.VIEW_LABELS[v], f"?view={v}") for v in views]
        extra_context = {**(extra_context or {}), "title": self._queue_title(user), "saved_views": tabs,
                         "current_view": request.smc_queue_view}
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        if "action_form" in context:
            context["action_form"].fields["assignee"].widget.choices = BLANK + self._assignees(user)
        if "cl" in context:
            context["queue_with_division"] = perms.reads_all(user)
            context["queue_rows"] = self._rows(context["cl"].result_list, context["queue_with_division"])
        if "cl" in context:
            context["filters_key"] = filters_cache_key(request, context["cl"])
        if "action_form" in context and "cl" in context:
            context["actions_key"] = actions_cache_key(context["action_form"], context["cl"])
        return response

    def _rows(self, messages, with_division: bool) -> list[str]:
        """The queue's rows, each drawn as one string (queue_row_html): the admin's generic result_list,
        and then a template loop over ten cells a row, were most of a 100,000-message queue's page time."""
        # One reverse per kind of link, not two per row.
        urls = (reverse("admin:messages_app_message_change", args=[0]).replace("/0/", "/{}/"),
                reverse("admin:messages_app_message_preview", args=[0]).replace("/0/", "/{}/"))
        labels = RowLabels(messages)
        return [mark_safe(queue_row_html(m, labels, urls, with_division)) for m in messages]

    def _assignees(self, user):
        return org_lists.members(None if perms.acts_on_all(user) else sorted(perms.division_ids(user)))

    def _queue_title(self, user) -> str:
        if perms.reads_all(user):
            return "메시지 대기열 (전체 부서)"
        mine = perms.division_ids(user)
        names = [name for pk, (_, name) in org_lists.division_names().items() if pk in mine]
        return f"{', '.join(names)} 메시지 대기열"

    # --- bulk actions: the whole selection is checked, not only what the queue shows ---

    def response_action(self, request, queryset):
        ids = [i for i in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME) if i.isdigit()]
        if ids and request.POST.get("select_across") != "1":
            # Taking a message is answering work: only the division's (services.ownership decides who).
            need = perms.ANSWER if request.POST.get("action") in ("action_claim", "action_assign_person") \
                else perms.BULK
            try:
                perms.require_all(request.user, need, Message.objects.filter(pk__in=ids))
            except perms.Forbidden as exc:
                return self.forbidden(request, say(exc))
        return super().response_action(request, queryset)

    def _bulk(self, request, run):
        try:
            count = run()
        except perms.Forbidden as exc:
            return self.forbidden(request, say(exc))
        except ApplicationError as exc:
            self.message_user(request, f"{say(exc)} 아무것도 바꾸지 않았습니다.", messages.ERROR,
                              extra_tags=f"code-{exc.code}")
            return None
        self.message_user(request, f"{count}건을 처리했습니다.", messages.SUCCESS)
        return None

    @admin.action(description="내가 담당하기")
    def action_claim(self, request, queryset):
        return self._bulk(request, lambda: ownership.bulk_assign_person(queryset, request.user, actor=request.user))

    @admin.action(description="담당자 지정")
    def action_assign_person(self, request, queryset):
        to = request.POST.get("assignee") or None
        return self._bulk(request, lambda: ownership.bulk_assign_person(queryset, to, actor=request.user))

    @admin.action(description="다른 부서로 이관")
    def action_assign(self, request, queryset):
        reason = request.POST.get("note", "")
        if not reason.strip() and perms.acts_on_all(request.user):
            reason = "SMC 데스크 배정"
        division = request.POST.get("division") or None
        return self._bulk(request, lambda: handling.bulk_assign(queryset, division, actor=request.user,
                                                              reason=reason))

    @admin.action(description="상태 변경")
    def action_status(self, request, queryset):
        to_status, note = request.POST.get("to_status", ""), request.POST.get("note", "")
        return self._bulk(request, lambda: handling.bulk_change_status(queryset, to_status, actor=request.user,
                                                                     note=note))

    @admin.action(description="확인 후 종결 (답변이 필요 없는 격려·응원, 단순의견)")
    def action_close_unanswered(self, request, queryset):
        return self._bulk(request, lambda: handling.bulk_change_status(queryset, Status.CLOSED, actor=request.user,
                                                                     note="확인 후 종결"))

    @admin.action(description="유형·주제 지정")
    def action_set_labels(self, request, queryset):
        type_, topic = request.POST.get("type") or None, request.POST.get("topic") or None
        return self._bulk(request, lambda: handling.bulk_reclassify(queryset, actor=request.user,
                                                                  type=type_, topic=topic))

    @admin.action(description="스팸으로 처리")
    def action_spam(self, request, queryset):
        return self._bulk(request, lambda: handling.bulk_spam(queryset, actor=request.user))

    # --- the message page: every URL with a message id passes MessageGuard first (GET: read, POST: the
    # action below), so the views get the message already checked from guarded_message(request) ---

    message_actions = {**MessageGuard.message_actions, "answer": perms.ANSWER, "transfer": perms.TRANSFER,
                       "reclassify": perms.RECLASSIFY, "status": perms.STATUS,
                       # assigning is checked by services.ownership (heads assign, members claim);
                       # presence only says "I have it open": reading is enough for both.
                       "assign": perms.READ, "presence": perms.READ, "preview": perms.READ}

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("notifications/", view(self.notifications_view), name="messages_app_message_notifications"),
            path("<int:pk>/answer/", view(self.answer_view), name="messages_app_message_answer"),
            path("<int:pk>/transfer/", view(self.transfer_view), name="messages_app_message_transfer"),
            path("<int:pk>/reclassify/", view(self.reclassify_view),
                 name="messages_app_message_reclassify"),
            path("<int:pk>/status/", view(self.status_view), name="messages_app_message_status"),
            path("<int:pk>/assign/", view(self.assign_view), name="messages_app_message_assign"),
            path("<int:pk>/presence/", view(self.presence_view), name="messages_app_message_presence"),
            path("<int:pk>/preview/", view(self.preview_view), name="messages_app_message_preview"),
        ] + super().get_urls()

    def notifications_view(self, request):
        """알림: newly assigned to me, near deadline, overdue, the regulation's reminders. Opening it
        marks the new ones seen."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        since = notifications.seen_at(request.user)
        items = selectors.notifications(request.user, since)
        notifications.mark_seen(request.user)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "알림",
                   "items": items}
        return TemplateResponse(request, "admin/messages_app/message/notifications.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        message = guarded_message(request)
        return self.render_detail(request, message, others=presence.report(message.pk, request.user))

    def preview_view(self, request, pk):
        """The queue's preview pane: read-only, so it neither claims nor counts as having the message open."""
        message = guarded_message(request)
        context = {"message": message, "badge": deadline_badge(message),
                   "conversation": self._conversation(request.user, message),
                   "answer": getattr(message, "answer", None) if hasattr(message, "answer") else None,
                   "others": presence.others(message.pk, request.user)}
        return TemplateResponse(request, "admin/messages_app/message/preview.html", context)

    def _back(self, message):
        return redirect(reverse("admin:messages_app_message_change", args=[message.pk]))

    def _queue(self):
        return redirect(reverse("admin:messages_app_message_changelist"))

    def render_detail(self, request, message, answer_form=None, preview="", status=200, others=None):
        user = request.user
        if answer_form is None:
            answer_form = AnswerForm()
        ready = org_lists.canned_answers(message.division_id)
        answer_form.fields["canned"].queryset = CannedAnswer.objects.filter(pk__in=[c.pk for c in ready])
        # Drawn from the answers in hand (the field's own choices would read them again, through a cursor).
        answer_form.fields["canned"].widget.choices = BLANK + [(c.pk, c.title) for c in ready]
        can_answer = perms.can(user, perms.ANSWER, message)
        regulation = Regulation()  # one read of its generation for the timeline and the statuses
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": f"메시지 #{message.pk}", "message": message,
            "badge": deadline_badge(message),
            "history": StatusChange.objects.filter(message=message).select_related("actor", "division"),
            "conversation": self._conversation(user, message),
            "earlier": self._earlier(user, message),
            "places": places_of(message),
            "timeline": regulation_timeline(message, regulation),
            "answer": getattr(message, "answer", None) if hasattr(message, "answer") else None,
            "answer_form": answer_form, "preview": preview,
            "canned": [(c, canned.fill(c.text, message)) for c in ready],
            "transfer_form": TransferForm(), "reclassify_form": ReclassifyForm(
                initial={"type": message.type, "topic": message.topic}),
            "targets": [(s, Status(s).label) for s in allowed_targets(message, regulation)],
            "can_answer": can_answer,
            "can_transfer": perms.can(user, perms.TRANSFER, message),
            "can_reclassify": perms.can(user, perms.RECLASSIFY, message),
            "can_status": perms.can(user, perms.STATUS, message),
            "can_claim": can_answer and message.status in OPEN_STATUSES and message.assignee_id != user.pk
            and (message.assignee_id is None or ownership.manages(user, message)),
            "assignees": self._division_members(message) if can_answer and ownership.manages(user, message)
            else [],
            "others": presence.others(message.pk, user) if others is None else others,
            "heartbeat": presence.HEARTBEAT,
            # A notice is written with its step in reminders_sent (services.escalation): none sent, none to read.
            "notices": message.notices.all()[:10] if message.reminders_sent else [],
            # Said before staff write, not only when the answer is refused (Messenger's reply window).
            "reply_closed": publishing.reply_window_closed(message) if can_answer else "",
        }
        return TemplateResponse(request, DETAIL_TEMPLATE, context, status=status)

    def _division_members(self, message):
        return list(Membership.objects.filter(division_id=message.division_id, user__is_active=True)
                    .select_related("user").order_by("user__username"))

    def _conversation(self, user, message):
        # THREAD_FIELDS: what the page shows of each and what permissions.readable decides by.
        q = Q(pk__in=[])
        if message.conversation_id:
            q |= Q(platform=message.platform, conversation_id=message.conversation_id)
        if message.parent_external_id:
            q |= Q(platform=message.platform, external_id=message.parent_external_id)
        q |= Q(platform=message.platform, parent_external_id=message.external_id)
        around = Message.objects.filter(q).exclude(pk=message.pk).only(*THREAD_FIELDS)
        return perms.readable(user, around.order_by("posted_at", "id")[:50])

    def _earlier(self, user, message):
        """The citizen's earlier messages to the city's accounts on this platform, with their answers."""
        if not message.author_external_id:
            return []
        earlier = (Message.objects.filter(platform=message.platform, author_external_id=message.author_external_id,
                                          posted_at__lte=message.posted_at)
                   .exclude(pk=message.pk).select_related("answer")
                   .only(*THREAD_FIELDS, "answer__text", "answer__created_at")
                   .order_by("-posted_at", "-id")[:10])
        return perms.readable(user, earlier)

    def _post_only(self, request, pk):
        if request.method != "POST":
            return None, redirect(reverse("admin:messages_app_message_change", args=[pk]))
        return guarded_message(request), None

    def answer_view(self, request, pk):
        message, early = self._post_only(request, pk)
        if early:
            return early
        form = AnswerForm(request.POST)
        form.fields["canned"].queryset = canned_answers(message)
        form.is_valid()
        text = request.POST.get("text", "")
        if "_load" in request.POST:
            chosen = form.cleaned_data.get("canned")
            data = request.POST.copy()
            data["text"] = canned.fill(chosen.text, message) if chosen else text
            return self.render_detail(request, message, AnswerForm(data), length_preview(
                message.platform, data["text"]))
        if "_preview" in request.POST:
            return self.render_detail(request, message, form, length_preview(message.platform, text))
        try:
            handling.answer(message, actor=request.user, text=text)
        except perms.Forbidden as exc:
            return self.forbidden(request, say(exc))
        except ApplicationError as exc:
            form.add_error("text", forms.ValidationError(say(exc), code=exc.code))
            return self.render_detail(request, message, form, status=400)
        presence.leave(message.pk, request.user)
        self.message_user(request, f"메시지 #{message.pk}에 답변을 등록했습니다. 플랫폼에 곧 게시됩니다.",
                          messages.SUCCESS)
        return self._queue()

    def _simple(self, request, pk, run, done, then=None):
        message, early = self._post_only(request, pk)
        if early:
            return early
        try:
            run(message)
        except perms.Forbidden as exc:
            return self.forbidden(request, say(exc))
        except ApplicationError as exc:
            self.message_user(request, say(exc), messages.ERROR, extra_tags=f"code-{exc.code}")
            return self._back(message)
        self.message_user(request, done if isinstance(done, str) else done(message), messages.SUCCESS)
        return then() if then else self._back(message)

    def transfer_view(self, request, pk):
        # The message leaves the division: back to the queue (its page may no longer be ours to read).
        return self._simple(request, pk, lambda m: handling.transfer(
            m, request.POST.get("division"), actor=request.user, reason=request.POST.get("reason")),
            lambda m: f"메시지 #{m.pk}을(를) {m.division.name_ko}(으)로 이관했습니다.", then=self._queue)

    def reclassify_view(self, request, pk):
        return self._simple(request, pk, lambda m: handling.reclassify(
            m, actor=request.user, type=request.POST.get("type") or None,
            topic=request.POST.get("topic") or None), "분류를 정정했습니다.")

    def status_view(self, request, pk):
        return self._simple(request, pk, lambda m: handling.change_status(
            m, request.POST.get("to_status", ""), actor=request.user, note=request.POST.get("note", "")),
            "상태를 바꿨습니다.")

    def assign_view(self, request, pk):
        to = request.POST.get("assignee", "")
        target = request.user.pk if to == "me" else (to or None)

        def done(m):
            return "담당자를 해제했습니다." if m.assignee is None else \
                f"담당자를 {m.assignee.display_name or m.assignee.username}(으)로 지정했습니다."
        return self._simple(request, pk, lambda m: ownership.assign(m, target, actor=request.user), done)

    def presence_view(self, request, pk):
        """POST {state}: I am here (viewing or writing), once per HEARTBEAT; both POST and GET answer
        who else is."""
        message = guarded_message(request)
        others = None
        if request.method == "POST" and request.POST.get("state") == "gone":
            presence.leave(message.pk, request.user)
        elif request.method == "POST":
            others = presence.report(message.pk, request.user, request.POST.get("state", presence.VIEWING))
        if others is None:
            others = presence.others(message.pk, request.user)
        answered = Answer.objects.filter(message_id=message.pk).exists()
        return JsonResponse({"others": others, "answered": answered})


# The columns the message page reads of the other messages of a thread or of the citizen: what it shows
# (time, handle, status, text) and what permissions.readable decides by (status, privacy, kind, division).
THREAD_FIELDS = ("platform", "posted_at", "author_handle", "text", "status", "is_private", "hidden_by_author",
                 "kind", "division")


def canned_answers(message):
    return CannedAnswer.objects.filter(Q(division__isnull=True) | Q(division_id=message.division_id))


def places_of(message: Message) -> list[str]:
    found = []
    if message.district:
        found.append(district_name(message.district))
    if message.neighbourhood:
        found.append(neighbourhood_name(message.neighbourhood))
    return [p for p in found if p]


TRIGGER_TEXT = {"half": "기한 절반 경과: 부서에 알림", "day-before": "기한 하루 전: 부서장에게 알림",
                "overdue": "기한 초과: SMC 데스크에 알림"}


def regulation_timeline(message: Message, regulation: Regulation | None = None) -> list[dict]:
    """The regulation's steps for this message: received, each reminder (sent or when), the deadline."""
    if not message.type:
        return []
    steps = (regulation or Regulation()).steps(message.type, message.received_at, message.due_at)
    now, sent = timezone.now(), set(message.reminders_sent or [])
    rows = [{"when": message.received_at, "what": "접수", "done": True}]
    for step in steps:
        if step.key == "overdue":
            continue
        rows.append({"when": step.fire_at, "what": TRIGGER_TEXT.get(step.key, step.key),
                     "done": step.key in sent or step.fire_at <= now})
    if message.due_at:
        rows.append({"when": message.due_at, "what": "처리 기한", "done": message.due_at <= now})
    return rows


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
        return selectors.notices_for(request.user, super().get_queryset(request))

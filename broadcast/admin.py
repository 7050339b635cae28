"""Staff screens for emergency broadcasts (Korean, one page per broadcast).

The broadcast's page shows, top to bottom: where it stands and what to do next (one button per
allowed step), exactly what each platform will get, the live progress with per-account results, and
every recorded step. Thin: every change goes through services.workflow / services.sending.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from outbound.models import Posting

from . import areas, selectors
from .models import Broadcast, CapStatus, MsgType, Step, Template
from .services import BroadcastError, sending, workflow


class DistrictPicker(forms.CheckboxSelectMultiple):
    """The districts' checkboxes with the SVG district map beside them (static/broadcast/district-picker.js)."""

    template_name = "broadcast/widgets/district_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["view_box"], context["widget"]["shapes"] = areas.svg_map()
        return context


class BroadcastForm(forms.ModelForm):
    # No initial value: the drafter must choose (Hawaii 2018: Actual and Exercise were one click apart).
    cap_status = forms.ChoiceField(label="실제 상황·훈련·시험", choices=CapStatus.choices, widget=forms.RadioSelect,
                                   help_text="훈련·시험은 모의 발신기로만 게시되고 모든 화면에 '훈련'으로 표시됩니다.")
    districts = forms.MultipleChoiceField(
        label="대상 지역 (자치구)", required=False, widget=DistrictPicker,
        help_text="아무것도 고르지 않으면 서울특별시 전역입니다.")

    class Meta:
        model = Broadcast
        fields = ["cap_status", *workflow.CONTENT_FIELDS, "districts", "onset", "expires"]
        widgets = {f: forms.Textarea(attrs={"rows": 3, "cols": 70})
                   for f in ("description_ko", "description_en", "instruction_ko", "instruction_en")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "districts" in self.fields:  # absent when the page is read-only
            self.fields["districts"].choices = areas.choices()
        for name in ("onset", "expires"):
            if name in self.fields:
                # The admin splits date and time into two inputs without labels of their own.
                date, time = self.fields[name].widget.widgets
                label = self.fields[name].label
                date.attrs["aria-label"], time.attrs["aria-label"] = f"{label} (날짜)", f"{label} (시각)"


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "event_ko", "category", "severity", "urgency", "certainty", "is_exercise"]
    ordering = ["order"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    form = BroadcastForm
    change_form_template = "admin/broadcast/broadcast/change_form.html"
    change_list_template = "admin/broadcast/broadcast/change_list.html"
    list_display = ["title", "kind", "state_badge", "drafted_by", "approved_by", "approved_at", "result"]
    list_filter = ["state", "msg_type", "cap_status"]
    search_fields = ["headline_ko", "headline_en", "identifier"]

    # --- permissions: drafters edit only their own draft; nobody deletes ---------------------------

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return workflow.can_draft(request.user) or super().has_change_permission(request)
        return obj.state == Broadcast.State.DRAFT and obj.drafted_by_id == request.user.pk

    def has_view_permission(self, request, obj=None):
        return (super().has_view_permission(request, obj) or workflow.can_draft(request.user)
                or workflow.can_approve(request.user))

    def has_add_permission(self, request):
        return workflow.can_draft(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    # --- list ---------------------------------------------------------------------------------------

    @admin.display(description="제목 (대상 지역)", ordering="headline_ko")
    def title(self, obj):
        return obj.title_ko

    @admin.display(description="종류")
    def kind(self, obj):
        label = obj.get_msg_type_display()
        return f"[훈련] {label}" if obj.is_exercise else label

    @admin.display(description="상태", ordering="state")
    def state_badge(self, obj):
        return format_html('<span class="bc-state bc-{}">{}</span>', obj.state, obj.get_state_display())

    @admin.display(description="발신 결과")
    def result(self, obj):
        if not obj.is_sent:
            return "—"
        return selectors.reach_phrase(selectors.progress(obj.pk))

    def changelist_view(self, request, extra_context=None):
        extra = {"templates": Template.objects.all(), "can_draft": workflow.can_draft(request.user),
                 "title": "긴급메시지 발신", "subtitle": None}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    # --- add / edit a draft: through the services ---------------------------------------------------

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        code = request.GET.get("template")
        template = Template.objects.filter(code=code).first() if code else None
        if template:
            initial.update(workflow.template_values(template))
        initial.pop("cap_status", None)  # chosen by the drafter, every time
        initial.setdefault("expires", timezone.now() + timedelta(hours=workflow.DEFAULT_DURATION_HOURS))
        return initial

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the draft's page: its per-platform preview and the "승인 요청" button.
        messages.success(request, "초안을 저장했습니다. 아래 미리보기를 확인하고 승인을 요청하세요.")
        return redirect(reverse("admin:broadcast_broadcast_change", args=[obj.pk]))

    def response_change(self, request, obj):
        messages.success(request, "초안을 고쳤습니다. 미리보기를 확인하고 승인을 요청하세요.")
        return redirect(reverse("admin:broadcast_broadcast_change", args=[obj.pk]))

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data.get(k) for k in workflow.DRAFT_FIELDS if k in form.cleaned_data}
        if change:
            saved = workflow.edit_draft(obj, request.user, **data)
        else:
            code = request.GET.get("template")
            template = Template.objects.filter(code=code).first() if code else None
            saved = workflow.create_draft(request.user, template=template, **data)
        obj.pk, obj.identifier = saved.pk, saved.identifier
        obj._state.adding = False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return [*BroadcastForm.Meta.fields]
        return []

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, {**(extra_context or {}), "title": "새 긴급메시지 초안"})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = self._page_context(request, obj) if obj else {}
        if obj:
            extra.update(title=f"긴급메시지 {obj.get_state_display()}: {obj.title_ko}", subtitle=None)
        try:
            return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})
        except BroadcastError as exc:
            messages.error(request, str(exc))
            return redirect(reverse("admin:broadcast_broadcast_change", args=[object_id]))

    def _page_context(self, request, obj: Broadcast) -> dict:
        user = request.user
        is_drafter = obj.drafted_by_id == user.pk
        # A follow-up started here continues the chain's newest message (services.workflow).
        head = selectors.head_of(obj) if obj.is_sent else None
        progress = selectors.progress(obj.pk) if obj.is_sent else None
        return {
            "bc": obj,
            "preview": workflow.preview(obj),
            "area_ko": areas.describe(obj.districts, "ko"),
            "steps": obj.steps.select_related("actor"),
            "progress": progress,
            "heading": selectors.status_heading(obj, progress),
            "kind": f"{obj.get_cap_status_display() or '미선택'} · {obj.get_msg_type_display()}",
            "reach_phrase": selectors.reach_phrase(selectors.progress(obj.pk)) if obj.is_sent else "",
            "deliveries": selectors.deliveries(obj) if obj.is_sent else [],
            "can_submit": obj.state == Broadcast.State.DRAFT and is_drafter,
            "can_approve": obj.state == Broadcast.State.SUBMITTED and workflow.can_approve(user) and not is_drafter,
            "own_draft_waiting": obj.state == Broadcast.State.SUBMITTED and is_drafter,
            "can_retry": obj.is_sent and obj.deliveries.filter(posting__state=Posting.State.FAILED).exists()
                         and selectors.chain_refusal(obj, cancel_ok=True) is None,
            "can_followup": head is not None and workflow.can_draft(user) and selectors.chain_refusal(head) is None,
            "head": head,
            "chain": selectors.chain_of(obj) if obj.is_sent else [*selectors.references_chain(obj), obj],
            "drafts": obj.followups.exclude(state__in=selectors.SENT_STATES).order_by("drafted_at"),
        }

    # --- the steps (POST, one button each) ----------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/submit/", wrap(self.step_view("submit")), name="broadcast_submit"),
            path("<int:pk>/confirm/", wrap(self.confirm_view), name="broadcast_confirm"),
            path("<int:pk>/approve/", wrap(self.step_view("approve")), name="broadcast_approve"),
            path("<int:pk>/reject/", wrap(self.step_view("reject")), name="broadcast_reject"),
            path("<int:pk>/retry/", wrap(self.step_view("retry")), name="broadcast_retry"),
            path("<int:pk>/update/", wrap(self.step_view("update")), name="broadcast_update"),
            path("<int:pk>/cancel/", wrap(self.step_view("cancel")), name="broadcast_cancel"),
            path("<int:pk>/progress.json", wrap(self.progress_view), name="broadcast_progress"),
            *super().get_urls(),
        ]

    def step_view(self, step: str):
        def view(request, pk: int):
            if not self.has_view_permission(request):
                raise PermissionDenied
            obj = get_object_or_404(Broadcast, pk=pk)
            target = obj
            if request.method != "POST":
                # Steps change state only by POST (the page's buttons); a GET (a reload, a pasted link)
                # goes back to the broadcast's page and changes nothing.
                return redirect(reverse("admin:broadcast_broadcast_change", args=[obj.pk]))
            try:
                if step == "submit":
                    workflow.submit(obj, request.user)
                    messages.success(request, "승인을 요청했습니다. 다른 승인자가 승인하면 발신됩니다.")
                elif step == "approve":
                    try:
                        workflow.approve(obj, request.user, request.POST.get("confirmation", ""))
                    except BroadcastError as exc:
                        messages.error(request, str(exc))
                        return redirect(reverse("admin:broadcast_confirm", args=[obj.pk]))
                    messages.success(request, "승인했습니다. 모든 계정으로 발신을 시작합니다.")
                elif step == "reject":
                    workflow.reject(obj, request.user, request.POST.get("reason", ""))
                    messages.success(request, "반려했습니다.")
                elif step == "retry":
                    n = sending.retry_failed(obj, request.user)
                    messages.success(request, f"실패한 {n}건을 다시 발신합니다.")
                else:
                    msg_type = MsgType.UPDATE if step == "update" else MsgType.CANCEL
                    target = workflow.prepare_followup(obj, request.user, msg_type)
                    messages.success(request, "원래 내용으로 채운 새 초안입니다. 고친 뒤 승인을 요청하세요.")
            except BroadcastError as exc:
                messages.error(request, str(exc))
            return redirect(reverse("admin:broadcast_broadcast_change", args=[target.pk]))

        return view

    def confirm_view(self, request, pk: int):
        """The step before sending: what will happen, in large type, and the area's name to type."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(Broadcast, pk=pk)
        if obj.state != Broadcast.State.SUBMITTED or not workflow.can_approve(request.user):
            return redirect(reverse("admin:broadcast_broadcast_change", args=[obj.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "bc": obj,
            "title": f"발신 전 확인: {obj.title_ko}", "subtitle": None,
            "own_draft": obj.drafted_by_id == request.user.pk,
            "area_full": areas.describe(obj.districts, "ko"), "word": workflow.confirmation_word(obj),
            "recipients": selectors.recipients_summary(), "preview": workflow.preview(obj),
            "chain": selectors.references_chain(obj),
        }
        return TemplateResponse(request, "admin/broadcast/broadcast/confirm.html", context)

    def progress_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(Broadcast, pk=pk)
        p = selectors.progress(obj.pk)
        rows = [{
            "id": d.pk, "account": str(d.account), "platform": d.account.get_platform_display(),
            "state": d.state, "state_label": d.get_state_display(), "error": d.last_error,
            "needs_reauth": d.needs_reauth, "external_id": d.external_id, "attempts": d.attempts,
            "manual_text": d.posting.text if d.needs_manual_post else "",
        } for d in selectors.deliveries(obj)]
        return JsonResponse({**p, "state": obj.state, "state_label": obj.get_state_display(),
                             "heading": selectors.status_heading(obj, p),
                             "phrase": selectors.reach_phrase(p), "deliveries": rows})


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["broadcast", "action", "actor", "at", "note"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from .forms import AccountAdminForm, CsvImportForm
from .models import Account, Status
from .services import export_registry_csv, import_registry_csv


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountAdminForm
    change_list_template = "admin/accounts/account/change_list.html"
    list_display = ("display_name", "platform", "handle_link", "owner_division", "field", "district", "is_mayor",
                    "is_polled", "follower_count", "status_badge", "last_polled_at", "short_error")
    list_filter = ("platform", "status", "field", "is_polled", "district", "is_mayor", "owner_division__bureau")
    search_fields = ("handle", "display_name", "name_en", "owner_division__name_ko", "operator")
    list_select_related = ("owner_division__bureau",)
    autocomplete_fields = ("owner_division",)
    actions = ["pause", "resume"]
    readonly_fields = ("credentials_state", "retired_notice", "last_polled_at", "last_error",
                       "last_error_at", "health_note", "poll_cursor", "created_at")
    fieldsets = (
        (None, {"fields": ("retired_notice", "platform", "handle", "display_name", "name_en",
                           "profile_url", "platform_user_id", "owner_division", "operator", "field", "district",
                           "is_mayor", "follower_count", "status")}),
        ("수집", {"fields": ("is_polled", "poll_interval_seconds", "poll_cursor", "last_polled_at", "last_error",
                           "last_error_at", "health_note")}),
        ("자격 증명", {"fields": ("credentials_state", "new_credentials", "clear_credentials")}),
    )

    @admin.display(description="계정", ordering="handle")
    def handle_link(self, account):
        if account.profile_link:
            return format_html('<a href="{}" rel="noopener" target="_blank">@{}</a>',
                               account.profile_link, account.handle)
        return f"@{account.handle}"

    @admin.display(description="상태", ordering="status")
    def status_badge(self, account):
        tones = {Status.ACTIVE: "ok", Status.PAUSED: "warn", Status.NEEDS_REAUTH: "error",
                 Status.SUSPENDED: "error", Status.RETIRED: "muted"}
        return format_html('<span class="state state-{}">{}</span>', tones.get(account.status, "muted"),
                           account.get_status_display())

    @admin.display(description="마지막 오류")
    def short_error(self, account):
        # What the last poll left out (e.g. "권한 부족: MODERATE 2건") is shown when there is no error.
        error = account.last_error or account.health_note or "-"
        return error[:60] + "…" if len(error) > 60 else error

    @admin.display(description="자격 증명")
    def credentials_state(self, account):
        return "저장됨 (암호화, 표시하지 않음)" if account.has_credentials else "없음"

    @admin.display(description="안내")
    def retired_notice(self, account):
        return account.retired_reason or "-"

    @admin.action(description="선택한 계정 수집 일시 중지")
    def pause(self, request, queryset):
        count = queryset.filter(status=Status.ACTIVE).update(status=Status.PAUSED)
        self.message_user(request, f"{count}개 계정의 수집을 멈췄습니다.")

    @admin.action(description="선택한 계정 수집 재개 (재인증 완료 포함)")
    def resume(self, request, queryset):
        count = queryset.filter(status__in=[Status.PAUSED, Status.NEEDS_REAUTH]).update(
            status=Status.ACTIVE, last_error="")
        skipped = queryset.filter(status=Status.RETIRED).count()
        self.message_user(request, f"{count}개 계정의 수집을 재개했습니다."
                          + (f" 운영 종료 계정 {skipped}개는 재개할 수 없습니다." if skipped else ""))

    def get_urls(self):
        extra = [
            path("export-csv/", self.admin_site.admin_view(self.export_csv), name="accounts_account_export"),
            path("import-csv/", self.admin_site.admin_view(self.import_csv), name="accounts_account_import"),
        ]
        return extra + super().get_urls()

    def export_csv(self, request):
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        response = HttpResponse("\ufeff" + export_registry_csv(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="smc-accounts-{stamp}.csv"'
        return response

    def import_csv(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            return HttpResponse(status=403)
        form = CsvImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
            except UnicodeDecodeError:
                errors = ["파일이 UTF-8 인코딩이 아닙니다."]
            else:
                result = import_registry_csv(text)
                if result.ok:
                    messages.success(request,
                                     f"가져오기 완료: 추가 {result.created}개, 수정 {result.updated}개")
                    return redirect("admin:accounts_account_changelist")
                errors = result.errors
        context = {**self.admin_site.each_context(request), "form": form, "errors": errors,
                   "opts": self.model._meta, "title": "SNS 계정 CSV 가져오기"}
        return render(request, "admin/accounts/account/import_csv.html", context)

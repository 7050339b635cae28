"""Staff screens of the API's secrets: a token or key is shown once, when it is issued; only its hash
is kept. Staff issue and revoke their own tokens; Open311 keys belong to the SMC desk."""

from django.contrib import admin, messages
from django.utils import timezone

from . import keys
from .models import ApiToken, Open311Key

SHOWN_ONCE = "{what}: {raw}  — 지금 한 번만 보입니다. 안전한 곳에 복사해 두세요. (Shown once: copy it now.)"


class SecretAdmin(admin.ModelAdmin):
    actions = ["revoke"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail keeps which token did what

    @admin.action(description="선택한 항목 폐기 (revoke)")
    def revoke(self, request, queryset):
        n = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{n}개를 폐기했습니다. 더는 쓸 수 없습니다.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(SecretAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]

    # Every active staff member may hold tokens; they act as that member, with the same permissions.
    def _staff(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self._staff(request)

    def has_view_permission(self, request, obj=None):
        return self._staff(request) and (obj is None or request.user.is_superuser or obj.user_id == request.user.pk)

    has_change_permission = has_view_permission

    def has_add_permission(self, request):
        return self._staff(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user")
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    def get_fields(self, request, obj=None):
        return ["name", *self.readonly_fields] if obj else ["name"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.user = request.user
            raw = keys.fill(obj)
            self.message_user(request, SHOWN_ONCE.format(what="API 토큰", raw=raw), messages.WARNING)
        obj.save()


@admin.register(Open311Key)
class Open311KeyAdmin(SecretAdmin):
    list_display = ["organisation", "contact", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = [*SecretAdmin.readonly_fields, "created_by"]

    def get_fields(self, request, obj=None):
        return ["organisation", "contact", *self.readonly_fields] if obj else ["organisation", "contact"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            raw = keys.fill(obj)
            self.message_user(request, SHOWN_ONCE.format(what="Open311 api_key", raw=raw), messages.WARNING)
        obj.save()

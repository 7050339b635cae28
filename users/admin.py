from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "email", "role_names", "is_staff", "is_active")
    list_filter = ("groups", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + (("SMC", {"fields": ("display_name",)}),)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="역할")
    def role_names(self, user):
        return ", ".join(group.name for group in user.groups.all()) or "-"

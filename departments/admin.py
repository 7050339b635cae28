from django.contrib import admin

from .models import Bureau, Division, Membership


class DivisionInline(admin.TabularInline):
    model = Division
    fields = ("code", "name_ko", "name_en", "email", "phone")
    extra = 0
    show_change_link = True


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ("name_ko", "name_en", "division_count", "order")
    search_fields = ("name_ko", "name_en", "code")
    inlines = [DivisionInline]

    @admin.display(description="과 수")
    def division_count(self, bureau):
        return bureau.divisions.count()


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ("user",)
    extra = 1


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("name_ko", "bureau", "name_en", "email", "phone", "is_smc_desk")
    list_filter = ("bureau", "is_smc_desk")
    search_fields = ("name_ko", "name_en", "code", "bureau__name_ko")
    list_select_related = ("bureau",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "division", "is_head")
    list_filter = ("is_head", "division__bureau")
    search_fields = ("user__username", "user__display_name", "division__name_ko")
    autocomplete_fields = ("user", "division")
    list_select_related = ("user", "division__bureau")
from . import admin_rules  # noqa: E402,F401  routing rules, regulation, calendar (issue 4)

"""The registry's admin with each account's inflow today. It lives here, not in accounts, because
accounts knows nothing of messages (DESIGN: messages_app → accounts)."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone

from accounts.admin import AccountAdmin
from accounts.models import Account


class AccountHealthAdmin(AccountAdmin):
    list_display = (*AccountAdmin.list_display[:-1], "messages_today", AccountAdmin.list_display[-1])

    def get_queryset(self, request):
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return super().get_queryset(request).annotate(
            received_today=Count("messages", filter=Q(messages__received_at__gte=start)))

    @admin.display(description="오늘 수신", ordering="received_today")
    def messages_today(self, account):
        return account.received_today


admin.site.unregister(Account)
admin.site.register(Account, AccountHealthAdmin)

"""One synchronous poll, for operators: `manage.py poll_accounts [--account HANDLE]`."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.connectors.base import TransientError
from accounts.models import Account, Status
from messages_app.services import polling


class Command(BaseCommand):
    help = "활성 계정을 지금 한 번 수집합니다 (poll the active accounts once, now)."

    def add_arguments(self, parser):
        parser.add_argument("--account", metavar="HANDLE", help="이 계정만 수집 (only this handle)")
        parser.add_argument("--platform", help="같은 ID가 여러 플랫폼에 있을 때 (x, facebook, …)")

    def handle(self, *args, **options):
        accounts = (Account.objects.filter(is_polled=True).exclude(platform__in=polling.UNPOLLED_PLATFORMS)
                    .order_by("platform", "handle"))
        if options["account"]:
            accounts = Account.objects.filter(handle=options["account"].lstrip("@")).order_by("platform")
            if options["platform"]:
                accounts = accounts.filter(platform=options["platform"])
            if not accounts:
                raise CommandError(_("계정을 찾을 수 없습니다: %(account)s") % {"account": options["account"]})
        else:
            accounts = accounts.filter(status=Status.ACTIVE)
        total = 0
        for account in accounts:
            label = f"{account.get_platform_display()} @{account.handle}"
            if account.status != Status.ACTIVE:
                reason = account.retired_reason or account.get_status_display()
                self.stdout.write(f"{label}: 건너뜀 (skipped) - {reason}")
                continue
            try:
                result = polling.poll(account)
            except TransientError as exc:
                self.stdout.write(self.style.WARNING(f"{label}: 일시적 오류 (transient error) - {exc}"))
                continue
            total += len(result.new_ids)
            if result.skipped == "rate_limited":
                line = f"요청 한도 초과, {result.rate_limited_until:%H:%M:%S}까지 대기 (rate limited)"
            elif result.skipped:
                line = f"건너뜀 (skipped: {result.skipped})"
            elif result.error:
                line = f"오류 (error) - {account.last_error}"
            else:
                line = f"가져옴 {result.fetched}건, 새 메시지 {len(result.new_ids)}건 (fetched, new)"
            style = self.style.ERROR if result.error else self.style.SUCCESS
            self.stdout.write(style(f"{label}: {line}"))
        self.stdout.write(f"합계 새 메시지 {total}건 (new messages in total)")

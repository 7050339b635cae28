"""`manage.py sync_platform --platform x --account HANDLE`: check every stored message of the last 30
days of one account against the platform now (deleted, edited, withheld), as the polls do a slice
at a time."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.connectors.base import ConnectorError
from accounts.models import Account
from messages_app.services import sync


class Command(BaseCommand):
    help = "한 계정의 최근 메시지 원문 상태(삭제·수정·게재 보류)를 지금 확인합니다 (sync one account now)."

    def add_arguments(self, parser):
        parser.add_argument("--platform", required=True, help="x, facebook, …")
        parser.add_argument("--account", required=True, metavar="HANDLE", help="계정 ID (handle)")

    def handle(self, *args, **options):
        try:
            account = Account.objects.get(platform=options["platform"], handle=options["account"].lstrip("@"))
        except Account.DoesNotExist as exc:
            raise CommandError(_("계정을 찾을 수 없습니다: %(account)s") % {"account": options["account"]}) from exc
        try:
            counts = sync.sync_account(account, everything=True)
        except ConnectorError as exc:
            raise CommandError(_("확인 실패: %(error)s") % {"error": exc}) from exc
        self.stdout.write(f"{account.get_platform_display()} @{account.handle}: 확인 {counts.checked}건, "
                          f"삭제 {counts.deleted}건, 수정 {counts.edited}건, 게재 보류 {counts.withheld}건 "
                          f"(checked, deleted, edited, withheld)")

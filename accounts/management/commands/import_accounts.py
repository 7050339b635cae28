from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.services import import_registry_csv


class Command(BaseCommand):
    help = "CSV 파일에서 SNS 계정 목록을 가져옵니다. 잘못된 행이 하나라도 있으면 아무것도 저장하지 않습니다."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **options):
        with open(path, encoding="utf-8-sig") as f:
            result = import_registry_csv(f.read())
        if not result.ok:
            raise CommandError(_("가져오지 않았습니다:\n%(errors)s") % {"errors": "\n".join(result.errors)})
        self.stdout.write(self.style.SUCCESS(f"추가 {result.created}개, 수정 {result.updated}개"))

from django.core.management.base import BaseCommand

from accounts.services import export_registry_csv


class Command(BaseCommand):
    help = "SNS 계정 목록을 CSV로 내보냅니다 (자격 증명은 포함하지 않습니다)."

    def handle(self, *args, **options):
        self.stdout.write(export_registry_csv(), ending="")

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboard import demo


class Command(BaseCommand):
    help = ("대시보드 시연용 과거 메시지(시뮬레이션 표시)를 만듭니다. 이미 있으면 건너뜁니다. "
            "(Simulated message history for the dashboard demo; skipped when present.)")

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=20_000)
        parser.add_argument("--days", type=int, default=120)

    def handle(self, *args, n, days, **options):
        if demo.has_history():
            self.stdout.write("시뮬레이션 이력이 이미 있습니다 (simulated history already there).")
            return
        today = timezone.localdate()
        demo.generate(n, today - timedelta(days=days), today)
        self.stdout.write(f"시뮬레이션 메시지 {n:,}건 생성 (simulated messages created)")

from django.core.management.base import BaseCommand

from dashboard.services import rebuild_stats


class Command(BaseCommand):
    help = ("대시보드 집계를 원본 테이블에서 처음부터 다시 계산합니다. 수집 중에도 안전합니다. "
            "(Recompute the dashboard's rollups from scratch; safe while ingest runs.)")

    def handle(self, *args, **options):
        counts = rebuild_stats()
        self.stdout.write("집계 완료 (rebuilt): " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

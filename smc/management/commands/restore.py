"""manage.py restore PATH: a backup of `manage.py backup` into the empty database of DATABASE_URL."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smc import backup


class Command(BaseCommand):
    help = ("PATH의 백업을 DATABASE_URL이 가리키는 빈 데이터베이스에 복원합니다 "
            "(테이블이 하나라도 있으면 거부합니다).")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            manifest = backup.restore(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(f"restored: {len(manifest['row_counts'])} tables, {rows:,} rows, "
                          f"{len(manifest['migrations'])} migrations, from the backup of {manifest['created_at']}")

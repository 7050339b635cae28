"""manage.py backup PATH: the whole database into the directory PATH (smc/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smc import backup


class Command(BaseCommand):
    help = "데이터베이스 전체를 PATH 디렉터리에 백업합니다 (pg_dump custom 형식 + manifest.json)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            manifest = backup.backup(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(f"backup: {path / manifest['dump']} ({manifest['size']:,} bytes, "
                          f"{len(manifest['row_counts'])} tables, {rows:,} rows, sha256 {manifest['sha256'][:12]}…)")

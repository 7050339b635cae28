"""Backup and restore of the whole database: `manage.py backup PATH`, `manage.py restore PATH`.

A backup is a directory: `smc.dump` (pg_dump's custom format: compressed, restorable table by
table) and `manifest.json` (when, from which server, the dump's SHA-256, the row count of every
table and the migrations applied). A restore goes only into an empty database (no table at all), checks
the dump against the manifest first and the row counts after.

pg_dump and pg_restore must be as new as the server: the binaries of the server's major version
(Debian's /usr/lib/postgresql/<major>/bin, or the embedded pgserver wheel's own), else a newer one;
SMC_PG_BIN names a directory to use instead. The password goes through the environment (PGPASSWORD),
never on the command line.
"""

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

DUMP = "smc.dump"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def _params(alias: str = "default") -> dict:
    db = settings.DATABASES[alias]
    return {"NAME": db["NAME"], "USER": db.get("USER") or "", "PASSWORD": db.get("PASSWORD") or "",
            "HOST": db.get("HOST") or "", "PORT": str(db.get("PORT") or "")}


def _candidates() -> list[Path]:
    dirs = []
    if os.environ.get("SMC_PG_BIN"):
        dirs.append(Path(os.environ["SMC_PG_BIN"]))
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    spec = importlib.util.find_spec("pgserver")  # the embedded server's wheel, not imported
    for location in (spec.submodule_search_locations or []) if spec else []:
        dirs.append(Path(location) / "pginstall" / "bin")
    found = shutil.which("pg_dump")
    if found:
        dirs.append(Path(found).parent)
    return [d for d in dirs if (d / "pg_dump").exists() and (d / "pg_restore").exists()]


def _major(binary: Path) -> int:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    if not match:
        raise BackupError(f"cannot read the version of {binary.name}: {out!r}")
    return int(match.group(1))


def server_major(alias: str = "default") -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def tools(major: int) -> Path:
    """The directory of pg_dump/pg_restore for a server of this major version: the same version if
    there is one, else the oldest newer one (pg_dump reads older servers, never newer ones)."""
    by_major: dict[int, Path] = {}
    for directory in _candidates():
        by_major.setdefault(_major(directory / "pg_dump"), directory)
    if major in by_major:
        return by_major[major]
    newer = sorted(m for m in by_major if m > major)
    if not newer:
        raise BackupError(f"PostgreSQL {major}의 pg_dump/pg_restore가 없습니다 (found: {sorted(by_major)}); "
                          "SMC_PG_BIN에 그 bin 디렉터리를 지정하세요.")
    return by_major[newer[0]]


def _env(params: dict) -> dict:
    env = {**os.environ, "PGDATABASE": params["NAME"], "PGUSER": params["USER"], "PGHOST": params["HOST"],
           "PGPORT": params["PORT"], "PGPASSWORD": params["PASSWORD"]}
    return {k: v for k, v in env.items() if v != "" or k not in {"PGUSER", "PGHOST", "PGPORT", "PGPASSWORD"}}


def row_counts(alias: str = "default") -> dict[str, int]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def migrations(alias: str = "default") -> list[list[str]]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [list(row) for row in cursor.fetchall()]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(target: Path, alias: str = "default") -> dict:
    """Dump the database into the directory `target` (created; must not hold a backup already)."""
    target.mkdir(parents=True, exist_ok=True)
    if (target / DUMP).exists() or (target / MANIFEST).exists():
        raise BackupError(f"{target} already holds a backup; choose a new directory")
    params = _params(alias)
    major = server_major(alias)
    binaries = tools(major)
    # Counted in one snapshot with the dump would need the dump's own transaction; counting just
    # before it is exact when nothing writes, and the restore's check says so when something did.
    counts = row_counts(alias)
    applied = migrations(alias)
    dump = target / DUMP
    result = subprocess.run([str(binaries / "pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                             f"--file={dump}"], env=_env(params), capture_output=True, text=True)
    if result.returncode != 0:
        dump.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[-2000:]}")
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "database": params["NAME"],
        "server_major": major,
        "pg_dump": str(_major(binaries / "pg_dump")),
        "dump": DUMP,
        "sha256": sha256(dump),
        "size": dump.stat().st_size,
        "row_counts": counts,
        "migrations": applied,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def tables_in(alias: str = "default") -> list[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT schemaname || '.' || tablename FROM pg_tables "
                       "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")
        return [name for (name,) in cursor.fetchall()]


def restore(source: Path, alias: str = "default") -> dict:
    """Restore the backup in `source` into the (empty) database of `alias`; returns the manifest."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} holds no {MANIFEST}: not a backup of `manage.py backup`")
    manifest = json.loads(manifest_path.read_text())
    dump = source / manifest["dump"]
    if not dump.exists() or sha256(dump) != manifest["sha256"]:
        raise BackupError(f"{dump} is missing or does not match the manifest's SHA-256: the backup is damaged")
    existing = tables_in(alias)
    if existing:
        raise BackupError(f"the database {_params(alias)['NAME']!r} is not empty ({len(existing)} tables, e.g. "
                          f"{existing[0]}): restore only into a new, empty database")
    params = _params(alias)
    binaries = tools(max(server_major(alias), int(manifest["pg_dump"])))
    connections[alias].close()
    result = subprocess.run([str(binaries / "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                             "--single-transaction", f"--dbname={params['NAME']}", str(dump)],
                            env=_env(params), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was restored): {result.stderr.strip()[-2000:]}")
    with connections[alias].cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = row_counts(alias)
    differ = {t: (n, counts.get(t)) for t, n in manifest["row_counts"].items() if counts.get(t) != n}
    if differ:
        raise BackupError(f"restored row counts differ from the manifest (table: (manifest, restored)): {differ}")
    if migrations(alias) != manifest["migrations"]:
        raise BackupError("restored migration state differs from the manifest")
    return manifest

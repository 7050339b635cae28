"""The database's disk full: the messages table on a tablespace on a small tmpfs. A poll whose messages do
not fit stores none of them, fails cleanly (a retryable error, no half-stored batch), and leaves the
cursor where it was; once space returns the same poll stores every message once and moves the cursor.

Needs root (mount) and a PostgreSQL server on this machine; skipped otherwise."""

import os
import secrets
import shutil
import subprocess
import tempfile

import psycopg
import pytest
from django.db import OperationalError, connection

from accounts import connectors
from accounts.connectors.base import Batch
from accounts.models import Account, Status
from messages_app.models import Message
from messages_app.services import polling
from tests.messages_app.ingest_fakes import ScriptedConnector, make_item

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TABLESPACE = "smc_disk_full_drill"


def _admin():
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                           password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True)


@pytest.fixture
def small_disk():
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    with _admin() as admin:
        data_dir = admin.execute("SHOW data_directory").fetchone()[0]
    try:
        owner = os.stat(data_dir)
    except OSError:
        pytest.skip("the PostgreSQL server's data directory is not on this machine")
    where = tempfile.mkdtemp(prefix="smc-disk-full-")
    options = f"size=256k,uid={owner.st_uid},gid={owner.st_gid},mode=0700"
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", where]).returncode != 0:
        os.rmdir(where)
        pytest.skip("cannot mount a tmpfs here")
    with _admin() as admin:
        admin.execute(f"CREATE TABLESPACE {TABLESPACE} LOCATION '{where}'")
        admin.execute(f"ALTER TABLE messages_app_message SET TABLESPACE {TABLESPACE}")

    def grow():
        subprocess.run(["mount", "-o", "remount,size=256m", where], check=True)

    yield grow
    connection.close()
    with _admin() as admin:
        admin.execute("ALTER TABLE messages_app_message SET TABLESPACE pg_default")
        admin.execute(f"DROP TABLESPACE {TABLESPACE}")
    subprocess.run(["umount", where], check=True)
    os.rmdir(where)


def test_ingest_stops_cleanly_and_resumes_when_space_returns(seeded, small_disk, monkeypatch):
    account = Account.objects.filter(platform="x", status=Status.ACTIVE).order_by("pk").first()
    Account.objects.filter(pk=account.pk).update(poll_cursor="before", last_polled_at=None)
    account.refresh_from_db()
    fake = ScriptedConnector()
    monkeypatch.setattr(connectors, "get_connector", lambda account: fake)
    # About 600 KB of messages that do not compress: more than the 256 KB disk holds.
    items = [make_item("x", n, text=f"{n}번 민원: 도로에 구멍이 났어요 {secrets.token_hex(1000)}")
             for n in range(1, 301)]
    fake.fetches = [Batch(items=items, next_cursor="after")]

    with pytest.raises(OperationalError, match="(?i)space|could not extend"):
        polling.poll(account)
    account.refresh_from_db()
    assert account.poll_cursor == "before"
    assert Message.objects.filter(account=account).count() == 0

    small_disk()  # space returns
    fake.fetches = [Batch(items=items, next_cursor="after")]
    result = polling.poll(account)
    account.refresh_from_db()
    assert len(result.new_ids) == 300 and account.poll_cursor == "after"
    assert Message.objects.filter(account=account).count() == 300

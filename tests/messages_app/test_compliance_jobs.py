"""X batch compliance jobs for public posts older than the lookup's 30 days, replayed at X's real
URLs and the job's signed storage URLs: the regular poll creates a job and uploads the ids, later
polls ask after it and apply its result through the same path as the lookup; the job's state is a
database row, so nothing is lost between polls (or restarts)."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from accounts.connectors import x
from accounts.models import Account
from messages_app.models import ComplianceJob, Message, SourceState
from messages_app.services import polling, sync
from portal import selectors
from tests import factories
from tests.accounts.recordings import add, load
from tests.factories import platform_account

X_USER = "1240217562"
MENTIONS = f"https://api.twitter.com/2/users/{X_USER}/mentions"
JOBS = "https://api.twitter.com/2/compliance/jobs"
JOB = "1866000000000000001"
OLD = [f"170000000000000000{n}" for n in range(1, 5)]  # 1 kept, 2 deleted, 3 protected, 4 geo scrubbed
RECENT = "1785900000000000001"


@pytest.fixture(autouse=True)
def _clean(clean_platform_keys):
    pass


@pytest.fixture
def x_account():
    return platform_account("x", X_USER, {"bearer_token": "AAAAapp"})


@pytest.fixture
def stored(x_account):
    """Four public messages 40-70 days old and one of two days ago (the lookup's, not the job's)."""
    messages = {external_id: factories.public_message(f"오래된 민원 {n}번: 보도블록이 깨졌어요", account=x_account,
                                                      external_id=external_id,
                                                      posted_at=timezone.now() - timedelta(days=70 - 10 * n))
                for n, external_id in enumerate(OLD)}
    messages[RECENT] = factories.public_message("어제 올린 민원", account=x_account, external_id=RECENT,
                                                posted_at=timezone.now() - timedelta(days=2))
    return messages


def job_recording(name, at=None):
    """The recorded job, its upload URL valid for 15 minutes from `at` (X's upload_expires_at)."""
    recording = load(name)
    expires = (at or timezone.now()) + timedelta(minutes=15)
    recording["body"]["data"]["upload_expires_at"] = expires.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return recording


def public_ids():
    return set(selectors.public_messages().values_list("external_id", flat=True))


def next_interval(account):
    cache.delete(sync.sync_key(account.pk))  # the sync interval has passed


def test_the_regular_poll_runs_a_compliance_job_to_the_end(rsps, stored, x_account):
    created = job_recording("x_compliance_job_created.json")
    upload_url = created["body"]["data"]["upload_url"]
    download_url = created["body"]["data"]["download_url"]
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    create = add(rsps, "POST", JOBS, "", recording=created)
    upload = add(rsps, "PUT", upload_url, "x_compliance_upload.json")
    call_command("poll_accounts", "--account", x_account.handle, "--platform", "x", stdout=io.StringIO())

    assert create.calls[0].request.headers["Authorization"] == "Bearer AAAAapp"
    assert create.calls[0].request.body and b'"type": "tweets"' in create.calls[0].request.body
    put = upload.calls[0].request
    assert put.headers["Content-Type"] == "text/plain" and "Authorization" not in put.headers
    assert put.body.decode().split("\n") == OLD  # the oldest first; the recent post is not in it
    job = ComplianceJob.objects.get(account=x_account)
    assert (job.job_id, job.state, job.external_ids) == (JOB, ComplianceJob.State.CREATED, OLD)
    assert job.uploaded_at is not None

    # Next interval: X is still at it. Nothing changes but the job's state.
    next_interval(x_account)
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    add(rsps, "GET", f"{JOBS}/{JOB}", "x_compliance_job_in_progress.json")
    polling.poll(Account.objects.get(pk=x_account.pk))
    assert ComplianceJob.objects.get(pk=job.pk).state == ComplianceJob.State.IN_PROGRESS
    assert set(OLD) <= public_ids()

    # Next interval: complete. Its result is applied like a lookup's.
    next_interval(x_account)
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    add(rsps, "GET", f"{JOBS}/{JOB}", "x_compliance_job_complete.json")
    add(rsps, "GET", download_url, "x_compliance_result.json")
    polling.poll(Account.objects.get(pk=x_account.pk))
    job.refresh_from_db()
    assert (job.state, job.deleted, job.withheld) == (ComplianceJob.State.APPLIED, 1, 1)
    deleted = Message.objects.get(external_id=OLD[1])
    assert deleted.text == sync.DELETED_TEXT and deleted.source_state == SourceState.DELETED
    protected = Message.objects.get(external_id=OLD[2])
    assert protected.is_private and protected.source_state == SourceState.WITHHELD
    assert public_ids() & set(OLD) == {OLD[0], OLD[3]}
    assert Message.objects.get(external_id=OLD[3]).text == stored[OLD[3]].text  # scrub_geo: nothing stored
    assert Message.objects.get(external_id=OLD[0]).source_checked_at is not None
    assert not Message.objects.filter(external_id="1699999999999999999").exists()  # not ours: ignored

    # Within the day no new job is made.
    assert sync.compliance_due(Account.objects.get(pk=x_account.pk)) == ""
    assert len(create.calls) == 1


def test_a_failed_job_is_closed_and_a_new_one_made_the_next_day(rsps, stored, x_account):
    created = job_recording("x_compliance_job_created.json")
    add(rsps, "POST", JOBS, "", recording=created)
    add(rsps, "PUT", created["body"]["data"]["upload_url"], "x_compliance_upload.json")
    assert sync.compliance_due(x_account) == ComplianceJob.State.CREATED
    add(rsps, "GET", f"{JOBS}/{JOB}", "x_compliance_job_failed.json")
    assert sync.compliance_due(x_account) == ComplianceJob.State.FAILED
    job = ComplianceJob.objects.get(account=x_account)
    assert "could not be read" in job.error and job.finished_at is not None
    assert sync.compliance_due(x_account) == ""  # the same day: nothing
    tomorrow = timezone.now() + timedelta(days=1, minutes=1)
    again = add(rsps, "POST", JOBS, "", recording=job_recording("x_compliance_job_created.json", tomorrow))
    add(rsps, "PUT", created["body"]["data"]["upload_url"], "x_compliance_upload.json")
    assert sync.compliance_due(x_account, now=tomorrow) == "created"
    assert len(again.calls) == 1 and ComplianceJob.objects.filter(account=x_account).count() == 2


def test_an_upload_url_past_its_expiry_closes_the_job(rsps, stored, x_account):
    add(rsps, "POST", JOBS, "", recording=job_recording("x_compliance_job_created.json"))  # 15 minutes
    # The poll that would upload comes 20 minutes later; no PUT is registered: none may be made.
    assert sync.compliance_due(x_account, now=timezone.now() + timedelta(minutes=20)) == "expired"
    assert ComplianceJob.objects.get(account=x_account).state == ComplianceJob.State.EXPIRED


def test_a_job_open_past_the_results_lifetime_is_given_up(rsps, stored, x_account):
    job = ComplianceJob.objects.create(account=x_account, job_id=JOB, external_ids=OLD, state="in_progress",
                                       uploaded_at=timezone.now())
    # Nothing registered: X is not asked about it again.
    assert sync.compliance_due(x_account, now=timezone.now() + timedelta(days=7, minutes=1)) == "expired"
    job.refresh_from_db()
    assert job.state == ComplianceJob.State.EXPIRED and job.finished_at is not None


def test_one_job_at_a_time_for_the_app(rsps, stored, x_account):
    other = Account.objects.filter(platform="x").exclude(pk=x_account.pk).first()
    ComplianceJob.objects.create(account=other, job_id="1", external_ids=["1"])
    assert sync.compliance_due(x_account) == ""  # nothing registered: no request was made
    assert not ComplianceJob.objects.filter(account=x_account).exists()


def test_the_result_lines_say_what_became_of_each_uploaded_id():
    lines = load("x_compliance_result.json")["body_text"] + "not json\n{\"id\": 5}\n"
    result = x.compliance_result(lines, OLD)
    assert result.deleted == [OLD[1]] and result.withheld == [OLD[2]]
    assert sorted(result.unchanged) == sorted([OLD[0], OLD[3]]) and result.checked == 4

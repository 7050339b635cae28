"""The learning loop: a retrain is used only if it is not worse on the held-out set; rollback;
the nightly task is scheduled in the beat and runs in a real Celery worker."""

import os
import signal
import subprocess
import sys
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from classification import training, versions
from classification.models import ClassifierModel
from smc.celery import app
from tests.waiting import wait_until


@pytest.fixture
def only_corpus(settings):
    """No configured staff data: the retrains below differ only by the teaching the test passes."""
    settings.SMC_CLASSIFIER_CORRECTIONS = ""
    settings.SMC_CLASSIFIER_TRANSFERS = ""


def test_retrain_activates_only_if_not_worse_and_rollback_works(db, only_corpus):
    first, m1 = versions.retrain()
    assert first.is_active and m1["activated"] and first.activated_at
    second, m2 = versions.retrain()  # same data: same figures, not worse
    assert second.is_active and m2["activated"] and "나쁘지 않음" in second.note
    assert m2["previous"]["version"] == first.version

    # Bad teaching: every rental message "transferred" to the parks division.
    bad = [(r.text, "parks") for r in training.division_rows() if r.division == "rental-support"]
    third, m3 = versions.retrain(teaching=training.StaffTeaching(corrections=list, transfers=lambda: bad))
    third.refresh_from_db()
    assert not m3["activated"] and not third.is_active and third.activated_at is None
    assert third.note.startswith("사용하지 않음") and "부서 정확도" in third.note
    assert m3["division"]["accuracy"] < m2["division"]["accuracy"]
    assert versions.active_model().version == second.version  # still the better one
    assert third.metrics["division"]["accuracy"] == m3["division"]["accuracy"]  # staff see why

    back = versions.rollback()
    assert back.pk == first.pk
    assert list(ClassifierModel.objects.filter(is_active=True)) == [first]
    assert versions.active_model().version == first.version
    with pytest.raises(versions.NothingToRollBack):
        versions.rollback()  # nothing was in use before the first version


def test_admin_rolls_back(client, db, only_corpus):
    from users.models import User

    model = training.train(training.corpus_rows())
    first = versions.save_model(model, {})
    second = versions.save_model(model, {})
    client.force_login(User.objects.create_superuser("root", password="pw"))
    response = client.post("/admin/classification/classifiermodel/",
                           {"action": "rollback", "_selected_action": [second.pk]})
    assert response.status_code == 302
    assert ClassifierModel.objects.get(is_active=True) == first


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    return f"postgres://{auth}@{quote(s['HOST'] or '127.0.0.1', safe='')}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_scheduled_retrain_runs_in_a_real_worker(tmp_path):
    from departments.services import seed_org_chart

    seed_org_chart()
    entry = settings.CELERY_BEAT_SCHEDULE["retrain-classifier"]
    assert entry["task"] == "classification.retrain"
    from classification.tasks import retrain as task

    assert task.name == entry["task"]  # the worker finds it by autodiscovery (it runs it below)
    # A version in use whose figures the new one must match: the corpora-only model, stored first.
    first, _ = versions.retrain()
    queue = f"smc_retrain_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_QUEUE": queue, "CONN_MAX_AGE": "0",
           "REDIS_URL": settings.REDIS_URL, "DJANGO_SETTINGS_MODULE": "smc.settings"}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - kept open for the subprocess
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smc", "worker", "-Q", queue, "--concurrency=1", "-P", "solo",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        app.send_task(entry["task"], queue=queue)  # what the beat sends at 03:30
        wait_until(lambda: ClassifierModel.objects.count() >= 2 or proc.poll() is not None,
                   "the retrain task to store a version", timeout=240, interval=0.5, logs=[tmp_path / "worker.log"])
        assert proc.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    new = ClassifierModel.objects.exclude(pk=first.pk).get()
    assert new.is_active and new.metrics["activated"]  # same data: not worse
    assert new.metrics["evaluated_on"] == "heldout" and new.metrics["previous"]["version"] == first.version
    assert not ClassifierModel.objects.filter(pk=first.pk, is_active=True).exists()

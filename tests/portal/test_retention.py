"""Retention: closed questions lose their personal data SMC_RETENTION_YEARS after closing (moved clock)."""

from datetime import timedelta

from django.conf import settings as django_settings
from django.utils import timezone

from messages_app.models import AuditEntry, Message, StatusChange
from messages_app.services.workflow import close
from portal import retention
from portal import services as portal
from portal.models import Rating
from portal.tasks import apply_retention
from tests.factories import citizen, public_message, staff


def _closed(user, text="홍길동입니다 010-3333-4444로 연락 주세요 가로등이 꺼졌어요", **fields):
    m = public_message(text, answer="고쳤습니다", citizen=user, author_name="홍길동", author_handle="hong_gd",
                       author_external_id="x-555", raw={"user": {"name": "홍길동", "screen_name": "hong_gd"}},
                       **fields)
    close(m, actor=staff(f"closer{m.pk}", "transport-policy"))
    return m, StatusChange.objects.filter(message=m, to_status="closed").latest("created_at").created_at


def test_anonymised_only_after_the_period_once_and_reported(seeded):
    user = citizen()
    m, closed_at = _closed(user)
    portal.rate_answer(user, m, 5, "홍길동 010-3333-4444 고맙습니다")
    open_one = public_message("아직 처리 중인 질문", citizen=user, author_name="김영희")
    three_years = closed_at.replace(year=closed_at.year + 3)

    assert retention.run(now=three_years - timedelta(days=1))["anonymised"] == 0
    assert Message.objects.get(pk=m.pk).author_name == "홍길동"

    report = retention.run(now=three_years + timedelta(days=1))
    assert report["anonymised"] == 1 and report["years"] == 3
    gone = Message.objects.get(pk=m.pk)
    assert (gone.author_name, gone.author_handle, gone.author_external_id, gone.raw, gone.citizen_id) == (
        "", "", "", {}, None)
    assert "010-3333-4444" not in gone.text and "홍길동" not in gone.text and "가로등" in gone.text
    rating = Rating.objects.get(message=m)
    assert rating.score == 5 and rating.user_id is None and "010-3333-4444" not in rating.remark
    assert Message.objects.get(pk=open_one.pk).author_name == "김영희"  # not closed: kept
    assert AuditEntry.objects.filter(action="retention_anonymise", detail__contains="1건").count() == 1
    assert retention.run(now=three_years + timedelta(days=2))["anonymised"] == 0  # nothing left to do


def test_the_period_is_a_setting(seeded, settings):
    settings.SMC_RETENTION_YEARS = 1
    m, closed_at = _closed(citizen())
    assert retention.run(now=closed_at + timedelta(days=364))["anonymised"] == 0
    assert retention.run(now=closed_at + timedelta(days=367))["anonymised"] == 1


def test_the_beat_task_runs_it_nightly(seeded, settings):
    m, closed_at = _closed(citizen())
    StatusChange.objects.filter(message=m).update(created_at=timezone.now() - timedelta(days=3 * 366))
    assert apply_retention()["anonymised"] == 1
    assert django_settings.CELERY_BEAT_SCHEDULE["apply-retention"]["task"] == apply_retention.name

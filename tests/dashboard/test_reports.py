"""The scheduled reports: with a moved clock and the locmem mailbox, the month's report reaches the
mayor's office and each division head (their division only) once, with the XLSX and a Korean
summary; a reader who turns it off (preference or the e-mail's link) gets nothing more."""

import io
import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from dashboard import reports
from dashboard.models import ReportPreference
from departments.models import Division
from messages_app.models import Message
from users import roles

from .factories import known_messages


def at(y, m, d, h=8):
    return timezone.make_aware(datetime(y, m, d, h))


@pytest.fixture
def november(seeded, make_staff):
    """The known messages posted in November 2026; four of them overdue in housing."""
    messages = known_messages(now=at(2026, 11, 20), days_ago=0)
    housing = Division.objects.get(code="housing-policy")
    # Deadlines a month after the report is sent, but four in housing past theirs (marked by the beat).
    Message.objects.filter(due_at__isnull=False).update(due_at=timezone.now() + timedelta(days=30))
    Message.objects.filter(pk__in=[m.pk for m in messages if m.division_id == housing.pk][:4]).update(
        is_overdue=True, due_at=at(2026, 11, 29))
    mayor = make_staff("mayor", roles.MAYORS_OFFICE)
    head = make_staff("head", roles.DIVISION_HEAD, "housing-policy")
    clerk = make_staff("clerk", roles.DIVISION_STAFF, "housing-policy")
    for user, address in ((mayor, "mayor@seoul.example"), (head, "head@seoul.example"), (clerk, "c@seoul.example")):
        user.email = address
        user.save()
    return {"mayor": mayor, "head": head, "clerk": clerk}


def by_recipient():
    return {m.to[0]: m for m in mail.outbox}


def test_the_monthly_report_arrives_by_itself_once(november):
    sent = reports.send_due(at(2026, 12, 1, 7))
    assert sent == {"monthly": 2, "weekly": 0}
    inbox = by_recipient()
    assert set(inbox) == {"mayor@seoul.example", "head@seoul.example"}  # not the clerk
    mayor = inbox["mayor@seoul.example"]
    assert "2026-11-01 ~ 2026-11-30" in mayor.subject
    assert "유입: 1,000건" in mayor.body and "하루 평균 33.3건" in mayor.body
    assert "많이 들어온 주제: 교통 324건 (32.4%)" in mayor.body
    assert "처리 기한을 넘긴 부서 (보낸 시각 기준): 주택정책과 4건" in mayor.body
    assert "/dashboard/reports/unsubscribe/" in mayor.body and mayor.extra_headers["List-Unsubscribe"]
    name, content, mimetype = mayor.attachments[0]
    book = load_workbook(io.BytesIO(content))
    assert "divisions" in book.sheetnames and "types" in book.sheetnames
    head = inbox["head@seoul.example"]
    housing = Division.objects.get(code="housing-policy").pk
    assert Message.objects.filter(division_id=housing).count() != 1000
    assert f"유입: {Message.objects.filter(division_id=housing).count():,}건" in head.body
    # The next day's run sends nothing again.
    mail.outbox.clear()
    assert reports.send_due(at(2026, 12, 2, 7)) == {"monthly": 0, "weekly": 0} and mail.outbox == []


def test_weekly_when_asked(november):
    ReportPreference.objects.create(user=november["mayor"], weekly=True)
    reports.send_due(at(2026, 11, 23, 7))  # a Monday: the week of 16-22 November
    weekly = [m for m in mail.outbox if "주간" in m.subject]
    assert len(weekly) == 1 and "2026-11-16 ~ 2026-11-22" in weekly[0].subject
    assert "유입: 1,000건" in weekly[0].body


def test_a_reader_turns_it_off_in_the_settings(november, client):
    client.force_login(november["mayor"])
    assert client.post("/dashboard/reports/", {}).status_code == 200
    reports.send_due(at(2026, 12, 1, 7))
    assert "mayor@seoul.example" not in by_recipient() and "head@seoul.example" in by_recipient()


def test_the_link_in_the_mail_unsubscribes_without_login(november, client):
    reports.send_due(at(2026, 12, 1, 7))
    link = re.search(r"(/dashboard/reports/unsubscribe/[^/\s]+/)", by_recipient()["head@seoul.example"].body).group(1)
    assert client.get(link).status_code == 200  # a mail scanner's GET changes nothing
    assert ReportPreference.objects.get(user=november["head"]).monthly
    assert client.post(link).status_code == 200
    assert not ReportPreference.objects.get(user=november["head"]).monthly
    assert client.post("/dashboard/reports/unsubscribe/not-a-token/").status_code == 404
    mail.outbox.clear()
    reports.send_due(at(2027, 1, 1, 7))
    assert set(by_recipient()) == {"mayor@seoul.example"}


def test_a_failing_address_does_not_stop_the_others(november, monkeypatch):
    real = reports.EmailMessage.send

    def send(self, *a, **k):
        if "mayor@" in self.to[0]:
            raise OSError("mail server refused")
        return real(self, *a, **k)

    monkeypatch.setattr(reports.EmailMessage, "send", send)
    assert reports.send_due(at(2026, 12, 1, 7))["monthly"] == 1
    monkeypatch.undo()
    assert reports.send_due(at(2026, 12, 1, 8))["monthly"] == 1  # the mayor's is retried, not the head's


def test_the_schedule_is_declared_for_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-reports"]
    assert entry["task"] == "dashboard.send_scheduled_reports"
    from dashboard import tasks

    assert tasks.send_scheduled_reports.name == entry["task"]


def test_periods():
    from datetime import date

    assert reports.period("monthly", date(2026, 1, 1)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert reports.period("weekly", date(2026, 12, 7)) == (date(2026, 11, 30), date(2026, 12, 6))
    assert reports.period("weekly", date(2026, 12, 9)) == (date(2026, 11, 30), date(2026, 12, 6))
    first, last = reports.period("weekly", date(2026, 12, 13))
    assert last - first == timedelta(days=6)

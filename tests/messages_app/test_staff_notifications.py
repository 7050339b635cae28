"""Issue 30, item 4 (notifications) and item 6 (canned answers for every division)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from departments.models import Division
from messages_app.models import CannedAnswer, Message, Notice
from messages_app.services import canned, ownership
from tests.factories import division, routed, staff
from users import roles

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/admin/messages_app/message/notifications/"


def counter(html: str) -> str | None:
    marker = 'id="staff-notifications"'
    if marker not in html:
        return None
    part = html.split(marker, 1)[1].split("</a>", 1)[0]
    return part.split('class="count">', 1)[1].split("<", 1)[0] if 'class="count">' in part else "0"


def test_the_header_counts_new_assignments_reminders_and_deadlines(client, seeded):
    head = staff("bushead", "bus-policy", role=roles.DIVISION_HEAD, head=True)
    kim = staff("kim", "bus-policy")
    client.force_login(kim)
    client.get(NOTIFICATIONS)  # seen now: nothing new
    assert counter(client.get("/admin/messages_app/message/").content.decode()) == "0"

    assigned = routed("bus-policy", text="정류장 안내판 고장")
    ownership.assign(assigned, kim, actor=head)
    near = routed("bus-policy", text="내일까지 답해야 할 민원", due_at=timezone.now() + timedelta(hours=5))
    Message.objects.filter(pk=near.pk).update(assignee=kim, assigned_by=kim)
    late = routed("bus-policy", text="기한 지난 민원", due_at=timezone.now() - timedelta(hours=1), is_overdue=True)
    Message.objects.filter(pk=late.pk).update(assignee=kim, assigned_by=kim)
    Notice.objects.create(division=division("bus-policy"), message=late, step="half", text="기한 절반이 지났습니다")
    Notice.objects.create(division=division("road-management"), message=routed("road-management"),
                          step="half", text="다른 부서 알림")
    ownership.claim(routed("bus-policy"), actor=kim)  # one's own claim is not news

    from messages_app.services import notifications
    notifications.forget_count(kim.pk)
    html = client.get("/admin/messages_app/message/").content.decode()
    assert counter(html) == "4"  # assigned + near + overdue + the division's reminder

    page = client.get(NOTIFICATIONS).content.decode()
    assert "새로 맡은 메시지" in page and "정류장 안내판 고장" in page
    assert "기한 임박" in page and "기한 초과" in page and "기한 절반이 지났습니다" in page
    assert "다른 부서 알림" not in page
    # Seen: only what still needs doing is counted.
    assert counter(client.get("/admin/messages_app/message/").content.decode()) == "2"


def test_staff_without_the_inbox_see_no_counter(client, seeded):
    client.force_login(staff("drafter", role=roles.BROADCAST_DRAFTER))
    assert counter(client.get("/admin/").content.decode()) is None
    assert client.get(NOTIFICATIONS).status_code == 403


def test_every_division_gets_realistic_canned_answers_with_variables(seeded):
    for d in Division.objects.all():
        answers = list(CannedAnswer.objects.filter(division=d))
        assert len(answers) >= 3, d.code
        assert all(any(v in a.text for v in canned.VARIABLES) for a in answers)
    before = CannedAnswer.objects.count()
    call_command("seed", stdout=io.StringIO())
    assert CannedAnswer.objects.count() == before  # idempotent
    m = routed("bus-policy", author_name="최민원", due_at=timezone.now() + timedelta(days=2))
    text = canned.fill(CannedAnswer.objects.get(division=m.division, title="접수 안내").text, m)
    assert text.startswith("최민원 님, 말씀해 주신 내용은 버스정책과에서 접수했습니다.")
    assert "{" not in text

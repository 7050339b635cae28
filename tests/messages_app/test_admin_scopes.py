"""The staff lists that show rows derived from messages are scoped like the message queue, even for a
role that is granted the view permission later (today only the desk holds some of them)."""

import pytest
from django.contrib.auth.models import Permission

from messages_app.models import CannedAnswer, LabelCorrection, Notice
from portal.models import Comment
from tests.factories import division, routed, staff

pytestmark = pytest.mark.django_db


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["messages_app", "portal"],
                                                          codename__in=codenames))


@pytest.fixture
def rows(seeded):
    bus = staff("bus1", "bus-policy")
    bus_head = staff("bushead", "bus-policy", role="부서장", head=True)
    housing = staff("housing1", "housing-policy")
    bus_msg = routed("bus-policy", text="버스-메시지-본문")
    housing_msg = routed("housing-policy", text="주택-비공개-본문", kind="direct", is_private=True)
    for user, message, tag in ((bus, bus_msg, "버스"), (housing, housing_msg, "주택")):
        LabelCorrection.objects.create(message=message, text=message.text, type="complaint", topic="housing",
                                       corrected_by=user)
        Comment.objects.create(message=message, user=user, text=f"{tag}-댓글")
        Notice.objects.create(division=message.division, message=message, step="d-1", text=f"{tag}-알림")
    Notice.objects.create(division=division("bus-policy"), message=bus_msg, step="overdue", heads_only=True,
                          text="버스-부서장-전용-알림")
    CannedAnswer.objects.create(title="공통-답변", text="감사합니다")
    CannedAnswer.objects.create(title="버스-답변", text="버스 답변", division=division("bus-policy"))
    CannedAnswer.objects.create(title="주택-답변", text="주택 답변", division=division("housing-policy"))
    for user in (bus, bus_head):
        grant(user, "view_labelcorrection", "view_comment", "view_notice")
    return {"bus": bus, "bus_head": bus_head}


def page(client, model):
    app = "portal" if model == "comment" else "messages_app"  # comments moved to the portal app
    response = client.get(f"/admin/{app}/{model}/" + ("?queue=all" if model == "comment" else ""))
    assert response.status_code == 200
    return response.content.decode()


def test_canned_answers_are_everyones_and_the_divisions_own(client, rows):
    client.force_login(rows["bus"])
    html = page(client, "cannedanswer")
    assert "공통-답변" in html and "버스-답변" in html and "주택-답변" not in html


def test_label_corrections_and_comments_follow_the_queue(client, rows):
    client.force_login(rows["bus"])
    html = page(client, "labelcorrection")
    assert "버스-메시지-본문" in html and "주택-비공개-본문" not in html
    html = page(client, "comment")
    assert "버스-댓글" in html and "주택-댓글" not in html and "주택-비공개" not in html


def test_notices_follow_the_division_and_heads_only(client, rows):
    client.force_login(rows["bus"])
    html = page(client, "notice")
    assert "버스-알림" in html and "주택-알림" not in html and "버스-부서장-전용-알림" not in html
    client.force_login(rows["bus_head"])
    assert "버스-부서장-전용-알림" in page(client, "notice")

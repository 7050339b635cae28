"""Every staff action through the admin, across two divisions: allowed where it should be,
403 + an AuditEntry(allowed=False) where not."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from messages_app.models import Answer, AuditEntry, CannedAnswer, LabelCorrection, Message, Status
from tests.factories import division, routed, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(seeded, client):
    bus = staff("bus1", "bus-policy")
    road = staff("road1", "road-management")
    desk = staff("desk1", "new-media", role="SMC 데스크")
    mayor = staff("mayor1", role="시장실")
    bus_private = routed("bus-policy", is_private=True, text="비공개 쪽지: 제 전화번호는 ...")
    bus_public = routed("bus-policy", text="버스 정류장 의자가 부서졌어요")
    road_msg = routed("road-management", text="빙판길 제설 부탁드려요", topic="safety")
    return {"bus": bus, "road": road, "desk": desk, "mayor": mayor, "bus_private": bus_private,
            "bus_public": bus_public, "road_msg": road_msg}


def url(name, m):
    return reverse(f"admin:messages_app_message_{name}", args=[m.pk])


def refused(m, user, action):
    return AuditEntry.objects.filter(message=m, actor=user, action=action, allowed=False).exists()


def test_queue_shows_only_own_division(client, world):
    client.force_login(world["bus"])
    page = client.get(reverse("admin:messages_app_message_changelist"))
    assert page.status_code == 200
    ids = {m.pk for m in page.context["cl"].result_list}
    assert ids == {world["bus_private"].pk, world["bus_public"].pk}
    client.force_login(world["desk"])
    # The desk's default view is its triage (nothing here needs it); "처리 대기" holds every division's.
    assert not client.get(reverse("admin:messages_app_message_changelist")).context["cl"].result_list
    page = client.get(reverse("admin:messages_app_message_changelist") + "?view=open")
    ids = {m.pk for m in page.context["cl"].result_list}
    assert world["road_msg"].pk in ids and world["bus_private"].pk in ids


def test_filters_and_badges(client, world):
    client.force_login(world["bus"])
    page = client.get(reverse("admin:messages_app_message_changelist") + "?deadline=none&status__exact=assigned")
    assert page.status_code == 200 and len(page.context["cl"].result_list) == 2


def test_read(client, world):
    client.force_login(world["bus"])
    assert client.get(url("change", world["bus_private"])).status_code == 200
    assert client.get(url("change", world["road_msg"])).status_code == 200  # public: readable
    client.force_login(world["road"])
    response = client.get(url("change", world["bus_private"]))
    assert response.status_code == 403 and "권한이 없습니다" in response.content.decode()
    assert refused(world["bus_private"], world["road"], "read")
    client.force_login(world["mayor"])
    assert client.get(url("change", world["bus_private"])).status_code == 200


def test_answer(client, world):
    m = world["bus_public"]
    client.force_login(world["road"])
    assert client.post(url("answer", m), {"text": "다른 부서의 답변"}).status_code == 403
    assert refused(m, world["road"], "answer") and not Answer.objects.exists()
    client.force_login(world["mayor"])
    assert client.post(url("answer", m), {"text": "시장실 답변"}).status_code == 403
    client.force_login(world["bus"])
    response = client.post(url("answer", m), {"text": "의자를 이번 주에 교체하겠습니다."})
    assert response.status_code == 302
    assert Answer.objects.get(message=m).author == world["bus"]
    assert Message.objects.get(pk=m.pk).status == Status.ANSWERED
    assert AuditEntry.objects.filter(message=m, actor=world["bus"], action="answer", allowed=True).exists()


def test_answer_box_canned_answers_and_length_preview(client, world):
    canned = CannedAnswer.objects.create(title="긴 접수 안내", text="소중한 의견 감사합니다. " * 30,
                                         division=division("bus-policy"))
    client.force_login(world["bus"])
    m = world["bus_public"]
    page = client.post(url("answer", m), {"canned": canned.pk, "_load": "1", "text": ""})
    assert page.status_code == 200
    assert "소중한 의견 감사합니다." in page.context["answer_form"]["text"].value()
    assert "X:" in page.context["preview"] and "개 트윗으로 나뉩니다" in page.context["preview"]
    assert not Answer.objects.exists()  # loading and previewing save nothing
    bad = client.post(url("answer", m), {"text": "가" * 100_000})
    assert bad.status_code == 400 and bad.context["answer_form"].has_error("text", code="too_long")


def test_transfer(client, world):
    m = world["bus_public"]
    client.force_login(world["road"])
    data = {"division": division("parking").pk, "reason": "주차 문제"}
    assert client.post(url("transfer", m), data).status_code == 403
    assert refused(m, world["road"], "transfer")
    client.force_login(world["bus"])
    assert client.post(url("transfer", m), {"division": division("parking").pk, "reason": ""}).status_code == 302
    assert Message.objects.get(pk=m.pk).division == division("bus-policy")  # no reason: nothing done
    assert client.post(url("transfer", m), data).status_code == 302
    assert Message.objects.get(pk=m.pk).division == division("parking")
    # The old division still sees the message and its history.
    assert client.get(url("change", m)).status_code == 200


def test_reclassify(client, world):
    m = world["bus_private"]
    client.force_login(world["road"])
    assert client.post(url("reclassify", m), {"type": "opinion", "topic": "other"}).status_code == 403
    assert refused(m, world["road"], "reclassify") and not LabelCorrection.objects.exists()
    client.force_login(world["bus"])
    assert client.post(url("reclassify", m), {"type": "opinion", "topic": "other"}).status_code == 302
    assert LabelCorrection.objects.get(message=m).type == "opinion"


def test_bulk_action(client, world):
    changelist = reverse("admin:messages_app_message_changelist")
    road_msg = world["road_msg"]
    post = {"action": "action_spam", ACTION_CHECKBOX_NAME: [road_msg.pk, world["bus_public"].pk], "index": 0}
    client.force_login(world["bus"])
    assert client.post(changelist, post).status_code == 403
    assert refused(road_msg, world["bus"], "bulk")
    assert Message.objects.get(pk=world["bus_public"].pk).status == Status.ASSIGNED  # all or nothing
    labels = {"action": "action_set_labels", ACTION_CHECKBOX_NAME: [world["bus_public"].pk], "index": 0,
              "type": "opinion", "topic": "transport"}
    assert client.post(changelist, labels).status_code == 302
    assert Message.objects.get(pk=world["bus_public"].pk).type == "opinion"
    client.force_login(world["desk"])
    assign = {"action": "action_assign", ACTION_CHECKBOX_NAME: [road_msg.pk], "index": 0,
              "division": division("safety-general").pk, "note": ""}
    assert client.post(changelist, assign).status_code == 302
    assert Message.objects.get(pk=road_msg.pk).division == division("safety-general")
    assert client.post(changelist, {**post, ACTION_CHECKBOX_NAME: [road_msg.pk]}).status_code == 302
    assert Message.objects.get(pk=road_msg.pk).status == Status.SPAM

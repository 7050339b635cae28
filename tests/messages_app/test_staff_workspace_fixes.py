"""Issue 30, item 5: what a new staff member tripped over in the staff screens."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse

from departments.models import ProcessingRule
from messages_app.models import AuditEntry, LabelCorrection, Message
from tests.factories import division, routed, staff
from users import roles

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[가-힣]")
# "부서 (Division)", "상태 (state)": a Korean word with its English twin beside it (an acronym such as
# "(SMC)" is a name, not a translation).
SIDE_BY_SIDE = re.compile(r"[가-힣][^<>\n]{0,20}\((?=[^)]*[a-z])[A-Za-z][A-Za-z ;,'-]{2,}\)")
QUEUE = "/admin/messages_app/message/"


@pytest.fixture
def bus(seeded):
    return staff("bus1", "bus-policy")


def test_a_successful_transfer_ends_on_the_queue_without_a_refusal_in_the_audit(client, bus):
    m = routed("bus-policy", text="공원 벤치가 부서졌어요")
    client.force_login(bus)
    response = client.post(reverse("admin:messages_app_message_transfer", args=[m.pk]),
                           {"division": division("parks").pk, "reason": "공원 시설 소관"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(QUEUE, 302)]
    html = response.content.decode()
    assert f"메시지 #{m.pk}을(를) 공원조성과(으)로 이관했습니다." in html and "권한 없음" not in html
    assert Message.objects.get(pk=m.pk).division == division("parks")
    assert not AuditEntry.objects.filter(allowed=False).exists()
    assert AuditEntry.objects.filter(actor=bus, action="transfer", allowed=True).count() == 1


def test_every_staff_member_reads_the_regulation_and_only_the_desk_edits_it(client, bus):
    rule = ProcessingRule.objects.get(message_type="complaint")
    change = reverse("admin:departments_processingrule_change", args=[rule.pk])
    drafter = staff("drafter1", role=roles.BROADCAST_DRAFTER)
    for user in (bus, drafter):
        client.force_login(user)
        assert client.get(reverse("admin:departments_processingrule_changelist")).status_code == 200
        page = client.get(change)
        assert page.status_code == 200 and "기한" in page.content.decode()
        assert 'name="_save"' not in page.content.decode()  # read-only
        data = {"message_type": "complaint", "answer_policy": rule.answer_policy, "deadline_working_days": 1}
        assert client.post(change, data).status_code == 403
    assert ProcessingRule.objects.get(pk=rule.pk).deadline_working_days == 7
    client.force_login(staff("desk1", "new-media", role=roles.SMC_DESK))
    assert 'name="_save"' in client.get(change).content.decode()


def test_one_page_title_on_the_message_page(client, bus):
    m = routed("bus-policy")
    client.force_login(bus)
    html = client.get(reverse("admin:messages_app_message_change", args=[m.pk])).content.decode()
    assert html.count("<h1") == 1
    assert html.count(f"메시지 #{m.pk}</h1>") + html.count(f"메시지 #{m.pk} <span") == 1


def test_the_first_time_right_table_is_not_on_the_queue(client, bus):
    routed("bus-policy", status="answered")
    client.force_login(bus)
    assert "첫 배정 정확도" not in client.get(QUEUE).content.decode()


@pytest.mark.parametrize("app_label", ["messages_app", "departments"])
def test_every_column_and_filter_of_the_staff_lists_is_in_korean(seeded, rf, app_label):
    request = rf.get("/")
    request.user = staff("root", role=None, superuser=True)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != app_label:
            continue
        for name in model_admin.get_list_display(request):
            if name == "action_checkbox":
                continue
            label = str(label_for_field(name, model, model_admin))
            assert (HANGUL.search(label) or label == "ID") and not SIDE_BY_SIDE.search(label), (model, name, label)
        for _action, _name, description in model_admin._get_base_actions():
            assert HANGUL.search(str(description)) and not SIDE_BY_SIDE.search(str(description))


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def test_the_staff_pages_speak_one_language_at_a_time(client, bus):
    m = routed("bus-policy", text="버스 정류장 의자가 부서졌어요")
    client.force_login(bus)
    pages = [QUEUE, f"{QUEUE}?view=mine", reverse("admin:messages_app_message_change", args=[m.pk]),
             reverse("admin:departments_processingrule_changelist"),
             reverse("admin:messages_app_outbox_changelist"),
             reverse("admin:messages_app_phonecomplaint_add")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _visible_text(response.content.decode())
        assert not SIDE_BY_SIDE.search(text), (url, SIDE_BY_SIDE.search(text).group(0))
        assert "CREATED AT" not in text and "보기위한" not in text, url
        assert "(으)로" not in text, url  # Django's stock "유형 (으)로" above each filter
    desk = staff("desk1", "new-media", role=roles.SMC_DESK)
    LabelCorrection.objects.create(message=m, text=m.text, type="complaint", topic="transport", corrected_by=desk)
    client.force_login(desk)
    text = _visible_text(client.get(reverse("admin:messages_app_labelcorrection_changelist")).content.decode())
    assert "분류 정정 목록" in text and "정정한 사람" in text and "정정 시각" in text
    assert "보기위한" not in text and "CORRECTED BY" not in text.upper()

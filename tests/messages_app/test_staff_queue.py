"""Issue 30: the staff queue (saved views, order, rows, bulk), ownership, presence and the message page."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from messages_app.models import Answer, AuditEntry, CannedAnswer, Message, Notice
from messages_app.services import notifications, org_lists, presence
from tests.factories import division, routed, staff
from users import roles

pytestmark = pytest.mark.django_db

QUEUE = "/admin/messages_app/message/"


def page_url(m, name="change"):
    return reverse(f"admin:messages_app_message_{name}", args=[m.pk])


@pytest.fixture
def team(seeded):
    return {"head": staff("bushead", "bus-policy", role=roles.DIVISION_HEAD, head=True),
            "kim": staff("kim", "bus-policy"), "lee": staff("lee", "bus-policy"),
            "road": staff("road1", "road-management")}


def rows(response):
    return list(response.context["cl"].result_list)


def test_the_queue_puts_overdue_first_then_the_nearest_deadline(client, team):
    now = timezone.now()
    later = routed("bus-policy", text="열흘 뒤 기한", due_at=now + timedelta(days=10))
    none = routed("bus-policy", text="기한 없음")
    soon = routed("bus-policy", text="내일 기한", due_at=now + timedelta(days=1))
    overdue = routed("bus-policy", text="기한 지남", due_at=now - timedelta(days=1), is_overdue=True)
    answered = routed("bus-policy", text="답변 완료", status="answered", due_at=now - timedelta(days=3))
    routed("road-management", text="다른 부서", due_at=now - timedelta(days=2), is_overdue=True)
    client.force_login(team["kim"])
    response = client.get(QUEUE)
    assert [m.pk for m in rows(response)] == [overdue.pk, soon.pk, later.pk, none.pk]
    html = response.content.decode()
    assert "기한 초과" in html and "D-1" in html
    # 전체 holds the answered ones too, 기한 임박·초과 only the urgent.
    assert answered.pk in {m.pk for m in rows(client.get(QUEUE + "?view=all"))}
    assert [m.pk for m in rows(client.get(QUEUE + "?view=due"))] == [overdue.pk, soon.pk]


def test_past_the_count_cap_the_queue_says_at_least_and_still_pages(client, team, monkeypatch):
    monkeypatch.setattr("messages_app.admin.staff.COUNT_CAP", 3)
    monkeypatch.setattr("messages_app.admin.staff.MessageAdmin.list_per_page", 2)
    for i in range(5):
        routed("bus-policy", text=f"민원 {i}")
    client.force_login(team["kim"])
    html = client.get(QUEUE).content.decode()
    assert "메시지 3건 이상" in html and "메시지 5건" not in html
    assert "조건에 맞는 메시지 모두 선택 (3건 이상)" in html
    assert len(rows(client.get(QUEUE + "?p=2"))) == 2
    monkeypatch.setattr("messages_app.admin.staff.COUNT_CAP", 10)
    assert "메시지 5건" in client.get(QUEUE).content.decode()


def test_the_kept_filter_bar_shows_a_new_account_and_the_chosen_filter(client, team):
    from accounts.models import Account

    client.force_login(team["kim"])
    first = client.get(QUEUE).content.decode()
    Account.objects.create(platform="x", handle="new_bus_account", display_name="새 버스 계정",
                           owner_division=team["kim"].memberships.first().division)
    assert "new_bus_account" not in first
    assert "@new_bus_account" in client.get(QUEUE).content.decode()
    chosen = client.get(QUEUE + "?status__exact=assigned").content.decode()
    assert 'class="selected"' in chosen.split('id="changelist-filter"')[1].split("</nav>")[0]


def test_a_row_shows_the_masked_author_and_the_first_120_characters(client, team):
    text = "정류장 " * 60
    m = routed("bus-policy", text=text, author_name="김철용")
    client.force_login(team["kim"])
    html = client.get(QUEUE).content.decode()
    assert "김*용" in html and "김철용" not in html
    shown = " ".join(text.split())[:120] + "…"
    assert shown in html and text.strip() not in html
    assert page_url(m) in html


def test_new_messages_are_marked_until_the_queue_is_seen(client, team):
    client.force_login(team["kim"])
    client.get(QUEUE)  # the first look marks nothing
    routed("bus-policy", text="방금 온 메시지")
    assert "새 메시지" in client.get(QUEUE).content.decode()
    assert "새 메시지" not in client.get(QUEUE).content.decode()


@pytest.mark.parametrize("view", ["open", "mine", "due"])
def test_the_number_of_queries_does_not_grow_with_the_page(client, team, view):
    kim = team["kim"]

    def count(n):
        Message.objects.all().delete()
        for i in range(n):
            m = routed("bus-policy", text=f"민원 {i}", due_at=timezone.now() + timedelta(days=i % 5))
            Message.objects.filter(pk=m.pk).update(assignee=kim if i % 2 else team["lee"],
                                                   reminders_sent=["half"])
        notifications.forget_count(kim.pk)  # both measures draw the header's counter too
        org_lists.forget()  # and read the org chart's lists
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{QUEUE}?view={view}")
        assert response.status_code == 200
        return len(queries), len(rows(response))

    client.force_login(kim)
    small, shown_small = count(3)
    large, shown_large = count(40)
    assert shown_large > shown_small > 0
    assert large == small


@pytest.mark.parametrize("who", ["kim", "desk"])
def test_the_capped_count_reads_the_messages_alone_and_rows_show_their_names(client, team, who):
    """The count joins nothing (a join made PostgreSQL read a division's whole queue before stopping
    at the cap); the rows still show the account, the division and the assignee."""
    user = team["kim"] if who == "kim" else staff("desk", role=roles.SMC_DESK)
    m = routed("bus-policy", text="배차 간격 민원")
    Message.objects.filter(pk=m.pk).update(assignee=team["lee"])
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{QUEUE}?view=all")
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert counts and all("JOIN" not in sql for sql in counts)
    html = response.content.decode()
    assert f"@{m.account.handle}" in html and "lee" in html
    if who == "desk":
        assert f'<td class="field-division_name">{division("bus-policy").name_ko}</td>' in html


def test_rows_name_a_renamed_assignee_and_one_who_left_the_staff(client, team):
    """The rows' names come from the org chart's cached lists: a rename shows at once, and an assignee
    who is no longer staff (not in the list) is still named."""
    lee, head = team["lee"], team["head"]
    first, second = routed("bus-policy", text="첫 민원"), routed("bus-policy", text="둘째 민원")
    Message.objects.filter(pk=first.pk).update(assignee=lee)
    Message.objects.filter(pk=second.pk).update(assignee=head)
    client.force_login(team["kim"])
    assert "lee" in client.get(QUEUE).content.decode()
    lee.display_name = "이담당"
    lee.save()
    head.display_name, head.is_staff = "전 부서장", False
    head.save()
    html = client.get(QUEUE).content.decode()
    assert '<td class="field-assignee_name">이담당</td>' in html
    assert '<td class="field-assignee_name">전 부서장</td>' in html


def test_staff_claim_and_the_head_assigns(client, team):
    m = routed("bus-policy")
    client.force_login(team["kim"])
    assert client.post(page_url(m, "assign"), {"assignee": "me"}).status_code == 302
    assert Message.objects.get(pk=m.pk).assignee == team["kim"]
    assert "kim" in client.get(QUEUE + "?view=mine").content.decode()
    # A colleague cannot take it over, nor give it to someone else.
    client.force_login(team["lee"])
    response = client.post(page_url(m, "assign"), {"assignee": "me"}, follow=True)
    assert "code-already_assigned" in [m.extra_tags for m in response.context["messages"]]
    assert client.post(page_url(m, "assign"), {"assignee": team["head"].pk}).status_code == 403
    assert AuditEntry.objects.filter(actor=team["lee"], action="assign", allowed=False).exists()
    assert Message.objects.get(pk=m.pk).assignee == team["kim"]
    # The head reassigns, and lee gets an e-mail.
    mail.outbox.clear()
    client.force_login(team["head"])
    with_commit = client.post(page_url(m, "assign"), {"assignee": team["lee"].pk})
    assert with_commit.status_code == 302
    assert Message.objects.get(pk=m.pk).assignee == team["lee"]
    # Another division's member cannot be the assignee.
    response = client.post(page_url(m, "assign"), {"assignee": team["road"].pk}, follow=True)
    assert "code-not_member" in [m.extra_tags for m in response.context["messages"]]
    assert Message.objects.get(pk=m.pk).assignee == team["lee"]


def test_the_assignee_is_told_by_e_mail(team, django_capture_on_commit_callbacks):
    from messages_app.services import ownership

    m = routed("bus-policy", text="버스 정류장 안내판이 꺼졌어요")
    with django_capture_on_commit_callbacks(execute=True):
        ownership.assign(m, team["kim"], actor=team["head"])
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["kim@seoul.example"] and f"#{m.pk}" in sent.subject and "안내판" in sent.body
    with django_capture_on_commit_callbacks(execute=True):
        ownership.claim(routed("bus-policy"), actor=team["lee"])
    assert len(mail.outbox) == 1  # nobody is told of their own claim


def test_bulk_claim_assign_and_status(client, team):
    a, b = routed("bus-policy"), routed("bus-policy")
    other = routed("road-management")
    client.force_login(team["head"])
    post = {"action": "action_assign_person", ACTION_CHECKBOX_NAME: [a.pk, b.pk], "index": 0,
            "assignee": team["kim"].pk}
    assert client.post(QUEUE, post).status_code == 302
    assert set(Message.objects.filter(assignee=team["kim"]).values_list("pk", flat=True)) == {a.pk, b.pk}
    post = {"action": "action_status", ACTION_CHECKBOX_NAME: [a.pk, b.pk], "index": 0, "to_status": "in_progress"}
    assert client.post(QUEUE, post).status_code == 302
    assert set(Message.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {"in_progress"}
    client.force_login(team["lee"])
    post = {"action": "action_claim", ACTION_CHECKBOX_NAME: [a.pk, other.pk], "index": 0}
    assert client.post(QUEUE, post).status_code == 403  # all or nothing
    assert Message.objects.get(pk=a.pk).assignee == team["kim"]


def test_presence_shows_who_else_is_on_a_message(client, team):
    m = routed("bus-policy")
    client.force_login(team["kim"])
    client.get(page_url(m))
    client.force_login(team["lee"])
    html = client.get(page_url(m)).content.decode()
    assert "kim 님이 보는 중" in html
    client.force_login(team["kim"])
    response = client.post(page_url(m, "presence"), {"state": "writing"})
    assert response.json()["others"] == [{"name": "lee", "state": "viewing", "label": "보는 중"}]
    client.force_login(team["lee"])
    assert client.get(page_url(m, "presence")).json()["others"][0]["label"] == "답변 작성 중"
    # Another division may not even ask.
    client.force_login(team["road"])
    m.is_private = True
    Message.objects.filter(pk=m.pk).update(is_private=True)
    assert client.post(page_url(m, "presence"), {"state": "viewing"}).status_code == 403


def test_presence_expires(team):
    m = routed("bus-policy")
    presence.report(m.pk, team["kim"], presence.WRITING, now=1_000_000)
    assert presence.others(m.pk, team["lee"], now=1_000_000 + presence.TTL - 1)[0]["state"] == "writing"
    assert presence.others(m.pk, team["lee"], now=1_000_000 + presence.TTL + 1) == []
    assert presence.others(m.pk, team["kim"], now=1_000_000) == []  # not oneself


def test_a_second_answer_is_refused_with_a_clear_message(client, team):
    m = routed("bus-policy")
    client.force_login(team["kim"])
    first = client.post(page_url(m, "answer"), {"text": "정류장 안내판을 내일 고치겠습니다."})
    assert first.status_code == 302 and first["Location"] == QUEUE
    client.force_login(team["lee"])
    second = client.post(page_url(m, "answer"), {"text": "두 번째 답변"})
    assert second.status_code == 400
    assert "이미 다른 담당자가 답변을 등록했습니다" in second.content.decode()
    assert Answer.objects.filter(message=m).count() == 1


def test_the_message_page_shows_the_thread_routing_places_and_timeline(client, team):
    now = timezone.now()
    earlier = routed("bus-policy", text="지난달에도 같은 문제를 말씀드렸어요", author_external_id="u-77",
                     posted_at=now - timedelta(days=30), status="answered")
    Answer.objects.create(message=earlier, division=earlier.division, author=team["kim"], text="확인해 보겠습니다")
    m = routed("bus-policy", text="강남구 역삼동 정류장 의자가 또 부서졌어요", author_external_id="u-77",
               district="11680", routing_reason="규칙: 버스 정류장 → 버스정책과",
               due_at=now + timedelta(days=5))
    reply = routed("bus-policy", text="저도 봤어요", parent_external_id=m.external_id)
    client.force_login(team["kim"])
    html = client.get(page_url(m)).content.decode()
    assert "지난달에도 같은 문제를" in html and "확인해 보겠습니다" in html  # the citizen's earlier message
    assert page_url(reply) in html  # the platform thread
    assert "규칙: 버스 정류장 → 버스정책과" in html and "강남구" in html
    assert "처리 기한" in html and "기한 절반 경과" in html  # the regulation's timeline


def test_the_message_page_lists_the_reminders_sent(client, team):
    m = routed("bus-policy", text="정류장 안내판 고장", due_at=timezone.now() + timedelta(days=1))
    client.force_login(team["kim"])
    assert 'id="h-notices"' not in client.get(page_url(m)).content.decode()
    Notice.objects.create(division=m.division, message=m, step="day-before", text="처리 기한이 하루 남았습니다")
    Message.objects.filter(pk=m.pk).update(reminders_sent=["half", "day-before"])
    html = client.get(page_url(m)).content.decode()
    assert 'id="h-notices"' in html and "처리 기한이 하루 남았습니다" in html


def test_canned_answers_fill_their_variables(client, team):
    canned = CannedAnswer.objects.create(title="기한 안내", division=division("bus-policy"),
                                         text="{민원인} 님, {부서}입니다. {처리기한}까지 답변드리겠습니다.")
    due = timezone.now() + timedelta(days=3)
    m = routed("bus-policy", author_name="박시민", due_at=due)
    client.force_login(team["kim"])
    html = client.get(page_url(m)).content.decode()
    day = timezone.localtime(due)
    assert f"박시민 님, 버스정책과입니다. {day.month}월 {day.day}일까지 답변드리겠습니다." in html
    loaded = client.post(page_url(m, "answer"), {"canned": canned.pk, "_load": "1", "text": ""})
    assert loaded.context["answer_form"]["text"].value().startswith("박시민 님, 버스정책과입니다.")


def test_thanks_are_closed_without_an_answer_a_complaint_is_not(client, team):
    thanks = routed("bus-policy", text="버스 노선 늘려주셔서 감사합니다", type="support")
    opinion = routed("bus-policy", text="버스 색이 예쁘네요", type="opinion", status="in_progress")
    complaint = routed("bus-policy", text="배차 간격이 너무 길어요")
    client.force_login(team["kim"])
    # The message page offers 종결 where the regulation asks no answer, and not for a complaint.
    assert "closed" in [s for s, _ in client.get(page_url(thanks)).context["targets"]]
    assert "closed" not in [s for s, _ in client.get(page_url(complaint)).context["targets"]]
    post = {"action": "action_close_unanswered", ACTION_CHECKBOX_NAME: [thanks.pk, opinion.pk], "index": 0}
    assert client.post(QUEUE, post).status_code == 302
    assert set(Message.objects.filter(pk__in=[thanks.pk, opinion.pk]).values_list("status", flat=True)) == {"closed"}
    assert thanks.history.filter(to_status="closed", note="확인 후 종결").exists()
    # A complaint in the selection refuses the whole selection, and says why.
    again = routed("bus-policy", text="응원합니다", type="support")
    post = {"action": "action_close_unanswered", ACTION_CHECKBOX_NAME: [again.pk, complaint.pk], "index": 0}
    response = client.post(QUEUE, post, follow=True)
    assert set(Message.objects.filter(pk__in=[again.pk, complaint.pk]).values_list("status", flat=True)) == {
        "assigned"}
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_closing_an_unanswered_complaint_is_refused_with_its_code(team):
    from messages_app.errors import Code
    from messages_app.services import handling
    from messages_app.services.workflow import AnswerRequired

    complaint = routed("bus-policy")
    with pytest.raises(AnswerRequired) as refused:
        handling.change_status(complaint, "closed", actor=team["kim"])
    assert refused.value.code == Code.ANSWER_REQUIRED
    complaint.refresh_from_db()
    assert complaint.status == "assigned"
    # An answered complaint closes as before.
    complaint.status = "answered"
    complaint.save(update_fields=["status"])
    handling.change_status(complaint, "closed", actor=team["kim"])
    assert Message.objects.get(pk=complaint.pk).status == "closed"


def test_the_preview_shows_the_whole_message_and_only_to_whom_may_read_it(client, team):
    text = "정류장 안내판이 " * 40 + "끝까지 보여야 합니다"
    m = routed("bus-policy", text=text, author_name="김철용", is_private=True)  # not readable by all staff
    client.force_login(team["kim"])
    response = client.get(page_url(m, "preview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "끝까지 보여야 합니다" in html and page_url(m) in html
    assert presence.others(m.pk, team["lee"]) == []  # a preview does not count as having it open
    client.force_login(team["road"])
    assert client.get(page_url(m, "preview")).status_code == 403


def test_a_message_id_past_the_tables_range_is_not_found(client, team):
    client.force_login(team["kim"])
    assert client.get(f"{QUEUE}99999999999999999999999/change/").status_code == 404
    assert client.get(f"{QUEUE}999999999/change/").status_code == 404

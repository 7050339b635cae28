"""Issue 25.3 and 25.6: an approval that cannot be misread, in Korean.

No default between 실제 상황/훈련/시험; a confirmation step that shows the kind, the area, the accounts
and their reach and the exact texts, and sends only when the area's name (or 훈련) is typed; approvers
see a pending count and get an e-mail; the status heading follows to "발신 완료 34/37 · 수동 게시 필요 3"."""

import re
from html import unescape

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Sum

from broadcast import selectors
from broadcast.errors import Code
from broadcast.models import Broadcast, CapStatus, Delivery, Step
from broadcast.services import BroadcastError, workflow
from users import roles

from .factories import MANUAL, POSTED, TOTAL, FakePlatform, approve, deliver_all, draft, people, submitted

GANGNAM, JONGNO = "11230", "11010"


@pytest.fixture
def platform(monkeypatch):
    return FakePlatform().install(monkeypatch)


def test_there_is_no_default_between_actual_exercise_and_test(make_staff, client):
    drafter, _ = people(make_staff)
    broadcast = workflow.create_draft(drafter, template=None, headline_ko="한파", headline_en="Cold",
                                      event_ko="한파", event_en="Cold", description_ko="추움", description_en="Cold")
    assert broadcast.cap_status == ""
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.INVALID):
        workflow.submit(broadcast, drafter)
    with pytest.raises(IntegrityError, match="broadcast_status_chosen_before_submit"), transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(state="submitted", submitted_at=broadcast.drafted_at)
    # The form starts with nothing chosen, from any template (the exercise one too), and refuses to save
    # without a choice.
    client.force_login(drafter)
    for code in ("snow", "exercise", ""):
        html = client.get(f"/admin/broadcast/broadcast/add/?template={code}").content.decode()
        radios = re.findall(r'<input type="radio" name="cap_status"[^>]*>', html)
        assert len(radios) == 3 and not any("checked" in r for r in radios), code
    response = client.post("/admin/broadcast/broadcast/add/?template=snow", form_data(cap_status=""))
    assert response.status_code == 200 and "필수 항목입니다" in response.content.decode()
    response = client.post("/admin/broadcast/broadcast/add/?template=snow", form_data(cap_status="Exercise"))
    assert response.status_code == 302
    assert Broadcast.objects.filter(drafted_by=drafter, cap_status="Exercise").count() == 1


def form_data(**extra):
    data = {"event_ko": "대설", "event_en": "Snow", "category": "Met", "urgency": "Expected", "severity": "Severe",
            "certainty": "Likely", "headline_ko": "대설경보", "headline_en": "Snow", "description_ko": "눈",
            "description_en": "Snow", "instruction_ko": "", "instruction_en": "", "districts": [GANGNAM],
            "expires_0": "2099-01-01", "expires_1": "09:00:00"}
    return {**data, **extra}


def test_approval_needs_the_area_typed_and_records_a_wrong_answer(make_staff, platform):
    drafter, approver = people(make_staff)
    broadcast = submitted(drafter, districts=[GANGNAM, JONGNO])
    assert workflow.confirmation_word(broadcast) == "강남구·종로구"
    for wrong in ("", "서울 전역", "강남구", "승인"):
        with pytest.raises(BroadcastError, check=lambda e: e.code == Code.CONFIRMATION):
            workflow.approve(broadcast, approver, wrong)
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SUBMITTED and not broadcast.deliveries.exists()
    assert broadcast.steps.filter(action=Step.Action.REFUSED, actor=approver).count() == 4
    workflow.approve(broadcast, approver, " 강남구, 종로구 ")  # spacing and punctuation may differ
    assert broadcast.deliveries.count() == TOTAL


def test_an_exercise_is_confirmed_by_typing_hullyeon(make_staff, platform):
    drafter, approver = people(make_staff)
    exercise = submitted(drafter, code="exercise", districts=[GANGNAM])
    assert workflow.confirmation_word(exercise) == "훈련"
    with pytest.raises(BroadcastError):
        workflow.approve(exercise, approver, "강남구")
    workflow.approve(exercise, approver, "훈련")
    test = submitted(drafter, cap_status=CapStatus.TEST)
    assert workflow.confirmation_word(test) == "시험"


def test_confirmation_page_shows_kind_area_reach_and_texts(make_staff, platform, client):
    drafter, approver = people(make_staff)
    broadcast = submitted(drafter, districts=[GANGNAM, JONGNO])
    client.force_login(approver)
    page = client.get(f"/admin/broadcast/broadcast/{broadcast.pk}/change/").content.decode()
    assert f"/admin/broadcast/broadcast/{broadcast.pk}/confirm/" in page
    assert "승인하고" not in page  # no one-click send on the page itself
    html = client.get(f"/admin/broadcast/broadcast/{broadcast.pk}/confirm/").content.decode()
    followers = selectors.postable_accounts().aggregate(s=Sum("follower_count"))["s"]
    assert re.search(r'id="bc-kind">실제 상황</span>\s*· 최초 발령', html)
    assert '<dd id="bc-area">강남구, 종로구</dd>' in html
    per_platform = {p: selectors.postable_accounts().filter(platform=p).count()
                    for p in ("x", "facebook", "kakao", "instagram", "youtube")}
    assert (f'<dd id="bc-reach">{TOTAL}개 계정 (X (트위터) {per_platform["x"]}, 페이스북 {per_platform["facebook"]}, '
            f'카카오톡 채널 {per_platform["kakao"]}, 인스타그램 {per_platform["instagram"]}, '
            f'유튜브 {per_platform["youtube"]}), '
            f"팔로워 합계 약 {round(followers / 10_000):,}만 명</dd>") in html
    # Before anyone sends, the page says where the text cannot be posted by the platforms' APIs.
    assert f'<dd id="bc-manual">그중 {MANUAL}개 계정(인스타그램, 유튜브)은' in html
    assert unescape(re.search(r'id="bc-x">(.*?)</pre>', html, re.S).group(1)) == broadcast.x_text
    assert unescape(re.search(r'id="bc-facebook">(.*?)</pre>', html, re.S).group(1)) == broadcast.facebook_text
    assert "발신하려면 대상 지역을 그대로 입력하세요: <strong>강남구·종로구</strong>" in html
    assert "<title>발신 전 확인:" in html
    # A wrong answer returns to the confirmation with the reason; the right one sends.
    response = client.post(f"/admin/broadcast/broadcast/{broadcast.pk}/approve/", {"confirmation": "서울"})
    assert response["Location"].endswith(f"/{broadcast.pk}/confirm/")
    assert not Delivery.objects.filter(broadcast=broadcast).exists()
    response = client.post(f"/admin/broadcast/broadcast/{broadcast.pk}/approve/", {"confirmation": "강남구 종로구"})
    assert response["Location"].endswith(f"/{broadcast.pk}/change/")
    assert Delivery.objects.filter(broadcast=broadcast).count() == TOTAL
    # No send button for a drafter, nor for an approver who drafted it themselves.
    client.force_login(drafter)
    other = submitted(drafter)
    assert client.get(f"/admin/broadcast/broadcast/{other.pk}/confirm/")["Location"].endswith(
        f"/{other.pk}/change/")
    both = make_staff("both", roles.BROADCAST_DRAFTER)
    both.groups.add(*approver.groups.all())
    own = submitted(both)
    client.force_login(both)
    html = client.get(f"/admin/broadcast/broadcast/{own.pk}/confirm/").content.decode()
    assert "본인이 작성한 긴급메시지는 본인이 승인할 수 없습니다" in html and 'name="confirmation"' not in html


def test_approvers_see_a_pending_count_in_the_header_and_get_an_email(make_staff, platform, client,
                                                                     django_capture_on_commit_callbacks):
    drafter, approver = people(make_staff)
    second = make_staff("approver2", roles.BROADCAST_APPROVER)
    approver.email, second.email, drafter.email = "a1@seoul.example", "a2@seoul.example", "d@seoul.example"
    for person in (approver, second, drafter):
        person.save(update_fields=["email"])
    client.force_login(approver)
    assert "승인 대기 긴급메시지" not in client.get("/admin/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = submitted(drafter, districts=[GANGNAM])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["a1@seoul.example", "a2@seoul.example"]  # not the drafter
    assert "[긴급메시지 승인 요청] 실제 상황 · 최초 발령 — 강남구 대설특보" in message.subject
    assert f"/admin/broadcast/broadcast/{broadcast.pk}/confirm/" in message.body
    for url in ("/admin/", "/admin/broadcast/broadcast/", f"/admin/broadcast/broadcast/{broadcast.pk}/change/"):
        html = client.get(url).content.decode()
        assert "승인 대기 긴급메시지 1건" in html, url
    client.force_login(drafter)  # drafters have nothing to approve
    assert "승인 대기 긴급메시지" not in client.get("/admin/").content.decode()
    client.force_login(approver)
    approve(broadcast, approver)
    assert "승인 대기 긴급메시지" not in client.get("/admin/").content.decode()


def test_status_heading_follows_to_sent_with_the_count(make_staff, platform, client):
    drafter, approver = people(make_staff)
    broadcast = approve(submitted(drafter), approver)
    client.force_login(approver)
    url = f"/admin/broadcast/broadcast/{broadcast.pk}/progress.json"
    assert client.get(url).json()["heading"] == f"발신 중 0/{TOTAL}"
    platform.script["seoul_traffic"] = [RuntimeError("boom")]
    deliver_all(broadcast)
    heading = f"발신 완료 {POSTED - 1}/{TOTAL} · 실패 1 · 수동 게시 필요 {MANUAL}"
    progress = client.get(url).json()
    assert progress["heading"] == heading and progress["manual"] == MANUAL
    # The manual deliveries carry their text, ready for the person who posts it by hand.
    manual = [d for d in progress["deliveries"] if d["state"] == "manual"]
    assert len(manual) == MANUAL and all(d["manual_text"] == broadcast.facebook_text for d in manual)
    assert all(d["manual_text"] == "" for d in progress["deliveries"] if d["state"] != "manual")
    html = client.get(f"/admin/broadcast/broadcast/{broadcast.pk}/change/").content.decode()
    assert f'id="bc-state">{heading}</span>' in html
    assert html.count('<details class="bc-manual">') == MANUAL


def test_broadcast_screens_and_alerts_are_in_korean(make_staff, platform, client):
    drafter, approver = people(make_staff)
    sent = approve(submitted(drafter), approver)
    waiting = submitted(drafter)
    mine = draft(drafter)
    client.force_login(drafter)
    pages = {url: client.get(url).content.decode() for url in (
        "/admin/broadcast/broadcast/", "/admin/broadcast/broadcast/add/?template=snow",
        f"/admin/broadcast/broadcast/{mine.pk}/change/", f"/admin/broadcast/broadcast/{waiting.pk}/change/",
        f"/admin/broadcast/broadcast/{sent.pk}/change/")}
    for url, html in pages.items():
        for generic in ("저장 및 다른 이름으로 추가", "저장 및 편집 계속", "저장 및 새로 추가", "뷰 긴급메시지",
                        "변경할 긴급메시지 선택", "(Alert)", "(Actual)"):
            assert generic not in html, (url, generic)
    assert 'value="초안 저장"' in pages[f"/admin/broadcast/broadcast/{mine.pk}/change/"]
    assert "<title>긴급메시지 발신 |" in pages["/admin/broadcast/broadcast/"]
    assert "<title>긴급메시지 발신 중: 서울 전역 대설특보" in pages[f"/admin/broadcast/broadcast/{sent.pk}/change/"]
    listing = client.get("/alerts/").content.decode()
    body = listing.split("<main", 1)[-1]
    for english in (">Alert<", ">Update<", ">Cancel<"):
        assert english not in body
    assert "긴급 안내" in body


def test_hostile_confirmations_are_refused_cleanly(make_staff, platform, client):
    drafter, approver = people(make_staff)
    broadcast = submitted(drafter, districts=[GANGNAM])
    client.force_login(approver)
    for typed in ("\x00" * 10, "가" * 100_000, "<script>강남구</script>x", "\u202e구남강", "강남구\x00종로구"):
        response = client.post(f"/admin/broadcast/broadcast/{broadcast.pk}/approve/", {"confirmation": typed},
                               follow=True)
        assert response.status_code == 200 and "확인 문구가 다릅니다" in response.content.decode()
    assert not broadcast.deliveries.exists()
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SUBMITTED
    # Invisible characters around the right answer are not letters: it sends.
    client.post(f"/admin/broadcast/broadcast/{broadcast.pk}/approve/", {"confirmation": "\u200b강남구\x00"})
    assert broadcast.deliveries.count() == TOTAL

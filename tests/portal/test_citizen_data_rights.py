"""Download my data; delete my account (personal data erased, the public record and counts kept)."""

import json

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from messages_app.models import AuditEntry, Message
from portal import consent
from portal import services as portal
from portal.models import ConsentRecord, Rating
from tests.factories import citizen, public_message

User = get_user_model()


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0


@pytest.fixture
def active(seeded):
    """A citizen with a question (answered, rated), a comment and a like on someone else's question."""
    user = citizen(nickname="한강산책러", phone="01099998888")
    mine = public_message("전화 010-2222-3333 홍길동입니다 보도블록이 깨졌어요", answer="고쳤습니다",
                          citizen=user, author_name="홍길동", author_handle="hong", author_external_id="u-1",
                          platform="web")
    other = public_message("다른 시민의 질문입니다")
    portal.add_comment(user, other, "저도 같은 문제를 봤어요")
    portal.toggle_like(user, message=other)
    portal.rate_answer(user, mine, 4, "빨리 고쳐 주셨어요")
    consent.record(user, consent.SIGNUP, {"signup_required": True})
    SocialAccount.objects.create(user=user, provider="twitter_oauth2", uid="x-77")
    return user, mine, other


def test_download_my_data_has_every_part_and_is_audited(client, active):
    user, mine, other = active
    client.force_login(user)
    response = client.get(reverse("my_data"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == user.email and data["profile"]["nickname"] == "한강산책러"
    assert [q["id"] for q in data["questions"]] == [mine.pk]
    assert data["questions"][0]["answer"]["text"] == "고쳤습니다"
    assert [c["text"] for c in data["comments"]] == ["저도 같은 문제를 봤어요"]
    assert [like["question"] for like in data["likes"]] == [other.pk]
    assert [(r["question"], r["score"]) for r in data["ratings"]] == [(mine.pk, 4)]
    assert {(c["item"], c["agreed"], c["version"]) for c in data["consents"]} == {
        ("signup_required", True, consent.VERSION), ("signup_optional", False, consent.VERSION)}
    assert AuditEntry.objects.filter(actor=user, action="citizen_data_export").count() == 1


def test_download_needs_login(client, db):
    assert client.get(reverse("my_data")).status_code == 302


def test_delete_account_erases_personal_data_and_keeps_the_public_record_and_counts(client, active):
    user, mine, other = active
    counts = (other.__class__.objects.get(pk=other.pk).like_count,
              other.__class__.objects.get(pk=other.pk).comment_count)
    client.force_login(user)
    # Without the confirmation nothing happens.
    client.post(reverse("delete_account"), {})
    assert User.objects.get(pk=user.pk).is_active
    response = client.post(reverse("delete_account"), {"confirm": "yes"})
    assert response.status_code == 302
    gone = User.objects.get(pk=user.pk)
    assert not gone.is_active and not gone.has_usable_password()
    assert gone.email == "" and gone.nickname is None and gone.phone == "" and "@" not in gone.username
    assert not SocialAccount.objects.filter(user=gone).exists()
    m = Message.objects.get(pk=mine.pk)
    assert m.citizen_id is None and m.author_handle == "" and m.author_external_id == "" and m.raw == {}
    assert "010-2222-3333" not in m.text and "홍길동" not in m.text and "보도블록" in m.text
    again = Message.objects.get(pk=other.pk)
    assert (again.like_count, again.comment_count) == counts
    assert Rating.objects.get(message=mine).score == 4 and Rating.objects.get(message=mine).user_id is None
    assert ConsentRecord.objects.filter(user=gone).exists()  # the proof of consent, now of nobody
    assert AuditEntry.objects.filter(action="citizen_account_deleted", detail__contains=f"#{user.pk}").exists()
    # Public pages: the question and answer stay, their authors shown as 탈퇴한 시민.
    client.logout()
    page = client.get(reverse("message", args=[mine.pk])).content.decode()
    assert "탈퇴한 시민" in page and "고쳤습니다" in page
    page = client.get(reverse("message", args=[other.pk])).content.decode()
    assert "저도 같은 문제를 봤어요" in page and "탈퇴한 시민" in page
    # The account cannot log in again.
    assert not client.login(username=user.username, password="pw-test-2026")


def test_comments_show_the_nickname_never_the_email(client, seeded):
    m = public_message()
    named, unnamed = citizen(nickname="골목대장"), citizen()
    portal.add_comment(named, m, "첫 댓글입니다")
    portal.add_comment(unnamed, m, "둘째 댓글입니다")
    page = client.get(reverse("message", args=[m.pk])).content.decode()
    assert "골목대장" in page
    for user in (named, unnamed):
        local = user.email.split("@")[0]
        assert local[0] + "*" * (len(local) - 2) + local[-1] not in page
        assert user.username[0] + "*" * (len(user.username) - 2) not in page

"""내 민원 (/me/), the citizen's own question page, and 만족도 평가."""

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from portal import selectors
from portal import services as portal
from portal.errors import Code, PortalError, PortalForbidden
from portal.models import Rating
from tests.factories import citizen, public_message, routed, staff_user
from users.roles import SMC_DESK


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0


def test_me_lists_portal_questions_and_those_of_linked_social_accounts_only(client, seeded):
    user, other = citizen(), citizen()
    web = routed("bus-policy", "포털로 보낸 질문입니다", citizen=user, platform="web", handle=None)
    tweet = routed("bus-policy", "트위터로 보낸 질문입니다", author_external_id="x-uid-77")
    routed("bus-policy", "남의 트윗입니다", author_external_id="x-uid-78")
    routed("bus-policy", "남이 포털로 보낸 질문", citizen=other, platform="web", handle=None)
    SocialAccount.objects.create(user=user, provider="twitter_oauth2", uid="x-uid-77")
    # A Kakao login proves no X identity: its uid equal to an X author id must not match.
    SocialAccount.objects.create(user=user, provider="kakao", uid="x-uid-78")
    client.force_login(user)
    page = client.get(reverse("my_questions")).content.decode()
    assert "포털로 보낸 질문" in page and "트위터로 보낸 질문" in page
    assert "남의 트윗" not in page and "남이 포털로" not in page
    assert f"#{web.pk}" in page and f"#{tweet.pk}" in page
    assert web.division.name_ko in page
    assert client.get(reverse("my_question", args=[tweet.pk])).status_code == 200
    client.force_login(other)
    assert client.get(reverse("my_question", args=[web.pk])).status_code == 404


def test_my_question_page_shows_status_division_deadline_and_timeline(client, seeded):
    user = citizen()
    due = timezone.now() + timedelta(days=5)
    m = routed("bus-policy", "정류장 의자가 부서졌어요", citizen=user, platform="web", handle=None, due_at=due)
    from messages_app.services.workflow import transition

    transition(m, "in_progress", note="처리 시작")
    client.force_login(user)
    page = client.get(reverse("my_question", args=[m.pk])).content.decode()
    assert m.division.name_ko in page and "처리 중" in page
    assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in page
    assert page.count("<li>") >= 2  # received, then in progress


def test_me_needs_login(client, db):
    assert client.get(reverse("my_questions")).status_code == 302


def _answered(user):
    return public_message("민원입니다 답변 주세요", answer="조치했습니다", citizen=user)


def test_rating_once_changeable_for_seven_days(client, seeded):
    user = citizen()
    m = _answered(user)
    client.force_login(user)
    client.post(reverse("rate", args=[m.pk]), {"score": "2", "remark": "너무 늦었어요"})
    rating = Rating.objects.get(message=m)
    assert (rating.score, rating.remark, rating.user_id) == (2, "너무 늦었어요", user.pk)
    client.post(reverse("rate", args=[m.pk]), {"score": "4", "remark": ""})
    assert Rating.objects.filter(message=m).count() == 1 and Rating.objects.get(message=m).score == 4
    Rating.objects.filter(pk=rating.pk).update(created_at=timezone.now() - timedelta(days=8))
    with pytest.raises(PortalError, check=lambda e: e.code == Code.RATING_CLOSED):
        portal.rate_answer(user, m, 1)
    assert Rating.objects.get(message=m).score == 4


def test_only_the_asker_rates_only_an_answered_question_within_1_to_5(client, seeded):
    user, stranger = citizen(), citizen()
    m = _answered(user)
    with pytest.raises(PortalForbidden, check=lambda e: e.code == Code.FORBIDDEN):
        portal.rate_answer(stranger, m, 5)
    client.force_login(stranger)
    assert client.post(reverse("rate", args=[m.pk]), {"score": "5"}).status_code == 404
    client.force_login(user)
    client.post(reverse("rate", args=[m.pk]), {"score": "9"})
    assert not Rating.objects.exists()
    pending = routed("bus-policy", citizen=user, platform="web", handle=None)
    with pytest.raises(PortalError, check=lambda e: e.code == Code.NOT_ANSWERED):
        portal.rate_answer(user, pending, 5)
    with pytest.raises(PortalError, check=lambda e: e.code == Code.INVALID):
        portal.rate_answer(user, m, 9)


def test_satisfaction_per_division_and_account(seeded):
    from departments.models import Division

    bus = Division.objects.get(code="transport-policy")
    other = Division.objects.exclude(code="transport-policy").first()
    for score, division in [(5, bus), (4, bus), (1, bus), (2, other)]:
        user = citizen()
        portal.rate_answer(user, public_message("질문 내용입니다", answer="답변", citizen=user, division=division),
                           score)
    by_division = {row["id"]: row for row in selectors.satisfaction("division")}
    assert by_division[bus.pk]["count"] == 3 and by_division[bus.pk]["average"] == 3.33
    assert by_division[bus.pk]["satisfied_share"] == round(2 / 3, 3)
    assert by_division[other.pk]["average"] == 2.0 and by_division[other.pk]["name"] == other.name_ko
    by_account = selectors.satisfaction("account")
    assert sum(row["count"] for row in by_account) == 4
    with pytest.raises(ValueError):
        selectors.satisfaction("district")


def test_the_desk_reads_remarks_masked(client, seeded):
    user = citizen()
    portal.rate_answer(user, _answered(user), 1, "전화 010-2345-6789로 연락 주세요")
    desk = staff_user()
    desk.groups.add(Group.objects.get(name=SMC_DESK))
    client.force_login(desk)
    page = client.get("/admin/portal/rating/").content.decode()
    assert "연락 주세요" in page and "010-2345-6789" not in page

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from messages_app.models import AuditEntry, Message
from portal import services as portal
from portal.errors import Code, PortalError
from portal.models import Comment
from tests.factories import citizen, public_message, staff_user


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0
    settings.SMC_COMMENT_REPORT_LIMIT = 3


def count(m):
    return Message.objects.get(pk=m.pk).comment_count


def test_comment_create_edit_delete_only_by_the_author(seeded):
    m = public_message()
    author, other = citizen(), citizen()
    c = portal.add_comment(author, m, "  좋은 의견입니다\x00 ")
    assert c.text == "좋은 의견입니다" and count(m) == 1
    with pytest.raises(PermissionDenied):
        portal.edit_comment(other, c, "남의 글 수정")
    with pytest.raises(PermissionDenied):
        portal.delete_comment(other, c)
    portal.edit_comment(author, c, "고친 의견")
    c.refresh_from_db()
    assert c.text == "고친 의견" and c.edited_at
    with pytest.raises(PortalError, check=lambda e: e.code == Code.REQUIRED):
        portal.add_comment(author, m, "   ")
    with pytest.raises(PortalError, check=lambda e: e.code == Code.TOO_LONG):
        portal.add_comment(author, m, "가" * 2001)
    portal.delete_comment(author, c)
    portal.delete_comment(author, c)  # twice: counted once
    assert count(m) == 0 and Comment.objects.get(pk=c.pk).is_deleted


def test_comment_views_and_permissions(client, seeded):
    m = public_message()
    url = reverse("add_comment", args=[m.pk])
    assert client.post(url, {"text": "익명"}).status_code == 302 and Comment.objects.count() == 0
    author = citizen()
    client.force_login(author)
    client.post(url, {"text": "<b>댓글</b> 010-1234-5678"})
    c = Comment.objects.get()
    page = client.get(reverse("message", args=[m.pk])).content.decode()
    assert "&lt;b&gt;댓글&lt;/b&gt; 010-****-****" in page
    assert reverse("edit_comment", args=[c.pk]) in page  # own comment: edit link, no report button
    assert reverse("report_comment", args=[c.pk]) not in page
    client.post(reverse("edit_comment", args=[c.pk]), {"text": "수정한 댓글"})
    assert Comment.objects.get().text == "수정한 댓글"

    client.force_login(citizen())
    assert client.post(reverse("edit_comment", args=[c.pk]), {"text": "탈취"}).status_code == 403
    assert client.post(reverse("delete_comment", args=[c.pk])).status_code == 403
    assert Comment.objects.get().text == "수정한 댓글"
    page = client.get(reverse("message", args=[m.pk])).content.decode()
    assert reverse("report_comment", args=[c.pk]) in page


def test_reports_by_three_different_citizens_hide_the_comment(client, seeded):
    m = public_message()
    author = citizen()
    c = portal.add_comment(author, m, "문제 댓글")
    with pytest.raises(PermissionDenied):
        portal.report_comment(author, c)
    first = citizen()
    assert portal.report_comment(first, c) is True
    assert portal.report_comment(first, c) is False  # the same citizen twice counts once
    portal.report_comment(citizen(), c)
    c.refresh_from_db()
    assert not c.is_hidden and c.report_count == 2
    client.force_login(citizen())
    client.post(reverse("report_comment", args=[c.pk]))
    c.refresh_from_db()
    assert c.is_hidden and c.report_count == 3 and count(m) == 0
    assert "문제 댓글" not in client.get(reverse("message", args=[m.pk])).content.decode()


def test_moderation_restore_keep_hidden_delete(seeded):
    m = public_message()
    desk = staff_user()
    comments = [portal.add_comment(citizen(), m, f"댓글 {i}") for i in range(3)]
    for c in comments:
        for _ in range(3):
            portal.report_comment(citizen(), c)
    assert count(m) == 0
    portal.restore_comment(desk, comments[0])
    portal.keep_comment_hidden(desk, comments[1])
    portal.moderate_delete_comment(desk, comments[2])
    restored, kept, deleted = (Comment.objects.get(pk=c.pk) for c in comments)
    assert not restored.is_hidden and restored.report_count == 0 and restored.moderated_by == desk
    assert kept.is_hidden and kept.moderated_at
    assert deleted.is_deleted
    assert count(m) == 1
    assert AuditEntry.objects.filter(actor=desk, action__startswith="comment_").count() == 3


def test_moderation_queue_in_the_admin(client, seeded):
    from django.contrib.auth.models import Group

    from users.roles import SMC_DESK

    m = public_message()
    reported = portal.add_comment(citizen(), m, "신고된 댓글")
    portal.add_comment(citizen(), m, "평범한 댓글")
    for _ in range(3):
        portal.report_comment(citizen(), reported)
    desk = staff_user()
    desk.groups.add(Group.objects.get(name=SMC_DESK))
    client.force_login(desk)
    page = client.get("/admin/portal/comment/").content.decode()
    assert "신고된 댓글" in page and "평범한 댓글" not in page
    response = client.post("/admin/portal/comment/",
                           {"action": "restore", "_selected_action": [reported.pk]})
    assert response.status_code == 302
    assert not Comment.objects.get(pk=reported.pk).is_hidden


def test_comment_rate_limit(client, seeded, settings):
    # django-ratelimit counts in fixed windows: per hour, a window boundary inside the test is unlikely.
    settings.SMC_RATE_COMMENT = "2/h"
    m = public_message()
    client.force_login(citizen())
    url = reverse("add_comment", args=[m.pk])
    assert [client.post(url, {"text": f"댓글{i}"}).status_code for i in range(3)] == [302, 302, 429]
    assert Comment.objects.count() == 2


def test_report_rate_limit(client, seeded, settings):
    settings.SMC_RATE_REPORT = "1/h"
    m = public_message()
    a, b = portal.add_comment(citizen(), m, "a"), portal.add_comment(citizen(), m, "b")
    client.force_login(citizen())
    assert client.post(reverse("report_comment", args=[a.pk])).status_code == 302
    response = client.post(reverse("report_comment", args=[b.pk]))
    assert response.status_code == 429 and "너무 많았습니다" in response.content.decode()


def test_author_can_hide_own_web_message(client, seeded):
    author = citizen()
    m = public_message("제가 쓴 질문", citizen=author, kind="web", platform="web", account=None)
    client.force_login(citizen())
    assert client.post(reverse("hide_message", args=[m.pk])).status_code == 403
    client.force_login(author)
    assert "공개 화면에서 숨기기" in client.get(reverse("message", args=[m.pk])).content.decode()
    client.post(reverse("hide_message", args=[m.pk]))
    assert Message.objects.get(pk=m.pk).hidden_by_author
    assert client.get(reverse("message", args=[m.pk])).status_code == 404


def test_old_moderation_address_redirects_to_the_portal_app(client):
    response = client.get("/admin/messages_app/comment/?queue=hidden")
    assert response.status_code == 302 and response["Location"] == "/admin/portal/comment/?queue=hidden"

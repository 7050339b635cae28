"""A comment's author is the same public name in the API as on the portal: the nickname, never a
masked e-mail or username (portal.public.commenter, used by both)."""

import pytest
from django.db import transaction
from django.urls import reverse

from portal.models import Comment
from tests import factories

pytestmark = pytest.mark.django_db


def _api_authors(api, message) -> list[str]:
    return [c["author"] for c in api.get(f"/api/v1/messages/{message.pk}/").json()["comments"]]


def test_api_and_portal_show_the_same_comment_authors(api, client, seeded):
    message = factories.public_message("지하철 엘리베이터가 고장났어요", answer="고쳤습니다")
    named = factories.citizen(name="kimcy_commenter", nickname="버스타는사람")
    unnamed = factories.citizen(name="old_member")  # joined before nicknames
    gone = factories.citizen(name="leaver", nickname="떠난사람")
    for user in (named, unnamed, gone):
        Comment.objects.create(message=message, user=user, text=f"{user.username}의 의견입니다")
    from portal.datarights import delete_account

    with transaction.atomic():
        delete_account(gone)
    authors = _api_authors(api, message)
    assert sorted(authors) == sorted(["버스타는사람", "시민", "탈퇴한 시민"])
    page = client.get(reverse("message", args=[message.pk])).content.decode()
    for author in authors:
        assert f"<strong>{author}</strong>" in page
    # Nothing made of the username or the e-mail.
    assert not [a for a in authors if "*" in a or "kimcy" in a or "@" in a]

"""The broadcast postings waiting for a person, in the staff screens: who sees them and what they do."""

from outbound import services as outbound
from outbound.models import Posting
from tests.broadcast.factories import approved, people
from users import roles

from .conftest import x_account

URL = "/admin/outbound/posting/"


def test_a_broadcast_posting_left_for_a_person_is_resolved_in_the_staff_screens(
        client, make_staff, posting, platform, queued, django_capture_on_commit_callbacks):
    platform.blind.add("seoulmania")
    outbound._begin(posting.pk)
    assert outbound.post_once(posting.pk).outcome == Posting.State.UNKNOWN
    desk = make_staff("desk1", roles.SMC_DESK)
    client.force_login(desk)
    page = client.get(URL + "?state=unknown").content.decode()
    shown = posting.kind == Posting.Kind.BROADCAST  # an answer's parts are in 답변 게시, by division
    assert ("확인 필요" in page and "seoulmania" in page) == shown
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"action": "not_posted", "_selected_action": [posting.pk]})
    assert response.status_code == 302
    posting.refresh_from_db()
    assert posting.state == (Posting.State.RETRYING if shown else Posting.State.UNKNOWN)
    if shown:
        assert not posting.outcome_unknown and ([posting.pk], None) in queued


def test_division_staff_do_not_see_postings(client, make_staff, queued):
    approved(*people(make_staff))
    client.force_login(make_staff("bus", roles.DIVISION_STAFF, "bus-policy"))
    assert client.get(URL).status_code == 403
    approver = make_staff("approver2", roles.BROADCAST_APPROVER)
    client.force_login(approver)
    assert x_account().handle in client.get(URL).content.decode()

"""Issue 22 (3, 4): every state change of a broadcast checks its chain at that moment.

A retry re-posts an alert's text without a second person: it must be refused once a Cancel or a later
Update followed, or the alert expired. An Update or Cancel drafted earlier must not go out once the
chain moved on (a Cancel approved meanwhile), at submission or at approval.
"""

import pytest
from django.utils import timezone

from broadcast import selectors
from broadcast.errors import Code
from broadcast.models import Broadcast, MsgType
from broadcast.services import BroadcastError, sending, workflow
from outbound.models import Posting

from .factories import FakePlatform, approve, approved, auth_expired, deliver_all, people


@pytest.fixture
def platform(monkeypatch):
    return FakePlatform().install(monkeypatch)


def sent_with_one_failure(drafter, approver, platform) -> Broadcast:
    alert = approved(drafter, approver)
    platform.script["seoul_traffic"] = [auth_expired()]
    deliver_all(alert)
    assert alert.deliveries.filter(posting__state=Posting.State.FAILED).count() == 1
    return alert


def follow(original, drafter, approver, msg_type) -> Broadcast:
    return approve(workflow.submit(workflow.prepare_followup(original, drafter, msg_type), drafter),
                            approver)


def posts_of(platform, handle) -> list[str]:
    return [p["text"] for p in platform.posts.get(handle, [])]


def test_a_cancelled_alert_cannot_be_sent_again_by_retry(make_staff, platform):
    drafter, approver = people(make_staff)
    alert = sent_with_one_failure(drafter, approver, platform)
    follow(alert, drafter, approver, MsgType.CANCEL)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.CANCELLED):
        sending.retry_failed(alert, drafter)
    row = alert.deliveries.get(account__handle="seoul_traffic", account__platform="x")
    assert row.state == Posting.State.FAILED
    alert.refresh_from_db()
    assert alert.state == Broadcast.State.SENT
    assert posts_of(platform, "seoul_traffic") == []
    assert alert.steps.filter(action="refused", actor=drafter).exists()  # the attempt is on record


def test_a_superseded_alert_cannot_be_retried_its_update_can(make_staff, platform):
    drafter, approver = people(make_staff)
    alert = sent_with_one_failure(drafter, approver, platform)
    reauthorise("seoul_traffic")
    update = follow(alert, drafter, approver, MsgType.UPDATE)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.SUPERSEDED):
        sending.retry_failed(alert, drafter)
    platform.script["seoul_traffic"] = [auth_expired()]
    deliver_all(update)
    reauthorise("seoul_traffic")
    assert sending.retry_failed(update, drafter) == 1  # the head of the chain may be retried


def test_a_cancel_that_failed_somewhere_can_be_retried(make_staff, platform):
    """The Cancel is what ends the alert on every account: its failures are sent again."""
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    deliver_all(alert)
    cancel = follow(alert, drafter, approver, MsgType.CANCEL)
    platform.script["seoul_traffic"] = [auth_expired()]
    deliver_all(cancel)
    reauthorise("seoul_traffic")
    assert sending.retry_failed(cancel, drafter) == 1


def reauthorise(handle):
    from accounts.models import Account, Status

    Account.objects.filter(handle=handle).update(status=Status.ACTIVE)


def test_an_expired_alert_cannot_be_retried(make_staff, platform):
    drafter, approver = people(make_staff)
    alert = sent_with_one_failure(drafter, approver, platform)
    Broadcast.objects.filter(pk=alert.pk).update(expires=timezone.now() - timezone.timedelta(minutes=1))
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.EXPIRED):
        sending.retry_failed(alert, drafter)


def test_an_update_approved_after_a_cancel_does_not_bring_the_alert_back(make_staff, platform):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    deliver_all(alert)
    # Both drafted while the alert was live; the Cancel goes out first.
    update = workflow.submit(workflow.prepare_followup(alert, drafter, MsgType.UPDATE), drafter)
    follow(alert, drafter, approver, MsgType.CANCEL)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.CANCELLED):
        approve(update, approver)
    update.refresh_from_db()
    assert update.state == Broadcast.State.SUBMITTED and not update.deliveries.exists()
    assert update.steps.filter(action="refused", actor=approver).exists()
    assert not selectors.in_effect().exists()


def test_an_update_drafted_before_a_cancel_cannot_be_submitted_after_it(make_staff, platform):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    update = workflow.prepare_followup(alert, drafter, MsgType.UPDATE)
    follow(alert, drafter, approver, MsgType.CANCEL)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.CANCELLED):
        workflow.submit(update, drafter)
    update.refresh_from_db()
    assert update.state == Broadcast.State.DRAFT


def test_an_update_of_an_expired_alert_is_not_approved(make_staff, platform):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    update = workflow.submit(workflow.prepare_followup(alert, drafter, MsgType.UPDATE), drafter)
    # The update runs longer than the original; the original ends before the approver gets to it.
    Broadcast.objects.filter(pk=update.pk).update(expires=timezone.now() + timezone.timedelta(hours=6))
    Broadcast.objects.filter(pk=alert.pk).update(expires=timezone.now() - timezone.timedelta(seconds=1))
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.EXPIRED):
        approve(update, approver)


def test_two_updates_drafted_from_one_alert_do_not_both_go_out(make_staff, platform):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    first = workflow.submit(workflow.prepare_followup(alert, drafter, MsgType.UPDATE), drafter)
    second = workflow.submit(workflow.prepare_followup(alert, drafter, MsgType.UPDATE), drafter)
    approve(first, approver)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.SUPERSEDED):
        approve(second, approver)
    assert list(selectors.in_effect()) == [Broadcast.objects.get(pk=first.pk)]


def test_the_staff_page_offers_no_retry_once_cancelled_and_the_address_refuses(make_staff, platform, client):
    drafter, approver = people(make_staff)
    alert = sent_with_one_failure(drafter, approver, platform)
    client.force_login(drafter)
    page = f"/admin/broadcast/broadcast/{alert.pk}/change/"
    assert "실패한 계정에 다시 발신" in client.get(page).content.decode()
    follow(alert, drafter, approver, MsgType.CANCEL)
    html = client.get(page).content.decode()
    assert "실패한 계정에 다시 발신" not in html and "정정(Update) 초안 만들기" not in html
    response = client.post(f"/admin/broadcast/broadcast/{alert.pk}/retry/", follow=True)
    assert "이미 취소된 긴급메시지입니다" in response.content.decode()
    assert alert.deliveries.filter(posting__state=Posting.State.FAILED).count() == 1

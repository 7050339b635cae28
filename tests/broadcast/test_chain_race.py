"""Two approvers at the same moment, each approving a different Update of the same alert: one goes out,
the other is refused with a clear message (the head is locked while it is checked), never two live
successors and never a database error shown to staff."""

import threading

import pytest
from django.db import connection

from broadcast import selectors
from broadcast.errors import Code
from broadcast.models import Broadcast, MsgType
from broadcast.services import BroadcastError, sending, workflow
from users import roles

from .factories import FakePlatform, approved, people

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_approvals_of_two_updates_send_one(make_staff, monkeypatch):
    FakePlatform().install(monkeypatch)
    monkeypatch.setattr(sending, "queue", lambda ids: None)  # nothing to post here
    drafter, approver = people(make_staff)
    second_approver = make_staff("approver2", roles.BROADCAST_APPROVER)
    alert = approved(drafter, approver)
    drafts = [workflow.submit(workflow.prepare_followup(alert, drafter, MsgType.UPDATE), drafter) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def approve(draft, who):
        try:
            barrier.wait()
            workflow.approve(draft, who, workflow.confirmation_word(draft))
            outcomes[draft.pk] = "sent"
        except BroadcastError as exc:
            outcomes[draft.pk] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(d, who)) for d, who in zip(drafts, (approver, second_approver),
                                                                                 strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "sent" for o in outcomes.values()) == [False, True], outcomes
    refused = next(o for o in outcomes.values() if o != "sent")
    assert refused == Code.SUPERSEDED
    live = list(selectors.in_effect())
    assert len(live) == 1 and live[0].pk in {d.pk for d in drafts}
    assert Broadcast.objects.filter(references=alert, state__in=selectors.SENT_STATES).count() == 1

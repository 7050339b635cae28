"""Two staff answering the same message at the same moment: one answer, one set of replies."""

import threading

import pytest
from django.db import close_old_connections

from messages_app.errors import AlreadyAnswered
from messages_app.models import Answer, Message, Outbox, StatusChange
from messages_app.services import publishing
from outbound import services as outbound
from tests.factories import public_message, staff_user


@pytest.mark.django_db(transaction=True)
def test_two_staff_answering_at_once_leave_exactly_one_answer(seeded, monkeypatch):
    queued = []
    monkeypatch.setattr(outbound, "queue", queued.extend)  # no broker round trip here
    message = public_message("지하철 2호선 냉방이 너무 약해요")
    authors = [staff_user(), staff_user()]
    barrier = threading.Barrier(len(authors))
    outcomes = []

    def answer(author, text):
        try:
            barrier.wait()
            publishing.create_answer(Message.objects.get(pk=message.pk), author, text, message.division)
            outcomes.append("answered")
        except AlreadyAnswered as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=answer, args=(author, f"답변 {n}번: 냉방을 점검하겠습니다"))
               for n, author in enumerate(authors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("answered") == 1
    assert [o for o in outcomes if o != "answered"] == ["already_answered"]
    answer_row = Answer.objects.get(message=message)
    assert set(Outbox.objects.values_list("answer_id", flat=True)) == {answer_row.pk}
    assert list(Outbox.objects.values_list("posting__text", flat=True)) == [answer_row.text]
    assert StatusChange.objects.filter(message=message, to_status="answered").count() == 1
    assert len(queued) == 1

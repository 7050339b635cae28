"""Redis flushed in the middle of work (every queued task and every "already queued" mark lost): beat's
next runs of the poll dispatcher and the two sweepers queue again every pending poll, answer and
broadcast delivery, and draining the queues (each task delivered twice, as after a redelivery) posts
each answer and delivery exactly once."""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.connectors import MANUAL_POST
from messages_app.services import publishing
from messages_app.tasks.polling import dispatch_polls
from outbound.models import Posting
from outbound.services import POST_TASK, SWEEP_AFTER, queue_name
from outbound.tasks import sweep
from smc.celery import app
from tests import factories
from tests.broadcast.factories import FakePlatform, approved, people
from users import roles

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _redis():
    return app.connection_for_write().default_channel.client


def _queued(queue: str) -> list[tuple[str, list]]:
    tasks = []
    for raw in _redis().lrange(queue, 0, -1):
        message = json.loads(raw)
        body = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], body[0]))
    return tasks


def test_everything_pending_comes_back_after_redis_is_flushed(seeded, make_staff, settings, monkeypatch):
    settings.SMC_SIMULATE = True  # the seeded accounts have no credentials: polled by the simulator
    platform = FakePlatform().install(monkeypatch)
    default_queue, broadcast_queue = queue_name(Posting.Kind.ANSWER), queue_name(Posting.Kind.BROADCAST)
    redis = _redis()
    redis.delete(default_queue, broadcast_queue)

    # Work in flight: two answers waiting to be posted, a broadcast fanning out, polls queued.
    staff = make_staff("bus", roles.DIVISION_STAFF, "bus-policy")
    for n in range(2):
        message = factories.routed("bus-policy", text=f"버스 {n}번 노선이 안 와요", kind="mention")
        publishing.create_answer(message, staff, f"확인하겠습니다 {n}", message.division)
    approved(*people(make_staff))
    dispatch_polls()
    answers = set(Posting.objects.filter(kind="answer", state="pending").values_list("pk", flat=True))
    deliveries = set(Posting.objects.filter(kind="broadcast", state="pending").values_list("pk", flat=True))
    assert answers and deliveries
    polls_before = {args[0] for name, args in _queued(default_queue) if name.endswith("poll_account")}
    assert polls_before

    redis.flushdb()  # Redis lost: the queues and the "already queued" marks are gone
    assert _queued(default_queue) == [] and _queued(broadcast_queue) == []

    # Beat's next runs: the dispatcher at once, the sweeper once the postings' retry time has come.
    with time_machine.travel(timezone.now() + SWEEP_AFTER + timedelta(seconds=5), tick=True):
        dispatch_polls()
        assert sweep() == len(answers) + len(deliveries)
        queued = _queued(default_queue)
        assert {args[0] for name, args in queued if name.endswith("poll_account")} >= polls_before
        assert {args[0] for name, args in queued if name == POST_TASK} == answers
        assert {args[0] for name, args in _queued(broadcast_queue)} == deliveries

        redis.delete(default_queue)  # the polls' own drill is elsewhere; the postings are run below
        for pk in sorted(answers | deliveries):
            for _ in range(2):  # delivered twice, as after a redelivery
                app.tasks[POST_TASK].apply(args=[pk])
        redis.delete(default_queue, broadcast_queue)

    # Instagram and YouTube take no text post by API: their deliveries wait for a person, posted nowhere.
    manual = set(Posting.objects.filter(pk__in=deliveries, account__platform__in=list(MANUAL_POST))
                 .values_list("pk", flat=True))
    assert set(Posting.objects.filter(pk__in=manual).values_list("state", flat=True)) <= {"manual"}
    states = set(Posting.objects.filter(pk__in=(answers | deliveries) - manual).values_list("state", flat=True))
    assert states == {"posted"}
    posted = [post["id"] for posts in platform.posts.values() for post in posts]
    assert len(posted) == len(set(posted)) == len(answers) + len(deliveries) - len(manual)

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

from broadcast.models import Delivery
from broadcast.tasks import queue_name as broadcast_queue
from broadcast.tasks import sweep_deliveries
from messages_app.models import Outbox
from messages_app.services import publishing
from messages_app.tasks.polling import dispatch_polls
from messages_app.tasks.publishing import sweep_outbox
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


def _drain(queue: str) -> int:
    """Run every queued task of `queue` twice (a redelivery), in this process; returns how many ran."""
    redis, ran = _redis(), 0
    while (raw := redis.rpop(queue)) is not None:
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        for _ in range(2):
            app.tasks[message["headers"]["task"]].apply(args=args)
        ran += 1
    return ran


def test_everything_pending_comes_back_after_redis_is_flushed(seeded, make_staff, settings, monkeypatch):
    settings.SMC_SIMULATE = True
    platform = FakePlatform().install(monkeypatch)
    default_queue = app.conf.task_default_queue
    redis = _redis()
    redis.delete(default_queue, broadcast_queue())

    # Work in flight: two answers waiting to be posted, a broadcast fanning out, polls queued.
    staff = make_staff("bus", roles.DIVISION_STAFF, "bus-policy")
    for n in range(2):
        message = factories.routed("bus-policy", text=f"버스 {n}번 노선이 안 와요", kind="mention")
        publishing.create_answer(message, staff, f"확인하겠습니다 {n}", message.division)
    broadcast = approved(*people(make_staff))
    dispatch_polls()
    pending_outbox = set(Outbox.objects.filter(state="pending").values_list("pk", flat=True))
    deliveries = set(broadcast.deliveries.values_list("pk", flat=True))
    assert pending_outbox and deliveries
    polls_before = {args[0] for name, args in _queued(default_queue) if name.endswith("poll_account")}
    assert polls_before

    redis.flushdb()  # Redis lost: the queues and the "already queued" marks are gone
    assert _queued(default_queue) == [] and _queued(broadcast_queue()) == []

    # Beat's next runs: the dispatcher at once, the sweepers once their rows count as stalled.
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=True):
        dispatch_polls()
        assert sweep_outbox() == len(pending_outbox)
        assert sweep_deliveries() == len(deliveries)
        queued = _queued(default_queue)
        assert {args[0] for name, args in queued if name.endswith("poll_account")} >= polls_before
        assert {args[0] for name, args in queued if name.endswith("publish_outbox")} == pending_outbox
        assert {args[0] for name, args in _queued(broadcast_queue())} == deliveries

        _drain(broadcast_queue())
        redis.delete(default_queue)  # polls are not what this test posts; answers are drained below
        for pk in sorted(pending_outbox):
            for _ in range(2):
                app.tasks["messages_app.tasks.publish_outbox"].apply(args=[pk])

    assert set(Outbox.objects.filter(pk__in=pending_outbox).values_list("state", flat=True)) == {"posted"}
    assert Delivery.objects.filter(pk__in=deliveries).exclude(state="delivered").count() == 0
    assert all(len(posts) == 1 for posts in platform.posts.values())
    assert sum(len(posts) for posts in platform.posts.values()) == len(deliveries)

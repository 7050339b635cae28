"""The worker's time limits: short for the many small tasks (so a lost host's tasks come back soon),
long for the few long ones, which then must not be acked late (smc/settings.py)."""

from django.conf import settings

from smc.celery import app


def _tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_no_late_acked_task_outlives_the_visibility_timeout():
    """A task acked late and still running when the visibility timeout passes would be delivered
    to a second worker while the first still runs it."""
    tasks = _tasks()
    assert "messages_app.tasks.poll_account" in tasks
    for name, task in tasks.items():
        limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        if task.acks_late:
            assert limit < settings.CELERY_VISIBILITY_TIMEOUT, name


def test_escalation_gets_its_own_limit_and_is_acked_on_receipt():
    task = _tasks()["messages_app.escalate_deadlines"]
    assert task.time_limit > settings.CELERY_TASK_TIME_LIMIT and task.acks_late is False
    polls = _tasks()["messages_app.tasks.poll_account"]
    assert polls.time_limit == settings.CELERY_TASK_TIME_LIMIT and polls.acks_late is True

"""Beat task of the processing regulation: reminders and overdue marks (every 15 minutes)."""

import logging

from celery import shared_task

from ..services import escalation

log = logging.getLogger(__name__)


@shared_task(name="messages_app.escalate_deadlines", ignore_result=True)
def escalate_deadlines() -> dict:
    result = escalation.run()
    log.info("escalation: %(sent)d reminders, %(overdue)d newly overdue", result)
    return result

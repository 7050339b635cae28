"""Beat task of the retention rule (portal.retention), daily."""

import logging

from celery import shared_task

from . import retention

log = logging.getLogger(__name__)


@shared_task(name="portal.apply_retention", ignore_result=True)
def apply_retention() -> dict:
    result = retention.run()
    log.info("retention: %(anonymised)d closed questions anonymised (closed before %(cutoff)s)", result)
    return result

"""Beat task: retrain the classifier on the corpora plus what staff did (corrections, transfers);
the new version is used only if it is not worse on the held-out set (versions.retrain)."""

import logging

from celery import shared_task

from . import versions

log = logging.getLogger(__name__)


@shared_task(name="classification.retrain", ignore_result=True)
def retrain() -> dict:
    row, metrics = versions.retrain()
    log.info("classifier %s: %s", row.version, row.note)
    return {"version": row.version, "activated": bool(metrics.get("activated")), "note": row.note}

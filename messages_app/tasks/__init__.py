"""Celery tasks of the inbox, one module per concern. Celery's autodiscovery imports this package
(messages_app.tasks), which imports every module, so no CELERY_IMPORTS list is needed."""

from . import escalation, kakao, polling  # noqa: F401

from celery import shared_task

from . import reports


@shared_task(name="dashboard.send_scheduled_reports", ignore_result=True)
def send_scheduled_reports() -> dict[str, int]:
    """Daily (beat): the monthly and weekly reports not yet sent for the last complete period."""
    return reports.send_due()

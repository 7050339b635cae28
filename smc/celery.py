import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smc.settings")

app = Celery("smc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def lower_cpu_priority(niceness: int) -> int:
    """Run this process (and the threads and processes it starts from now on) at `niceness`, never
    higher priority than it already has: an unprivileged process may only lower its own. Returns
    the niceness in force. On Linux this sets the calling thread's, which every thread and child
    created afterwards inherits: call it before the pool and Kiwi's threads start."""
    niceness = max(0, min(19, int(niceness)))
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    return os.getpriority(os.PRIO_PROCESS, 0)


@worker_init.connect
def _lower_priority(**_):
    # The web serves citizens while the workers drain a backlog: the workers yield the CPU to it.
    from django.conf import settings

    lower_cpu_priority(settings.SMC_WORKER_NICE)

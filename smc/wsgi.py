import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smc.settings")
application = get_wsgi_application()

# Warm start: Kiwi's model and the active classifier are loaded here, in the process that will serve
# (gunicorn imports this module in each worker after the fork, before it accepts a request; runserver
# as it starts), so the first Korean search answers like the rest (3.9 s instead of 0.4 s otherwise).
# Celery's pool processes do the same at worker_process_init (messages_app/tasks/polling.py).
if os.environ.get("SMC_WARM_UP", "1") != "0":
    from messages_app.services import polling

    polling.warm_up()

"""gunicorn's settings for SMC (`gunicorn -c python:smc.gunicorn_conf smc.wsgi`): the systemd unit,
docker-compose and deploy/check.sh use this one file.

Each worker imports smc.wsgi after the fork, which loads Kiwi and the classifier before the worker
accepts a request (warm start; no preload: Kiwi's threads do not survive a fork). /metrics adds up
the figures every process writes in PROMETHEUS_MULTIPROC_DIR (core/metrics.py).
"""

import os

from smc import promdir

bind = os.environ.get("SMC_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# nginx waits 30 s for an answer (deploy/nginx/smc.conf); a worker stuck longer is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG") == "1" else None  # nginx logs requests
errorlog = "-"
# The proxy's headers are read by Django (SECURE_PROXY_SSL_HEADER, SMC_TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    promdir.forget_dead_processes()


def child_exit(server, worker):
    promdir.process_exited(worker.pid)

"""/metrics: Prometheus text format, for the operator's Prometheus only.

Two sources in one answer:
- what processes count as they work (core/metrics.py: ingested messages, polls and their errors,
  Celery task durations, request latencies), added up over every process of this host through
  PROMETHEUS_MULTIPROC_DIR when it is set (gunicorn's and Celery's pool processes), or this process's
  own registry when it is not (runserver, tests);
- what the database and the broker say now, read at scrape time by `DatabaseCollector`: each family
  one cheap query (rollups, partial indexes, small tables), so a scrape every 15 s costs nothing.

Who may read it: a request with `Authorization: Bearer <SMC_METRICS_TOKEN>`, or from an address of
SMC_METRICS_ALLOW (addresses or networks, found by users.lockout.client_ip behind
SMC_TRUSTED_PROXY_COUNT proxies); in development (DEBUG) also 127.0.0.1. Anyone else gets 403: the
figures name accounts and divisions and show the city's backlog.
"""

import hmac
import ipaddress
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from accounts.models import Account
from dashboard import selectors as dashboard_selectors
from departments.models import Division
from messages_app.models import Message
from outbound.models import Posting
from users.lockout import client_ip

from . import health

logger = logging.getLogger(__name__)


def _posting_states() -> dict[str, dict[str, int]]:
    """{kind: {state: count}} of the outbound postings (replies to citizens, broadcast deliveries)."""
    rows = Posting.objects.values_list("kind", "state").annotate(n=Count("id")).order_by()
    counts = {kind: dict.fromkeys(Posting.State.values, 0) for kind in Posting.Kind.values}
    for kind, state, n in rows:
        counts.setdefault(kind, dict.fromkeys(Posting.State.values, 0))[state] = n
    return counts


class DatabaseCollector:
    """Gauges computed when Prometheus scrapes, from PostgreSQL and Redis."""

    def collect(self):
        yield from self._division_backlog()
        yield from self._states()
        yield from self._accounts()
        yield from self._auto_route()
        yield from self._queues()

    def _division_backlog(self):
        open_ = GaugeMetricFamily("smc_messages_open", "Messages being handled now (received, assigned, in "
                                  "progress), per division", labels=["division"])
        overdue = GaugeMetricFamily("smc_messages_overdue", "Messages being handled and past their deadline now, "
                                    "per division", labels=["division"])
        # The dashboard's figures (rollups plus the deadlines passed since the beat last ran): the same
        # definition of open and overdue as the staff queues (messages_app.selectors).
        rows = [(pk, o, d) for pk, (o, d) in dashboard_selectors.open_now().items()]
        codes = dict(Division.objects.values_list("id", "code"))
        totals: dict[str, list[int]] = {code: [0, 0] for code in codes.values()}
        for division_id, o, d in rows:
            code = codes.get(division_id, "none")
            totals.setdefault(code, [0, 0])
            totals[code][0] += o
            totals[code][1] += d
        for code, (o, d) in sorted(totals.items()):
            open_.add_metric([code], o)
            overdue.add_metric([code], d)
        yield open_
        yield overdue

    def _states(self):
        counts = _posting_states()
        answers = GaugeMetricFamily("smc_answer_posts", "Replies to citizens by posting state", labels=["state"])
        for state, n in counts[Posting.Kind.ANSWER].items():
            answers.add_metric([state], n)
        yield answers
        deliveries = GaugeMetricFamily("smc_broadcast_deliveries", "Emergency broadcast deliveries by state",
                                       labels=["state"])
        for state, n in counts[Posting.Kind.BROADCAST].items():
            deliveries.add_metric([state], n)
        yield deliveries

    def _accounts(self):
        last_ok = GaugeMetricFamily("smc_account_last_poll_timestamp_seconds",
                                    "When the account was last polled successfully (Unix time; 0: never)",
                                    labels=["platform", "account", "handle"])
        failing = GaugeMetricFamily("smc_account_poll_failing",
                                    "1 when the account's last poll failed (its error is newer than its last success)",
                                    labels=["platform", "account", "handle"])
        rows = Account.objects.filter(is_polled=True).values_list(
            "pk", "platform", "handle", "last_polled_at", "last_error_at").order_by("pk")
        for pk, platform, handle, polled, errored in rows:
            labels = [platform, str(pk), handle]
            last_ok.add_metric(labels, polled.timestamp() if polled else 0)
            failing.add_metric(labels, int(bool(errored and (polled is None or errored > polled))))
        yield last_ok
        yield failing

    def _auto_route(self):
        since = timezone.now() - timedelta(hours=24)
        counts = Message.objects.filter(posted_at__gte=since).aggregate(
            total=Count("id"), auto=Count("id", filter=Q(needs_triage=False)))
        total = GaugeMetricFamily("smc_classified_messages_24h", "Messages posted in the last 24 h, by whether "
                                  "the classifier routed them (auto) or they waited for triage",
                                  labels=["route"])
        total.add_metric(["auto"], counts["auto"])
        total.add_metric(["triage"], counts["total"] - counts["auto"])
        yield total
        share = GaugeMetricFamily("smc_classifier_auto_route_ratio",
                                  "Share of the last 24 h's messages routed by the classifier without triage")
        share.add_metric([], counts["auto"] / counts["total"] if counts["total"] else 0.0)
        yield share

    def _queues(self):
        depth = GaugeMetricFamily("smc_celery_queue_length", "Tasks waiting in a Celery queue", labels=["queue"])
        waited = GaugeMetricFamily("smc_celery_queue_oldest_wait_seconds",
                                   "How long the oldest task of a queue has waited", labels=["queue"])
        now = health.clock()
        with health.celery_app.connection_for_read() as broker:
            client = broker.default_channel.client
            for queue in health.watched_queues():
                depth.add_metric([queue], client.llen(queue))
                waited.add_metric([queue], health.oldest_wait(client, queue, now))
        yield depth
        yield waited


class _Safe:
    """A dependency that does not answer must not turn the whole scrape into a 500: the process
    figures still go out, and smc_scrape_error says which part failed."""

    def __init__(self, collector):
        self.collector = collector

    def collect(self):
        error = GaugeMetricFamily("smc_scrape_error", "1 when the database/broker figures could not be read")
        try:
            families = list(self.collector.collect())
        except Exception as exc:  # noqa: BLE001 - reported as a figure and in the log
            logger.warning("metrics: database figures unavailable: %s", type(exc).__name__)
            families = []
            error.add_metric([], 1)
        else:
            error.add_metric([], 0)
        yield from families
        yield error


class _ProcessFiles:
    """Every process's files under one directory, its subdirectories included: on one host all write to
    PROMETHEUS_MULTIPROC_DIR; in docker-compose each container writes its own subdirectory of a shared
    volume (pids repeat across containers) and the web reads them all (SMC_METRICS_READ_DIR)."""

    def __init__(self, root: str):
        self.root = root

    def collect(self):
        files = sorted(str(p) for p in Path(self.root).glob("**/*.db"))
        return MultiProcessCollector.merge(files, accumulate=True)


def registry() -> CollectorRegistry:
    root = os.environ.get("SMC_METRICS_READ_DIR") or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if root:
        scrape = CollectorRegistry()
        scrape.register(_ProcessFiles(root))
    else:
        scrape = CollectorRegistry()
        scrape.register(_ProcessRegistry())
    scrape.register(_Safe(DatabaseCollector()))
    return scrape


class _ProcessRegistry:
    def collect(self):
        return PROCESS_REGISTRY.collect()


def _allowed(request) -> bool:
    token = settings.SMC_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    networks = list(settings.SMC_METRICS_ALLOW)
    if settings.DEBUG:
        networks.append("127.0.0.1")
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


@never_cache
def metrics(request):
    if not _allowed(request):
        return HttpResponse("403 Forbidden: /metrics needs the metrics token or an allowed address.\n",
                            status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)

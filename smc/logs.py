"""The log: one JSON object per line in production (LOG_FORMAT=json), a readable line in development.

Every line carries what it happened in: the request id (X-Request-ID, also sent back to the client)
and user id of a web request, the task id and name of a Celery task, and the account of a poll. Only
ids and the fields listed in EXTRA_FIELDS go out: never a request's body, a citizen's text or a
secret (exception texts pass through scrub(), which removes passwords of URLs and DSNs).

Polling is quiet: Celery's own "received"/"succeeded" lines of the tasks that run every few seconds
(polls, the poll dispatcher, beat sending them) are DEBUG, and core.metrics writes one INFO summary a
minute per worker process instead.
"""

import contextvars
import json
import logging
import re
import time

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
current_request: contextvars.ContextVar = contextvars.ContextVar("current_request", default=None)
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")
task_name: contextvars.ContextVar[str] = contextvars.ContextVar("task_name", default="")

# Numbers and ids that loggers pass in `extra=` and that may appear in a line.
EXTRA_FIELDS = ("account", "new", "polls", "errors", "skipped", "status", "duration_ms", "method", "view")
# Passwords a driver's error may quote: in a URL (scheme://user:password@host) or a libpq DSN.
_URL_PASSWORD = re.compile(r"(\w+://[^:/@\s]*:)[^@\s]+@")
_DSN_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def scrub(text: str) -> str:
    return _DSN_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


# Tasks beat runs every few seconds or minutes whose every run would otherwise be two INFO lines.
FREQUENT_TASKS = ("messages_app.tasks.poll_account", "messages_app.tasks.dispatch_polls", "dispatch-polls",
                  "outbound.tasks.sweep", "sweep-postings",
                  "messages_app.tasks.simulate_kakao_chats", "simulate-kakao-chats")


def forget_request(**_) -> None:
    """request_finished: lines logged after the response (and between requests) carry no request."""
    request_id.set("")
    current_request.set(None)


def _user_id(request) -> int | None:
    if request is None:
        return None
    user = request.__dict__.get("user")  # only if authentication already resolved it: no query here
    user = getattr(user, "_wrapped", user)
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


class ContextFilter(logging.Filter):
    """Adds request_id, user_id, task_id, task to every record (empty when not in one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.user_id = _user_id(current_request.get())
        record.task_id = task_id.get()
        record.task = task_name.get()
        return True


class QuietFrequentTasks(logging.Filter):
    """Celery's INFO lines about the tasks that run every few seconds become DEBUG lines (dropped
    unless the `smc.polls` logger is at DEBUG: LOG_LEVEL_POLLS=DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not _mentions_frequent_task(record):
            return True
        return logging.getLogger("smc.polls").isEnabledFor(logging.DEBUG)


def _mentions_frequent_task(record: logging.LogRecord) -> bool:
    args = record.args
    values: list = list(args.values()) if isinstance(args, dict) else list(args or ())
    names = {str(getattr(value, "name", value)) for value in values}
    return any(name in names for name in FREQUENT_TASKS)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for name in ("request_id", "user_id", "task_id", "task"):
            value = getattr(record, name, None)
            if value:
                line[name] = value
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Development: time, level, logger, [request or task id], message."""

    def format(self, record: logging.LogRecord) -> str:
        where = getattr(record, "request_id", "") or getattr(record, "task_id", "")
        record.where = f" [{where[:8]}]" if where else ""
        return super().format(record)


def config(level: str, fmt: str, polls_level: str) -> dict:
    formatter = ({"()": "smc.logs.JsonFormatter"} if fmt == "json" else
                 {"()": "smc.logs.TextFormatter",
                  "format": "%(asctime)s %(levelname)s %(name)s%(where)s %(message)s", "datefmt": "%H:%M:%S"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "smc.logs.ContextFilter"},
                    "quiet": {"()": "smc.logs.QuietFrequentTasks"}},
        "formatters": {"main": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main",
                                 "filters": ["context", "quiet"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"smc.polls": {"level": polls_level}},
    }

"""Fake connectors for the inbox tests.

`ScriptedConnector` runs in the test process. `RedisConnector` runs inside a real Celery worker
(see ingest_worker.py) and is steered through Redis by the test: what to fetch, where to stop and
wait (so a SIGKILL or a dropped connection lands exactly mid-batch), and it records every reply it
"posts" in Redis, so the test can count them whatever happened to the worker.
"""

import json
import os
import time
from datetime import UTC, datetime, timedelta

import redis
from django.conf import settings

from accounts.connectors.base import Batch, InboundItem
from tests.waiting import wait_until

BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEXTS = [
    "지하철 2호선 강남역 에스컬레이터가 또 멈췄어요. 빨리 고쳐 주세요.",
    "서울시 공공자전거 따릉이 덕분에 출퇴근이 즐겁습니다. 감사합니다!",
    "우리 동네 골목 가로등이 꺼져서 밤에 너무 어둡습니다.",
    "한강공원 쓰레기 분리수거함이 넘쳐요 🗑️ 관리 부탁드립니다.",
    "청년 월세 지원 신청은 언제부터인가요?",
]


def make_item(platform: str, number: int, prefix: str = "", text: str | None = None, **extra) -> InboundItem:
    external_id = f"{prefix}{number}"
    return InboundItem(
        platform=platform, external_id=external_id, text=text or f"{TEXTS[number % len(TEXTS)]} #{number}",
        posted_at=BASE_TIME + timedelta(seconds=number), author_id=f"u{number % 97}",
        author_handle=f"citizen{number % 97}", author_name=f"시민{number % 97}",
        conversation_id=external_id, raw={"id": external_id}, **extra,
    )


class ScriptedConnector:
    """Returns (or raises) the next scripted result of each call; records replies in a list."""

    def __init__(self, fetches=(), replies=(), found=None):
        self.fetches, self.replies, self.found = list(fetches), list(replies), found
        self.fetch_calls, self.posted, self.find_calls = [], [], []

    @staticmethod
    def _next(script, default):
        result = script.pop(0) if script else default
        if isinstance(result, BaseException):
            raise result
        return result

    def fetch(self, account, cursor):
        self.fetch_calls.append(cursor)
        return self._next(self.fetches, Batch(items=[], next_cursor=cursor))

    def reply(self, account, to_external_id, text):
        result = self._next(self.replies, None)
        external_id = result or f"r{len(self.posted) + 1}"
        self.posted.append((to_external_id, text, external_id))
        return external_id

    def post(self, account, text):
        return self.reply(account, "", text)

    def find_reply(self, account, to_external_id, text):
        self.find_calls.append((to_external_id, text))
        return self.found


# --- steering a worker through Redis ------------------------------------------------------------

def client() -> redis.Redis:
    """The Redis the test and its worker share for steering and for what the fakes posted:
    SMC_FAKES_REDIS_URL when a drill takes the worker's own Redis away (what the platforms hold
    survives a restart of ours), else REDIS_URL."""
    url = os.environ.get("SMC_FAKES_REDIS_URL") or settings.REDIS_URL
    return redis.Redis.from_url(url, decode_responses=True)


class Steer:
    """The keys one test run shares with its worker; `ns` keeps parallel runs apart."""

    def __init__(self, ns: str, r: redis.Redis | None = None):
        self.ns, self.r = ns, r or client()

    def key(self, name: str) -> str:
        return f"fakeworker:{self.ns}:{name}"

    def set_fetch(self, account_id: int, spec: dict) -> None:
        self.r.set(self.key(f"fetch:{account_id}"), json.dumps(spec))

    def block(self, stage: str) -> None:
        self.r.set(self.key(f"block:{stage}"), "1")

    def block_once(self, stage: str) -> None:
        """Hold only the first process to reach `stage`; the others go on (a drill wants one poll and
        one posting caught mid-way while the rest of the pool keeps working)."""
        self.r.set(self.key(f"once:{stage}"), "1")
        self.r.set(self.key(f"hold:{stage}"), "1")

    def release(self, stage: str) -> None:
        self.r.delete(self.key(f"block:{stage}"), self.key(f"hold:{stage}"), self.key(f"once:{stage}"))

    def reached(self, stage: str) -> dict | None:
        value = self.r.get(self.key(f"reached:{stage}"))
        return json.loads(value) if value else None

    def wait_reached(self, stage: str, timeout: float = 60.0) -> dict:
        return wait_until(lambda: self.reached(stage), f"the worker to reach {stage}", timeout=timeout)

    def clear_reached(self, stage: str) -> None:
        self.r.delete(self.key(f"reached:{stage}"))

    def replies(self, to_external_id: str) -> list[dict]:
        return [json.loads(v) for v in self.r.lrange(self.key(f"replies:{to_external_id}"), 0, -1)]

    def count(self, name: str) -> int:
        return int(self.r.get(self.key(f"count:{name}")) or 0)

    # Called inside the worker.
    def checkpoint(self, stage: str, **info) -> None:
        from django.db import connection

        backend_pid = None
        if connection.connection is not None:
            backend_pid = connection.connection.info.backend_pid
        self.r.incr(self.key(f"count:{stage}"))
        self.r.set(self.key(f"reached:{stage}"),
                   json.dumps({"pid": os.getpid(), "backend_pid": backend_pid, **info}))
        held = bool(self.r.delete(self.key(f"once:{stage}")))  # only one process wins the delete
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (self.r.exists(self.key(f"block:{stage}"))
                                               or (held and self.r.exists(self.key(f"hold:{stage}")))):
            time.sleep(0.02)


class RedisConnector:
    """Fetch spec from Redis: {"count": N, "prefix": "p-", "cursor": "c1"}; replies kept in Redis."""

    def __init__(self, steer: Steer):
        self.steer = steer

    def fetch(self, account, cursor):
        raw = self.steer.r.get(self.steer.key(f"fetch:{account.pk}"))
        spec = json.loads(raw) if raw else {"count": 0}
        items = [make_item(account.platform, n, spec.get("prefix", "")) for n in range(spec["count"])]
        self.steer.checkpoint("fetched", cursor=cursor)
        return Batch(items=items, next_cursor=spec.get("cursor", "next"))

    def reply(self, account, to_external_id, text):
        self.steer.checkpoint("before_reply")
        key = self.steer.key(f"replies:{to_external_id}")
        external_id = f"reply-{self.steer.r.incr(self.steer.key('reply_seq'))}"
        self.steer.r.rpush(key, json.dumps({"id": external_id, "text": text, "account": account.pk}))
        self.steer.checkpoint("after_reply", external_id=external_id)
        return external_id

    def post(self, account, text):
        return self.reply(account, "", text)

    def find_post(self, account, marker):
        self.steer.checkpoint("find_post")
        for post in self.steer.replies(""):
            if post.get("account") == account.pk and marker in post["text"]:
                return post["id"]
        return None

    def find_reply(self, account, to_external_id, text):
        self.steer.checkpoint("find_reply")
        for reply in self.steer.replies(to_external_id):
            if reply["text"] == text:
                return reply["id"]
        return None


# --- a classifier without training it in every test ----------------------------------------------

_PAYLOAD: dict = {}


def install_classifier_model() -> None:
    """Store a model trained once per test session, so the pipeline does not train one per test."""
    from classification import training
    from classification.models import ClassifierModel

    if "payload" not in _PAYLOAD:
        _PAYLOAD["payload"] = training.train(training.corpus_rows()).dumps()
    ClassifierModel.objects.update_or_create(
        version="test-inbox", defaults={"payload": _PAYLOAD["payload"], "is_active": True})


def seed_for_workers() -> None:
    """What a worker test commits before its worker starts: roles, org chart, registry, a model."""
    from accounts.services import seed_registry
    from departments.services import seed_org_chart
    from users.roles import ensure_roles

    ensure_roles()
    seed_org_chart()
    seed_registry()
    install_classifier_model()

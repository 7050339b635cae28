"""A stand-in X API v2 on the loopback interface, for load benchmarks and fault tests.

It speaks the mentions timeline exactly as the X connector (accounts/connectors/x.py, through tweepy)
expects it: `GET /2/users/:id/mentions` newest first, `since_id`, `max_results`, paging with
`meta.next_token` / `pagination_token`, `includes.users` for `expansions=author_id`, the
`x-rate-limit-*` headers and a 429 with `x-rate-limit-reset` when a user's window is spent, a 503
now and then (`error_rate`), and a configurable latency per request. `POST /2/tweets` answers too.

It holds a surge: `n` mentions spread over the given X user ids, released at `rate` per second from
`start()` (`rate=None`: all at once, a backlog). A mention is visible from its release on; the ids grow
with the release order, like X's snowflakes, so `since_id` works. `released()` tells which ids were
released and when, to compare with what the database stored (lost, duplicated, latency).

    fake = FakeX(Surge(n=2000, users=[...], rate=33.3)).start()   # fake.url → SMC_X_API_BASE_URL
    ...
    fake.stop()

The connector finds it through the SMC_X_API_BASE_URL setting; nothing else changes.
"""

import json
import random
import sys
import threading
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from accounts.connectors.simulator_texts import compose

FIRST_ID = 1_900_000_000_000_000_000  # above every real id in the recordings
TOKEN_PREFIX = "fx"  # next_token values look opaque, as X's do


@dataclass
class XUser:
    user_id: str
    handle: str


@dataclass
class Surge:
    """`n` mentions over `users` (round-robin), released at `rate` per second (None: all at once)."""

    n: int
    users: list[XUser]
    rate: float | None = None
    seed: int = 2026
    texts: list[str] = field(default_factory=list, repr=False)
    authors: list[tuple[str, str, str]] = field(default_factory=list, repr=False)
    start_at: float = 0.0

    def __post_init__(self):
        rng = random.Random(self.seed)
        for i in range(self.n):
            message = compose(rng, self.users[i % len(self.users)].handle)
            self.texts.append(message.text)
            self.authors.append((str(10_000_000 + rng.randrange(200_000)), message.author_handle,
                                 message.author_name))
        # Per user: the surge indexes of its mentions, ascending (so ids ascend too).
        self.by_user = {u.user_id: list(range(k, self.n, len(self.users))) for k, u in enumerate(self.users)}

    def tweet_id(self, index: int) -> str:
        return str(FIRST_ID + index)

    def index_of(self, tweet_id: str) -> int:
        return int(tweet_id) - FIRST_ID

    def released_count(self, now: float | None = None) -> int:
        if not self.start_at:
            return 0
        if self.rate is None:
            return self.n
        now = time.time() if now is None else now
        return max(0, min(self.n, int((now - self.start_at) * self.rate)))

    def release_time(self, index: int) -> float:
        return self.start_at if self.rate is None else self.start_at + index / self.rate

    def tweet(self, index: int, user_id: str) -> dict:
        tweet_id = self.tweet_id(index)
        created = datetime.fromtimestamp(self.release_time(index), UTC)
        return {
            "id": tweet_id, "text": self.texts[index], "author_id": self.authors[index][0],
            "conversation_id": tweet_id, "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.") +
            f"{created.microsecond // 1000:03d}Z", "edit_history_tweet_ids": [tweet_id],
            "in_reply_to_user_id": user_id, "lang": "ko",
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that died mid-request (a killed worker host) is part of the test, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeX:
    def __init__(self, surge: Surge, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0,
                 error_rate: float = 0.0, rate_limit: int = 0, rate_window: float = 900.0, seed: int = 7):
        self.surge = surge
        self.latency, self.error_rate = latency, error_rate
        self.rate_limit, self.rate_window = rate_limit, rate_window  # requests per user per window; 0: none
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # user id → (window start, requests)
        self.requests = {"mentions": 0, "errors": 0, "rate_limited": 0, "posts": 0}
        self.connections = 0  # TCP connections accepted (a client that keeps its session reuses one)
        self.posted: list[dict] = []
        self.server = _Server((host, port), self._handler())
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, release: bool = True) -> "FakeX":
        self._thread.start()
        if release:
            self.release()
        return self

    def release(self) -> None:
        """Start releasing the surge now."""
        self.surge.start_at = time.time()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def released(self) -> dict[str, float]:
        """Every mention released so far: tweet id → release time (epoch seconds)."""
        count = self.surge.released_count()
        return {self.surge.tweet_id(i): self.surge.release_time(i) for i in range(count)}

    # --- the API ---------------------------------------------------------------------------------

    def _take_request(self, user_id: str) -> tuple[bool, dict]:
        """Counts a request against the user's window; (allowed, rate-limit headers)."""
        if not self.rate_limit:
            return True, {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449",
                          "x-rate-limit-reset": str(int(time.time() + self.rate_window))}
        now = time.time()
        with self._lock:
            began, used = self._windows.get(user_id, (now, 0))
            if now - began >= self.rate_window:
                began, used = now, 0
            allowed = used < self.rate_limit
            used += allowed
            self._windows[user_id] = (began, used)
        reset = int(began + self.rate_window) + 1
        return allowed, {"x-rate-limit-limit": str(self.rate_limit),
                         "x-rate-limit-remaining": str(self.rate_limit - used),
                         "x-rate-limit-reset": str(reset)}

    def mentions(self, user_id: str, query: dict) -> dict:
        surge = self.surge
        indexes = surge.by_user.get(user_id, [])
        released = bisect_left(indexes, surge.released_count())  # released ones are a prefix
        token = query.get("pagination_token")
        upper = int(token[len(TOKEN_PREFIX):], 36) if token else released  # a page's snapshot
        since = query.get("since_id")
        lower = bisect_right(indexes, surge.index_of(since)) if since and int(since) >= FIRST_ID else 0
        size = max(5, min(100, int(query.get("max_results") or 10)))
        first = max(lower, upper - size)
        page = [surge.tweet(i, user_id) for i in reversed(indexes[first:upper])]  # newest first
        if not page:
            return {"meta": {"result_count": 0}}
        body = {"data": page, "meta": {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"],
                                       "result_count": len(page)}}
        if "author_id" in (query.get("expansions") or ""):
            users = {}
            for i in indexes[first:upper]:
                author_id, username, name = surge.authors[i]
                users[author_id] = {"id": author_id, "name": name, "username": username}
            body["includes"] = {"users": list(users.values())}
        if first > lower:
            body["meta"]["next_token"] = TOKEN_PREFIX + _base36(first)
        return body

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as requests' session expects
            # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
            # client's delayed ACK (40 ms on Linux) on a kept-alive connection. X's servers don't.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def _send(self, status: int, body: dict, headers: dict | None = None):
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("api-version", "2.112")
                self.send_header("content-length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _common(self) -> bool:
                if fake.latency:
                    time.sleep(fake.latency)
                if not (self.headers.get("Authorization") or "").startswith(("Bearer ", "OAuth ")):
                    self._send(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                     "detail": "Unauthorized"})
                    return False
                if fake.error_rate and fake._rng.random() < fake.error_rate:
                    with fake._lock:
                        fake.requests["errors"] += 1
                    self._send(503, {"title": "Service Unavailable", "detail": "Service Unavailable",
                                     "type": "about:blank", "status": 503})
                    return False
                return True

            def do_GET(self):
                url = urlparse(self.path)
                parts = url.path.strip("/").split("/")
                if len(parts) == 4 and parts[:2] == ["2", "users"] and parts[3] in ("mentions", "tweets"):
                    if not self._common():
                        return
                    user_id = parts[2]
                    allowed, headers = fake._take_request(user_id)
                    if not allowed:
                        with fake._lock:
                            fake.requests["rate_limited"] += 1
                        self._send(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                         "type": "about:blank", "status": 429}, headers)
                        return
                    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                    if parts[3] == "tweets":  # our own posts: none that find_reply would match
                        self._send(200, {"meta": {"result_count": 0}}, headers)
                        return
                    with fake._lock:
                        fake.requests["mentions"] += 1
                    self._send(200, fake.mentions(user_id, query), headers)
                    return
                self._send(404, {"title": "Not Found Error", "type": "about:blank", "status": 404})

            def do_POST(self):
                if urlparse(self.path).path != "/2/tweets":
                    self._send(404, {"title": "Not Found Error", "type": "about:blank", "status": 404})
                    return
                length = int(self.headers.get("content-length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                if not self._common():
                    return
                with fake._lock:
                    fake.requests["posts"] += 1
                    tweet_id = str(FIRST_ID * 2 + len(fake.posted))
                    fake.posted.append({"id": tweet_id, **payload})
                self._send(201, {"data": {"id": tweet_id, "text": payload.get("text", ""),
                                          "edit_history_tweet_ids": [tweet_id]}})

        return Handler


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out

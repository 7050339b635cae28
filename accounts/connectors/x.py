"""X (Twitter) through tweepy's API v2 Client: mentions in, replies and posts out.

Credentials (account.credentials): `bearer_token` (app or OAuth 2.0 user token) and/or the OAuth 1.0a
user context `consumer_key`, `consumer_secret`, `access_token`, `access_token_secret` (needed to post).
"""

import calendar
import html
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import requests
import tweepy
from django.conf import settings
from django.utils.translation import gettext_lazy as _

import accounts.connectors.base as base

from .base import (
    AccountSuspended,
    AppProblem,
    AuthExpired,
    Batch,
    CannotLook,
    Code,
    ConnectorError,
    ContentProblem,
    InboundItem,
    PermanentError,
    PermissionMissing,
    RateLimited,
    SyncResult,
    TransientError,
    X,
)
from .text import split_reply, x_fits

# What X refused; %(detail)s is its status, title and detail (diagnostics, untranslated).
USAGE_CAP_REACHED = _("X 월간 사용량 한도 초과%(used)s: %(detail)s")
UNAUTHORIZED = _("X 인증 만료: %(detail)s")
APP_REFUSED = _("X 앱 문제: %(detail)s")
FORBIDDEN = _("X 권한 없음: %(detail)s")
CONTENT_REFUSED = _("X 항목 없음 또는 거부: %(detail)s")
ACCOUNT_GONE = _("X 계정 정지 또는 없음: %(detail)s")
NOT_A_MESSAGE_ID = _("X 쪽지 ID가 아닙니다: %(external_id)s")
NO_JOB_ID = _("X 준수 작업 응답에 id나 상태가 없습니다.")
STORAGE_CONNECTION = _("X 준수 작업 저장소 연결 오류: %(where)s")
STORAGE_ERROR = _("X 준수 작업 저장소 오류: HTTP %(status)s, %(where)s")
STORAGE_REFUSED = _("X 준수 작업 저장소 거부: HTTP %(status)s, %(where)s")
NO_APP_TOKEN = _("X 준수 작업에는 앱 전용 토큰이 필요합니다.")
PART_TOO_LONG = _("X 글자 수 제한을 넘는 부분이 있습니다.")
NO_DM_READ_TOKEN = _("X 쪽지를 읽을 토큰이 없습니다.")
NO_DM_SENDER = _("X 쪽지의 보낸 사람을 알 수 없습니다.")
NO_DM_WRITE_TOKEN = _("X 쪽지 권한 없음: dm.write 권한의 사용자 토큰이 필요합니다.")
NO_USER_ID_TO_LOOK = _("X 사용자 ID가 없어 이전 게시를 찾을 수 없습니다.")

TWEET_FIELDS = [
    "created_at", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "lang", "author_id",
    "note_tweet",  # the full text of a long post; `text` holds only its first 280 weighted characters
    "withheld",  # {"country_codes": [...]}: a post withheld in Korea is stored but never public
    "edit_history_tweet_ids",
]
WITHHELD_COUNTRY = "KR"
DM_MAX_CHARS = 10_000  # a direct message's length limit
DM_EVENT_FIELDS = ["id", "text", "event_type", "created_at", "sender_id", "dm_conversation_id"]
LOOKUP_IDS = 100  # GET /2/tweets takes up to 100 ids a call
USER_FIELDS = ["username", "name"]
# A poll that falls this far behind stops paging; the next poll continues from the newest seen.
MAX_PAGES = 50
TIMEOUT = (5, 30)  # connect, read (seconds): tweepy sets none, a hung socket would block the worker
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
# A 5xx on one page is asked again after these waits (seconds) before the poll fails: otherwise the
# pages already fetched are thrown away and the whole poll repeated (in a 100,000 backlog a poll has
# ~25 pages, so ~1 in 10 polls met one of X's occasional 503s and started over).
PAGE_RETRY_WAITS = (0.5, 1.0)
TWEEPY_HOST = "https://api.twitter.com"  # tweepy.Client builds every URL on this host
MISSING_ID_REASON = "형식 오류: id 없음"
MISSING_SENDER_REASON = "형식 오류: 쪽지 보낸 사람 없음"
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
_SPACES = re.compile(r"\s+")


def make_client(credentials: dict) -> tweepy.Client:
    client = tweepy.Client(
        bearer_token=credentials.get("bearer_token"),
        consumer_key=credentials.get("consumer_key"),
        consumer_secret=credentials.get("consumer_secret"),
        access_token=credentials.get("access_token"),
        access_token_secret=credentials.get("access_token_secret"),
        return_type=dict,
        wait_on_rate_limit=False,  # never sleep inside a worker: RateLimited reschedules the poll
    )
    request = partial(client.session.request, timeout=TIMEOUT)
    base = getattr(settings, "SMC_X_API_BASE_URL", TWEEPY_HOST)
    if base != TWEEPY_HOST:
        # A stand-in platform (bench/fakex.py): same calls, same wire format, another host.
        def request(method, url, *args, _request=request, **kwargs):
            if url.startswith(TWEEPY_HOST):
                url = base + url[len(TWEEPY_HOST):]
            return _request(method, url, *args, **kwargs)
    client.session.request = request
    return client


_per_thread = threading.local()
CLIENTS_PER_THREAD = 64  # ≥ the city's accounts; past it the oldest go


def reused_client(credentials: dict) -> tweepy.Client:
    """One client per credentials, base URL and thread, kept between polls: its session keeps the
    connection to X open (a new client per poll paid a TCP and TLS handshake for every poll, ~4 a
    second in a surge). Per thread because a requests session is not meant to be shared by threads."""
    key = (tuple(sorted(credentials.items())), getattr(settings, "SMC_X_API_BASE_URL", TWEEPY_HOST))
    clients: OrderedDict = _per_thread.__dict__.setdefault("clients", OrderedDict())
    if key in clients:
        clients.move_to_end(key)
    else:
        clients[key] = make_client(credentials)
        while len(clients) > CLIENTS_PER_THREAD:
            clients.popitem(last=False)
    return clients[key]


PROBLEM = "https://api.twitter.com/2/problems/"
RATE_LIMIT, TEMPORARY, AUTH, PERMISSION, APP, CONTENT, USAGE_CAP = (
    "rate_limit", "temporary", "auth", "permission", "app", "content", "usage_cap")
# X API v2 problem types (docs.x.com/x-api/fundamentals/response-codes-and-errors) and, for
# `about:blank` problems, HTTP statuses, each with what it means for SMC. Others are permanent.
PROBLEM_TYPES: dict[str, str] = {
    PROBLEM + "usage-capped": USAGE_CAP,              # 429 UsageCapExceeded: the monthly post cap
    PROBLEM + "client-forbidden": APP,                # 403 client-not-enrolled / official-client-forbidden
    PROBLEM + "unsupported-authentication": APP,      # 403 the app authenticates in a way the endpoint refuses
    PROBLEM + "not-authorized-for-resource": CONTENT,  # a protected post or account
    PROBLEM + "resource-not-found": CONTENT,          # a deleted post
    PROBLEM + "resource-unavailable": CONTENT,        # a withheld or suspended author's post
    PROBLEM + "disallowed-resource": CONTENT,
    PROBLEM + "client-disconnected": TEMPORARY,
    PROBLEM + "operational-disconnect": TEMPORARY,
}
HTTP_STATUSES: dict[int, str] = {
    401: AUTH,
    403: PERMISSION,   # e.g. "You are not permitted to perform this action" (a scope not granted)
    404: CONTENT,
    429: RATE_LIMIT,
    500: TEMPORARY, 502: TEMPORARY, 503: TEMPORARY, 504: TEMPORARY,
}
USAGE_CAP_RESET_DAY = 1  # used only when GET /2/usage/tweets cannot say (settings.SMC_X_USAGE_CAP_RESET_DAY)
USAGE_FIELDS = ["cap_reset_day", "project_cap", "project_usage"]


class UsageCapped(RateLimited):
    """X's monthly usage cap: nothing is read until the cap's reset day (not a 15-minute window)."""


def usage_cap_reset(now: datetime, reset_day: int) -> datetime:
    """The next start of the cap's month: `reset_day` of this month if still to come, else of the
    next (a day past a month's end is its last day)."""
    def on(year: int, month: int) -> datetime:
        day = min(max(int(reset_day), 1), calendar.monthrange(year, month)[1])
        return now.replace(year=year, month=month, day=day, hour=0, minute=0, second=0, microsecond=0)

    this_month = on(now.year, now.month)
    if this_month > now:
        return this_month
    return on(now.year + 1, 1) if now.month == 12 else on(now.year, now.month + 1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def read_usage(client: tweepy.Client) -> dict | None:
    """The project's usage (GET /2/usage/tweets, app-only bearer token): cap_reset_day, project_cap,
    project_usage; None when it cannot be read (no app token, an error of its own)."""
    if not client.bearer_token:
        return None
    try:
        body = client._make_request("GET", "/2/usage/tweets", params={"usage_fields": USAGE_FIELDS},
                                    endpoint_parameters=("usage.fields",), user_auth=False)
    except (tweepy.TweepyException, requests.RequestException, ValueError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else None


def usage_capped(usage: dict | None, now: datetime, text: str) -> UsageCapped:
    """The wait of a usage-cap 429: to the reset day X reports, else the configured one."""
    reset_day = getattr(settings, "SMC_X_USAGE_CAP_RESET_DAY", USAGE_CAP_RESET_DAY)
    used = ""
    if usage is not None:
        day = usage.get("cap_reset_day")
        if isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= 31:
            reset_day = day
        if usage.get("project_cap") is not None:
            used = f" [{usage.get('project_usage')}/{usage.get('project_cap')}]"
    return UsageCapped(usage_cap_reset(now, reset_day), USAGE_CAP_REACHED, used=used, detail=text)


def classify(status: int, body: object, headers: dict | None = None, now: datetime | None = None,
             usage: dict | None = None) -> ConnectorError:
    """The connector error for an X API v2 error response (PROBLEM_TYPES, then HTTP_STATUSES);
    `usage` is what GET /2/usage/tweets said (read when the usage cap is hit)."""
    body = body if isinstance(body, dict) else {}
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    problem = str(body.get("type") or (errors[0].get("type") if errors else "") or "")
    detail = str(body.get("detail") or (errors[0].get("detail") or errors[0].get("message") if errors else "") or "")
    reason = str(body.get("reason") or "")
    text = f"{status} {body.get('title') or ''}: {detail}{f' ({reason})' if reason else ''}"
    kind = PROBLEM_TYPES.get(problem) or HTTP_STATUSES.get(status)
    if str(body.get("title")) == "UsageCapExceeded":
        kind = USAGE_CAP
    if status == 403 and "duplicate" in detail.lower():
        kind = CONTENT
    if kind == USAGE_CAP:
        return usage_capped(usage, now or _utcnow(), text)
    if kind == RATE_LIMIT:
        reset = headers.get("x-rate-limit-reset")
        try:
            reset_at = datetime.fromtimestamp(int(reset), UTC) if reset else None
        except (TypeError, ValueError, OverflowError):
            reset_at = None
        reset_at = reset_at or datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT
        return RateLimited(reset_at, base.RATE_LIMITED, platform=X, detail=text)
    if kind == TEMPORARY:
        return TransientError(base.TRANSIENT, platform=X, detail=text)
    if kind == AUTH:
        return AuthExpired(UNAUTHORIZED, detail=text)
    if kind == APP:
        return AppProblem(APP_REFUSED, detail=text)
    if kind == PERMISSION:
        return PermissionMissing(reason or "forbidden", FORBIDDEN, detail=text)
    if kind == CONTENT:
        return ContentProblem(CONTENT_REFUSED, detail=text)
    return PermanentError(base.REFUSED, platform=X, detail=text)


def _body(response) -> object:
    try:
        return response.json()
    except (ValueError, AttributeError):
        return {}


def is_usage_cap(status: int, body: object) -> bool:
    body = body if isinstance(body, dict) else {}
    return status == 429 and (body.get("title") == "UsageCapExceeded" or body.get("type") == PROBLEM + "usage-capped")


@contextmanager
def translate_errors(usage_client: tweepy.Client | None = None,
                     clock: Callable[[], datetime] = _utcnow) -> Iterator[None]:
    """Turn tweepy/requests failures into the connector errors every platform shares. On the usage
    cap, `usage_client` (the app's bearer token) asks GET /2/usage/tweets for the real reset day."""
    try:
        yield
    except tweepy.HTTPException as exc:
        response = exc.response
        body = _body(response)
        usage = read_usage(usage_client) if usage_client is not None and is_usage_cap(
            response.status_code, body) else None
        raise classify(response.status_code, body, dict(response.headers), clock(), usage) from exc
    except requests.JSONDecodeError as exc:
        raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=X, detail=exc) from exc
    except requests.RequestException as exc:
        raise TransientError(base.CONNECTION_ERROR, code=Code.CONNECTION, platform=X, detail=exc) from exc
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=X, detail=repr(exc)) from exc


def _uses_user_context(credentials: dict) -> bool:
    return bool(credentials.get("consumer_key") and credentials.get("access_token"))


def _parse_time(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return default


def _newest(a: str, b: str) -> str:
    if not a:
        return b
    if not b:
        return a
    return a if int(a) >= int(b) else b


def tweet_to_item(tweet: dict, users: dict[str, dict], fetched_at: datetime) -> InboundItem:
    tweet_id = str(tweet["id"])
    author_id = str(tweet.get("author_id") or "")
    author = users.get(author_id, {})
    username = author.get("username", "")
    replied_to = next(
        (ref.get("id", "") for ref in tweet.get("referenced_tweets") or [] if ref.get("type") == "replied_to"),
        "",
    )
    note = tweet.get("note_tweet") or {}
    text = note.get("text") or tweet.get("text") or ""
    url = f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}"
    return InboundItem(
        platform="x",
        external_id=tweet_id,
        text=html.unescape(text),  # v2 escapes &, < and > in text
        posted_at=_parse_time(tweet.get("created_at"), fetched_at),
        author_id=author_id,
        author_handle=username,
        author_name=author.get("name", ""),
        url=url,
        conversation_id=str(tweet.get("conversation_id") or ""),
        parent_id=str(replied_to),
        kind="reply" if replied_to else "mention",
        raw=tweet,
        withheld=is_withheld(tweet),
    )


def dm_external_id(sender_id: str, event_id: str) -> str:
    """A direct message's stored id: its sender (whom a private answer goes to) and its event."""
    return f"dm:{sender_id}:{event_id}"


def dm_sender(external_id: str) -> str:
    parts = str(external_id).split(":")
    if len(parts) != 3 or parts[0] != "dm" or not parts[1]:
        raise PermanentError(NOT_A_MESSAGE_ID, code=Code.NOT_A_MESSAGE_ID, external_id=external_id)
    return parts[1]


def split_cursor(cursor: str) -> tuple[str, str]:
    """The mentions' since_id and the direct messages' last event id of an account's cursor
    ("<since_id>" before DMs were read, "<since_id> dm:<event id>" since)."""
    mentions, _sep, dms = (cursor or "").partition(" dm:")
    return mentions.strip(), dms.strip()


def join_cursor(mentions: str, dms: str) -> str:
    return f"{mentions} dm:{dms}" if dms else mentions


def is_withheld(tweet: dict) -> bool:
    withheld = tweet.get("withheld") or {}
    return isinstance(withheld, dict) and WITHHELD_COUNTRY in (withheld.get("country_codes") or [])


def _text_of(tweet: dict) -> str:
    note = tweet.get("note_tweet") or {}
    return html.unescape(note.get("text") or tweet.get("text") or "")


def _call_again_on_5xx(call: Callable[..., dict], **params) -> dict:
    for wait in PAGE_RETRY_WAITS:
        try:
            return call(**params)
        except tweepy.TwitterServerError:
            time.sleep(wait)
    return call(**params)  # the last failure goes to translate_errors: TransientError, the task retries


def _errors_only(body: dict) -> ConnectorError:
    """A 200 whose body holds only `errors`: the polled user itself is suspended or gone (an account
    state), else the problem its first error names."""
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    if any(e.get("resource_type") == "user" for e in errors):
        detail = "; ".join(str(e.get("detail") or e.get("title") or "") for e in errors)
        return AccountSuspended(ACCOUNT_GONE, detail=detail)
    return classify(200, body)


def _pages(call: Callable[..., dict], max_pages: int, **params) -> Iterator[dict]:
    token = None
    for _page in range(max_pages):
        body = _call_again_on_5xx(call, **params, pagination_token=token) if token else _call_again_on_5xx(
            call, **params)
        if not isinstance(body, dict):
            raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=X, detail=type(body).__name__)
        if "data" not in body and "meta" not in body and body.get("errors"):
            raise _errors_only(body)
        yield body
        token = (body.get("meta") or {}).get("next_token")
        if not token:
            return


@dataclass(frozen=True)
class ComplianceJob:
    """An X batch compliance job as X reports it (POST/GET /2/compliance/jobs)."""
    job_id: str
    status: str  # created, in_progress, complete, failed, expired
    upload_url: str = ""
    upload_expires_at: datetime | None = None
    download_url: str = ""
    download_expires_at: datetime | None = None
    error: str = ""


def _compliance_job(body: object) -> ComplianceJob:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not data.get("id") or not data.get("status"):
        raise PermanentError(NO_JOB_ID, code=Code.MALFORMED)

    def when(key: str) -> datetime | None:
        return _parse_time(data.get(key), None)  # type: ignore[arg-type]

    return ComplianceJob(job_id=str(data["id"]), status=str(data["status"]),
                         upload_url=str(data.get("upload_url") or ""), upload_expires_at=when("upload_expires_at"),
                         download_url=str(data.get("download_url") or ""),
                         download_expires_at=when("download_expires_at"), error=str(data.get("error") or ""))


# A compliance result line's reason (action "delete"): the post is gone, or no longer public (its
# author protected, suspended or deactivated): kept for staff but off the public surfaces.
COMPLIANCE_DELETED = {"deleted"}
COMPLIANCE_NOT_PUBLIC = {"protected", "suspended", "deactivated"}


def compliance_result(lines: str, uploaded: list[str]) -> SyncResult:
    """The downloaded result (one JSON object a line: id, action, reason, created_at, redacted_at)
    for the uploaded ids. Only ids needing action are listed: the rest are unchanged. An action this
    code does not know (scrub_geo: SMC stores no location) changes nothing; a broken line is skipped."""
    wanted = {str(i) for i in uploaded}
    deleted: set[str] = set()
    not_public: set[str] = set()
    for line in lines.splitlines():
        try:
            event = json.loads(line) if line.strip() else None
        except ValueError:
            continue
        if not isinstance(event, dict) or str(event.get("id")) not in wanted or event.get("action") != "delete":
            continue
        reason = str(event.get("reason") or "")
        if reason in COMPLIANCE_DELETED:
            deleted.add(str(event["id"]))
        elif reason in COMPLIANCE_NOT_PUBLIC:
            not_public.add(str(event["id"]))
    not_public -= deleted
    return SyncResult(deleted=sorted(deleted), withheld=sorted(not_public),
                      unchanged=sorted(wanted - deleted - not_public))


def _storage_call(client: tweepy.Client, method: str, url: str, **kwargs) -> requests.Response:
    """A call to the job's signed storage URL (no X token: the URL carries its own signature, which
    is never quoted in an error)."""
    where = url.split("?", 1)[0]
    try:
        response = client.session.request(method, url, **kwargs)
    except requests.RequestException:
        raise TransientError(STORAGE_CONNECTION, code=Code.CONNECTION, where=where) from None
    if response.status_code >= 500:
        raise TransientError(STORAGE_ERROR, code=Code.SERVER_ERROR, status=response.status_code, where=where)
    if response.status_code >= 400:
        # An expired or refused signed URL: this job cannot go on, a new one is made.
        raise PermanentError(STORAGE_REFUSED, status=response.status_code, where=where)
    return response


class XConnector:
    platform = "x"
    # sync(): public posts up to 30 days old, GET /2/tweets takes 100 ids a call.
    sync_window = timedelta(days=30)
    sync_batch = LOOKUP_IDS

    def __init__(self, client_factory: Callable[[dict], tweepy.Client] = reused_client,
                 clock: Callable[[], datetime] = _utcnow):
        self._client_factory = client_factory
        self._clock = clock

    def _errors(self, account):
        """translate_errors with the account's app token at hand for the usage cap's reset day."""
        bearer = (account.credentials or {}).get("bearer_token")
        return translate_errors(self._client_factory({"bearer_token": bearer}) if bearer else None, self._clock)

    def _client(self, account) -> tuple[tweepy.Client, bool]:
        credentials = account.credentials or {}
        if not (credentials.get("bearer_token") or _uses_user_context(credentials)):
            raise AuthExpired(base.NO_CREDENTIALS, code=Code.NO_CREDENTIALS, platform=X)
        # Reads use the bearer token when there is one; otherwise the OAuth 1.0a user context.
        return self._client_factory(credentials), not credentials.get("bearer_token")

    # fetch() takes on_page: each page's texts as soon as it is parsed (ingest starts analysing them).
    reports_pages = True

    def fetch(self, account, cursor: str, on_page: Callable[[list[str]], None] | None = None) -> Batch:
        if not account.platform_user_id:
            raise PermanentError(base.NO_PLATFORM_USER_ID, code=Code.NO_PLATFORM_USER_ID, platform=X)
        client, user_auth = self._client(account)
        fetched_at = datetime.now(UTC)
        cursor, dm_cursor = split_cursor(cursor)
        items: dict[str, InboundItem] = {}
        newest = cursor or ""
        skipped: dict[str, int] = {}
        with self._errors(account):
            pages = _pages(
                partial(client.get_users_mentions, account.platform_user_id, user_auth=user_auth),
                MAX_PAGES,
                since_id=cursor or None,
                expansions=["author_id"],
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
                max_results=100,
            )
            for body in pages:
                users = {str(u["id"]): u for u in (body.get("includes") or {}).get("users") or []}
                page = []
                for tweet in body.get("data") or []:
                    if not isinstance(tweet, dict) or not tweet.get("id"):
                        skipped[MISSING_ID_REASON] = skipped.get(MISSING_ID_REASON, 0) + 1
                        continue
                    item = tweet_to_item(tweet, users, fetched_at)
                    newest = _newest(newest, item.external_id)
                    # Our own thread parts reply to us, so they show up as mentions: not messages.
                    if item.author_id != str(account.platform_user_id):
                        items[item.external_id] = item
                        page.append(item.text)
                if on_page is not None and page:
                    on_page(page)
        dms, dm_cursor = self._direct_messages(account, dm_cursor, fetched_at, skipped)
        ordered = sorted(items.values(), key=lambda item: int(item.external_id)) + dms
        return Batch(items=ordered, next_cursor=join_cursor(newest, dm_cursor), skipped=skipped)

    def _direct_messages(self, account, since: str, fetched_at: datetime,
                         skipped: dict[str, int]) -> tuple[list[InboundItem], str]:
        """Direct messages to the account since `since` (GET /2/dm_events, newest first, paged until
        the last seen event): private items. Read only with a user-context token granted dm.read
        (credentials `dm_user_token`, OAuth 2.0 user context)."""
        token = (account.credentials or {}).get("dm_user_token")
        if not token:
            return [], since
        client = self._client_factory({"bearer_token": token})
        own_id = str(account.platform_user_id)
        newest, found = since, []
        with self._errors(account):
            pages = _pages(partial(client.get_direct_message_events, user_auth=False), MAX_PAGES,
                           event_types="MessageCreate", expansions=["sender_id"],
                           dm_event_fields=DM_EVENT_FIELDS, user_fields=USER_FIELDS, max_results=100)
            for body in pages:
                users = {str(u["id"]): u for u in (body.get("includes") or {}).get("users") or []}
                reached = False
                for event in body.get("data") or []:
                    if not isinstance(event, dict) or not event.get("id"):
                        skipped[MISSING_ID_REASON] = skipped.get(MISSING_ID_REASON, 0) + 1
                        continue
                    event_id = str(event["id"])
                    if since and int(event_id) <= int(since):
                        reached = True
                        break
                    newest = _newest(newest, event_id)
                    sender = str(event.get("sender_id") or "")
                    if sender == own_id:
                        continue  # our own answers in the conversation
                    if not sender:
                        # Without its sender a message cannot be answered: counted, not stored.
                        skipped[MISSING_SENDER_REASON] = skipped.get(MISSING_SENDER_REASON, 0) + 1
                        continue
                    author = users.get(sender, {})
                    found.append(InboundItem(
                        platform="x", external_id=dm_external_id(sender, event_id),
                        text=html.unescape(event.get("text") or ""),
                        posted_at=_parse_time(event.get("created_at"), fetched_at), author_id=sender,
                        author_handle=author.get("username", ""), author_name=author.get("name", ""),
                        url="", conversation_id=str(event.get("dm_conversation_id") or ""), parent_id="",
                        kind="direct", raw=event,
                    ))
                if reached:
                    break
        return sorted(found, key=lambda item: int(item.raw["id"])), newest

    def sync(self, account, external_ids: list[str]) -> SyncResult:
        """Look the stored posts up again (GET /2/tweets?ids=, 100 a call): deleted ones come back as
        resource-not-found errors, edited ones name a newer version in edit_history_tweet_ids (whose
        text is read in a second lookup), withheld ones carry KR in withheld.country_codes."""
        client, user_auth = self._client(account)
        result = SyncResult()
        latest: dict[str, str] = {}  # stored id -> id of its newest version
        with self._errors(account):
            for start in range(0, len(external_ids), LOOKUP_IDS):
                chunk = [str(i) for i in external_ids[start:start + LOOKUP_IDS]]
                body = _call_again_on_5xx(client.get_tweets, ids=chunk, tweet_fields=TWEET_FIELDS,
                                          user_auth=user_auth)
                found = {str(t["id"]): t for t in (body.get("data") or []) if isinstance(t, dict) and t.get("id")}
                problems = {str(e.get("resource_id") or e.get("value")): str(e.get("type") or "")
                            for e in body.get("errors") or []
                            if isinstance(e, dict) and e.get("resource_type", "tweet") == "tweet"}
                for tweet_id in chunk:
                    tweet = found.get(tweet_id)
                    if tweet is None:
                        problem = problems.get(tweet_id)
                        if problem == PROBLEM + "resource-not-found":
                            result.deleted.append(tweet_id)
                        elif problem:
                            # A protected or suspended author's post: not public any more, text kept.
                            result.withheld.append(tweet_id)
                        else:
                            result.unchanged.append(tweet_id)  # not said: never delete on a guess
                        continue
                    if is_withheld(tweet):
                        result.withheld.append(tweet_id)
                        continue
                    history = [str(i) for i in tweet.get("edit_history_tweet_ids") or []]
                    if history and history[-1] != tweet_id:
                        latest[tweet_id] = history[-1]
                    else:
                        result.unchanged.append(tweet_id)
            newest_ids = list(latest.values())
            newest: dict[str, dict] = {}
            for start in range(0, len(newest_ids), LOOKUP_IDS):
                body = _call_again_on_5xx(client.get_tweets, ids=newest_ids[start:start + LOOKUP_IDS],
                                          tweet_fields=TWEET_FIELDS, user_auth=user_auth)
                newest.update({str(t["id"]): t for t in body.get("data") or [] if isinstance(t, dict) and t.get("id")})
            for tweet_id, newest_id in latest.items():
                tweet = newest.get(newest_id)
                if tweet is None:
                    result.unchanged.append(tweet_id)  # the newer version not readable: keep what we have
                elif is_withheld(tweet):
                    result.withheld.append(tweet_id)
                else:
                    result.edited[tweet_id] = _text_of(tweet)
        return result

    # Batch compliance (posts older than the lookup's 30 days): app-only bearer token.
    def _app_client(self, account) -> tweepy.Client:
        bearer = (account.credentials or {}).get("bearer_token")
        if not bearer:
            raise PermissionMissing("bearer_token", NO_APP_TOKEN)
        return self._client_factory({"bearer_token": bearer})

    def create_compliance_job(self, account, name: str) -> ComplianceJob:
        """POST /2/compliance/jobs (type tweets): the job and its signed upload/download URLs."""
        client = self._app_client(account)
        with self._errors(account):
            return _compliance_job(client.create_compliance_job("tweets", name=name[:64]))

    def upload_compliance_ids(self, account, upload_url: str, external_ids: list[str]) -> None:
        """PUT the ids, one a line, to the job's upload URL (signed for content-type text/plain)."""
        body = "\n".join(str(i) for i in external_ids).encode("ascii")
        _storage_call(self._app_client(account), "PUT", upload_url, data=body,
                      headers={"Content-Type": "text/plain"})

    def compliance_job(self, account, job_id: str) -> ComplianceJob:
        """GET /2/compliance/jobs/:id."""
        client = self._app_client(account)
        with self._errors(account):
            return _compliance_job(client.get_compliance_job(job_id))

    def compliance_results(self, account, download_url: str, external_ids: list[str]) -> SyncResult:
        """Download a complete job's result and say what became of the uploaded ids."""
        response = _storage_call(self._app_client(account), "GET", download_url)
        return compliance_result(response.content.decode("utf-8", "replace"), external_ids)

    def _create(self, account, client: tweepy.Client, text: str, reply_to: str | None) -> str:
        if not x_fits(text):
            raise PermanentError(PART_TOO_LONG, code=Code.TOO_LONG)
        with self._errors(account):
            body = client.create_tweet(
                text=text, in_reply_to_tweet_id=reply_to, user_auth=_uses_user_context(account.credentials or {})
            )
            return str(body["data"]["id"])

    def _thread(self, account, text: str, reply_to: str | None) -> str:
        parts = split_reply("x", text)
        if not parts:
            raise PermanentError(base.EMPTY_REPLY, code=Code.EMPTY_TEXT)
        client, _user_auth = self._client(account)
        first = previous = self._create(account, client, parts[0], reply_to)
        for part in parts[1:]:
            # Each later part answers the previous one, so the thread reads in order.
            previous = self._create(account, client, part, previous)
        return first

    def reply(self, account, to_external_id: str, text: str, private: bool = False) -> str:
        if private:
            return self._send_dm(account, str(to_external_id), text)
        return self._thread(account, text, str(to_external_id))

    def _find_dm(self, account, to_external_id: str, text: str) -> str | None:
        """Our direct message with this text in the conversation with the sender, if we sent it
        (GET /2/dm_conversations/with/{id}/dm_events, newest first)."""
        token = (account.credentials or {}).get("dm_user_token")
        if not token:
            raise CannotLook(NO_DM_READ_TOKEN)
        client = self._client_factory({"bearer_token": token})
        own_id = str(account.platform_user_id)
        wanted = _SPACES.sub(" ", text[:DM_MAX_CHARS]).strip()
        with self._errors(account):
            body = client.get_direct_message_events(participant_id=dm_sender(to_external_id), user_auth=False,
                                                    event_types="MessageCreate", dm_event_fields=DM_EVENT_FIELDS,
                                                    max_results=100)
            for event in body.get("data") or []:
                sent = _SPACES.sub(" ", html.unescape(event.get("text") or "")).strip()
                if sent != wanted:
                    continue
                if not event.get("sender_id"):
                    # The same text, but who sent it is not said: "not found" could send it twice.
                    raise CannotLook(NO_DM_SENDER)
                if str(event.get("sender_id")) == own_id:
                    return dm_external_id(own_id, str(event["id"]))
        return None

    def _send_dm(self, account, to_external_id: str, text: str) -> str:
        """POST /2/dm_conversations/with/{participant}/messages, with the user-context token."""
        if not text.strip():
            raise PermanentError(base.EMPTY_MESSAGE, code=Code.EMPTY_TEXT)
        token = (account.credentials or {}).get("dm_user_token")
        if not token:
            raise PermissionMissing("dm.write", NO_DM_WRITE_TOKEN)
        client = self._client_factory({"bearer_token": token})
        with self._errors(account):
            body = client.create_direct_message(participant_id=dm_sender(to_external_id), text=text[:DM_MAX_CHARS],
                                                user_auth=False)
            event_id = str(body["data"]["dm_event_id"])
        return dm_external_id(str(account.platform_user_id), event_id)

    def post(self, account, text: str) -> str:
        return self._thread(account, text, None)

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        """The id of a reply we already posted to `to_external_id` with this text, if any."""
        if str(to_external_id).startswith("dm:"):
            return self._find_dm(account, str(to_external_id), text)
        parts = split_reply("x", text)
        if not parts:
            return None
        if not account.platform_user_id:
            raise CannotLook(NO_USER_ID_TO_LOOK)
        wanted = _comparable(parts[0])
        client, user_auth = self._client(account)
        with self._errors(account):
            pages = _pages(
                partial(client.get_users_tweets, account.platform_user_id, user_auth=user_auth),
                5,
                since_id=to_external_id,  # our reply is newer than the post it answers
                tweet_fields=["referenced_tweets", "in_reply_to_user_id", "created_at"],
                max_results=100,
            )
            for body in pages:
                for tweet in body.get("data") or []:
                    refs = tweet.get("referenced_tweets") or []
                    if not any(
                        r.get("type") == "replied_to" and str(r.get("id")) == str(to_external_id) for r in refs
                    ):
                        continue
                    if _comparable(tweet.get("text", "")).startswith(wanted):
                        return str(tweet["id"])
        return None

    def find_post(self, account, marker: str) -> str | None:
        """The id of our recent post or reply that carries `marker` (a broadcast's link or
        identifier), if any: checked before retrying a post whose outcome is unknown."""
        if not account.platform_user_id:
            raise CannotLook(NO_USER_ID_TO_LOOK)
        client, user_auth = self._client(account)
        with self._errors(account):
            pages = _pages(
                partial(client.get_users_tweets, account.platform_user_id, user_auth=user_auth),
                2,
                tweet_fields=["entities", "created_at", "referenced_tweets"],
                max_results=100,
            )
            for body in pages:
                for tweet in body.get("data") or []:
                    if _tweet_mentions(tweet, marker):
                        return str(tweet["id"])
        return None


def _tweet_mentions(tweet: dict, marker: str) -> bool:
    """Whether a post carries `marker` in its text or in a link (X shows links as t.co in `text`;
    the original address is in entities.urls)."""
    if marker in html.unescape(tweet.get("text") or ""):
        return True
    for url in ((tweet.get("entities") or {}).get("urls") or []):
        if any(marker in (url.get(key) or "") for key in ("expanded_url", "unwound_url", "display_url")):
            return True
    return False


def _comparable(text: str) -> str:
    """A prefix that survives X's rewriting: entities unescaped, links shortened, mentions added."""
    text = _LEADING_MENTIONS.sub("", html.unescape(text))
    text = text.split("http", 1)[0]
    return _SPACES.sub(" ", text).strip()[:40]

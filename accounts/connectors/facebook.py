"""Facebook Pages through python-facebook-api's GraphAPI: visitor posts and comments in, comments out.

Credentials: `page_access_token` (a page token of the city's page) and optionally `app_secret`
(adds appsecret_proof to every call). `account.platform_user_id` is the page id.
Also the two pure functions the webhook view needs: signature check and page ids of a delivery.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlparse

import requests
from pyfacebook import FacebookError, GraphAPI, LibraryError

from .base import AuthExpired, Batch, InboundItem, PermanentError, RateLimited, TransientError
from .text import split_reply

GRAPH_VERSION = "v24.0"
TIMEOUT = (5, 30)  # connect, read (seconds)
ITEM_FIELDS = "id,message,from,created_time,permalink_url"
COMMENT_FIELDS = ITEM_FIELDS + ",parent{id}"
# Comments on posts older than this are no longer looked for (and the first poll starts here).
LOOKBACK = timedelta(days=7)
MAX_PAGES = 50
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
AUTH_CODES = {102, 190}
RATE_LIMIT_CODES = {4, 17, 32, 613}
TRANSIENT_CODES = {1, 2}  # "unknown error" and "service temporarily unavailable"
_SPACES = re.compile(r"\s+")


class _LastResponse:
    """Keeps the last HTTP response so errors can be judged by status and headers too."""

    def __init__(self):
        self.response: requests.Response | None = None

    def __call__(self, response, *args, **kwargs):
        self.response = response
        if response.status_code >= 500:
            raise TransientError(f"페이스북 서버 오류 (server error {response.status_code})")
        return response


def make_api(credentials: dict) -> tuple[GraphAPI, _LastResponse]:
    token = credentials.get("page_access_token")
    if not token:
        raise AuthExpired("페이스북 페이지 토큰이 없습니다 (no page access token)")
    api = GraphAPI(
        access_token=token,
        app_secret=credentials.get("app_secret") or None,
        version=GRAPH_VERSION,
        sleep_on_rate_limit=False,  # never sleep in a worker: RateLimited reschedules the poll
        timeout=TIMEOUT,
    )
    last = _LastResponse()
    api.session.hooks["response"].append(last)
    return api, last


def _reset_at(response: requests.Response | None) -> datetime:
    """When a throttled page may call again, from X-Business-Use-Case-Usage (minutes)."""
    minutes = 0
    if response is not None:
        try:
            usage = json.loads(response.headers.get("x-business-use-case-usage") or "{}")
            for entries in usage.values():
                for entry in entries:
                    minutes = max(minutes, int(entry.get("estimated_time_to_regain_access") or 0))
        except (ValueError, TypeError, AttributeError):
            minutes = 0
    wait = timedelta(minutes=minutes) if minutes else DEFAULT_RATE_LIMIT_WAIT
    return datetime.now(UTC) + wait


@contextmanager
def translate_errors(last: _LastResponse) -> Iterator[None]:
    try:
        yield
    except FacebookError as exc:
        code = getattr(exc, "code", None)
        status = last.response.status_code if last.response is not None else None
        if code in AUTH_CODES or status == 401:
            raise AuthExpired(f"페이스북 토큰 만료 또는 취소 (token expired/revoked): {exc.message}") from exc
        if code in RATE_LIMIT_CODES:
            message = f"페이스북 요청 한도 초과 (rate limited): {exc.message}"
            raise RateLimited(_reset_at(last.response), message) from exc
        if code in TRANSIENT_CODES or getattr(exc, "is_transient", False):
            raise TransientError(f"페이스북 일시 오류 (transient): {exc.message}") from exc
        raise PermanentError(f"페이스북 요청 거부 (code {code}): {exc.message}") from exc
    except requests.JSONDecodeError as exc:
        raise PermanentError(f"페이스북 응답 형식 오류 (malformed JSON): {exc}") from exc
    except requests.RequestException as exc:
        # Not chained: the requests error quotes the URL, whose query carries the page token, and a
        # chained cause would print it in the worker's traceback. The redacted text says enough.
        raise TransientError(f"페이스북 연결 오류 (connection error): {exc}") from None
    except LibraryError as exc:
        if last.response is not None and last.response.status_code == 401:
            raise AuthExpired(f"페이스북 인증 실패 (unauthorized): {exc.message}") from exc
        raise PermanentError(f"페이스북 응답 형식 오류 (unexpected response): {exc.message}") from exc
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise PermanentError(f"페이스북 응답 형식 오류 (unexpected payload): {exc!r}") from exc


def _pages(api: GraphAPI, object_id: str, connection: str, **params) -> Iterator[dict]:
    """Every page of an edge, following paging.next (its query carries the cursors)."""
    for _ in range(MAX_PAGES):
        body = api.get_connection(object_id=object_id, connection=connection, **params)
        if not isinstance(body.get("data"), list):
            raise PermanentError("페이스북 응답에 data 목록이 없습니다 (no data list)")
        yield body
        next_url = (body.get("paging") or {}).get("next")
        if not next_url:
            return
        params = dict(parse_qsl(urlparse(next_url).query))
        params.pop("access_token", None)  # re-added (with appsecret_proof) by the client
        params.pop("appsecret_proof", None)


def _parse_time(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return default


def _item(obj: dict, kind: str, conversation_id: str, parent_id: str, fetched_at: datetime) -> InboundItem:
    author = obj.get("from") or {}
    object_id = str(obj["id"])
    return InboundItem(
        platform="facebook",
        external_id=object_id,
        text=obj.get("message") or "",
        posted_at=_parse_time(obj.get("created_time"), fetched_at),
        author_id=str(author.get("id") or ""),
        author_handle="",
        author_name=author.get("name") or "",
        url=obj.get("permalink_url") or f"https://www.facebook.com/{object_id}",
        conversation_id=conversation_id,
        parent_id=parent_id,
        kind=kind,
        raw=obj,
    )


def _comparable(text: str) -> str:
    return _SPACES.sub(" ", text).strip()[:60]


class FacebookConnector:
    platform = "facebook"

    def __init__(self, api_factory=make_api):
        self._api_factory = api_factory

    def _api(self, account) -> tuple[GraphAPI, _LastResponse]:
        if not account.platform_user_id:
            raise PermanentError("페이스북 페이지 ID가 없습니다 (platform_user_id is empty)")
        return self._api_factory(account.credentials or {})

    def fetch(self, account, cursor: str) -> Batch:
        api, last = self._api(account)
        page_id = str(account.platform_user_id)
        fetched_at = datetime.now(UTC)
        seen_until = _parse_time(cursor, None) if cursor else None
        # Posts of the last LOOKBACK can still receive comments, so they are read again.
        window_start = (seen_until or fetched_at) - LOOKBACK
        items: dict[str, InboundItem] = {}

        def is_new(obj: dict) -> bool:
            # Items of the cursor's own second come again; ingest dedupes them.
            posted = _parse_time(obj.get("created_time"), fetched_at)
            return seen_until is None or posted >= seen_until

        with translate_errors(last):
            posts = [
                post
                for body in _pages(api, page_id, "feed", fields=ITEM_FIELDS, since=int(window_start.timestamp()),
                                   limit=100)
                for post in body["data"]
            ]
            for post in posts:
                post_id = str(post["id"])
                if str((post.get("from") or {}).get("id")) != page_id and is_new(post):
                    items[post_id] = _item(post, "visitor_post", post_id, "", fetched_at)
                # Newest first, so paging stops at the first page that reaches what was seen.
                for body in _pages(api, post_id, "comments", fields=COMMENT_FIELDS, filter="stream",
                                   order="reverse_chronological", limit=100):
                    reached_seen = False
                    for comment in body["data"]:
                        if not is_new(comment):
                            reached_seen = True
                            continue
                        if str((comment.get("from") or {}).get("id")) == page_id:
                            continue  # the page's own replies are answers, not messages
                        parent = str((comment.get("parent") or {}).get("id") or post_id)
                        items[str(comment["id"])] = _item(comment, "comment", post_id, parent, fetched_at)
                    if reached_seen:
                        break
        ordered = sorted(items.values(), key=lambda item: (item.posted_at, item.external_id))
        newest = max((item.posted_at for item in ordered), default=None)
        next_cursor = newest.astimezone(UTC).isoformat() if newest else cursor
        return Batch(items=ordered, next_cursor=next_cursor)

    def _publish(self, account, object_id: str, connection: str, text: str) -> str:
        parts = split_reply("facebook", text)
        if not parts:
            raise PermanentError("빈 답변은 게시할 수 없습니다 (empty text)")
        api, last = self._api(account)
        ids = []
        with translate_errors(last):
            for part in parts:
                body = api.post_object(object_id=object_id, connection=connection, data={"message": part})
                ids.append(str(body["id"]))
        return ids[0]

    def reply(self, account, to_external_id: str, text: str) -> str:
        return self._publish(account, str(to_external_id), "comments", text)

    def post(self, account, text: str) -> str:
        return self._publish(account, str(account.platform_user_id), "feed", text)

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        parts = split_reply("facebook", text)
        if not parts:
            return None
        wanted = _comparable(parts[0])
        api, last = self._api(account)
        page_id = str(account.platform_user_id)
        with translate_errors(last):
            for body in _pages(api, str(to_external_id), "comments", fields="id,message,from,created_time",
                               filter="stream", order="reverse_chronological", limit=100):
                for comment in body["data"]:
                    if str((comment.get("from") or {}).get("id")) != page_id:
                        continue
                    if _comparable(comment.get("message") or "").startswith(wanted):
                        return str(comment["id"])
        return None

    def find_post(self, account, marker: str) -> str | None:
        """The id of the page's recent feed post that carries `marker` (a broadcast's link or
        identifier), if any: checked before retrying a post whose outcome is unknown."""
        api, last = self._api(account)
        page_id = str(account.platform_user_id)
        with translate_errors(last):
            body = api.get_connection(object_id=page_id, connection="feed", fields="id,message,from,created_time",
                                      limit=50)
            if not isinstance(body.get("data"), list):
                raise PermanentError("페이스북 응답에 data 목록이 없습니다 (no data list)")
            for post in body["data"]:
                if str((post.get("from") or {}).get("id") or page_id) != page_id:
                    continue
                if marker in (post.get("message") or ""):
                    return str(post["id"])
        return None


def verify_signature(raw_body: bytes, header_value: str | None, app_secret: str) -> bool:
    """Check X-Hub-Signature-256 ("sha256=<hex>") of a webhook delivery, in constant time."""
    if not header_value or not app_secret or not header_value.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    provided = header_value[len("sha256="):].strip().lower()
    return hmac.compare_digest(expected.encode("ascii"), provided.encode("utf-8", "replace"))


def page_ids_from_webhook(payload: dict) -> list[str]:
    """The page ids a webhook delivery concerns (object "page"); ValueError when malformed."""
    if not isinstance(payload, dict):
        raise ValueError("webhook payload is not an object")
    if payload.get("object") != "page":
        if "object" not in payload:
            raise ValueError("webhook payload has no object")
        return []
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise ValueError("webhook payload has no entry list")
    ids: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str | int) or entry.get("id") == "":
            raise ValueError("webhook entry without a page id")
        page_id = str(entry["id"])
        if page_id not in ids:
            ids.append(page_id)
    return ids

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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlparse

import requests
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pyfacebook import FacebookError, GraphAPI, LibraryError

import accounts.connectors.base as base

from .base import (
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
)
from .text import split_reply

# What the Graph API refused, with its code and its own words (diagnostics); Instagram shares them.
GRAPH_RATE_LIMITED = _("%(platform)s 요청 한도 초과, 오류 코드 %(graph_code)s: %(detail)s")
GRAPH_TRANSIENT = _("%(platform)s 일시 오류, 오류 코드 %(graph_code)s: %(detail)s")
GRAPH_AUTH = _("%(platform)s 토큰 만료 또는 취소, 오류 코드 %(graph_code)s: %(detail)s")
GRAPH_PERMISSION = _("권한 부족: %(permission)s, 오류 코드 %(graph_code)s: %(detail)s")
GRAPH_APP = _("%(platform)s 앱 문제, 오류 코드 %(graph_code)s: %(detail)s")
GRAPH_CONTENT = _("%(platform)s 항목 없음 또는 거부, 오류 코드 %(graph_code)s: %(detail)s")
GRAPH_REFUSED = _("%(platform)s 요청 거부, 오류 코드 %(graph_code)s: %(detail)s")
UNAUTHORIZED = _("%(platform)s 인증 실패: %(detail)s")
NO_PAGE_TOKEN = _("페이스북 페이지 토큰이 없습니다.")
NO_DATA_LIST = _("페이스북 응답에 data 목록이 없습니다.")
NO_SENDER = _("답할 메시지의 보낸 사람을 알 수 없습니다.")
MESSENGER_CANNOT_LOOK = _("메신저 대화는 검색할 수 없습니다. 담당자가 대화를 확인하세요.")

GRAPH_VERSION = "v24.0"
TIMEOUT = (5, 30)  # connect, read (seconds)
ITEM_FIELDS = "id,message,from,created_time,permalink_url"
COMMENT_FIELDS = ITEM_FIELDS + ",parent{id}"
# Comments on posts older than this are no longer looked for (and the first poll starts here).
LOOKBACK = timedelta(days=7)
MAX_PAGES = 50
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
_PERMISSION = re.compile(
    r"\b((?:pages|instagram|business|read|publish|manage|user)_[a-z_]+|MODERATE|CREATE_CONTENT|MANAGE|MESSAGING)\b")

# Graph API error codes (developers.facebook.com/docs/graph-api/guides/error-handling, .../overview/
# rate-limiting), each with what it means for SMC. Codes absent here are permanent errors.
RATE_LIMIT, TEMPORARY, AUTH, PERMISSION, APP, CONTENT = (
    "rate_limit", "temporary", "auth", "permission", "app", "content")
ERROR_CODES: dict[int, str] = {
    1: TEMPORARY,      # API Unknown: "possibly a temporary issue due to downtime"
    2: TEMPORARY,      # API Service: temporary issue due to downtime
    3: APP,            # API Method: the app lacks the capability
    4: RATE_LIMIT,     # Application request limit reached (X-App-Usage)
    10: PERMISSION,    # Permission denied (a page task such as MODERATE, or a permission)
    17: RATE_LIMIT,    # User request limit reached
    32: RATE_LIMIT,    # Page request limit reached (X-Page-Usage)
    100: CONTENT,      # Invalid parameter: with subcode 33 the object is gone or unreadable
    102: AUTH,         # API Session
    190: AUTH,         # Access token has expired or been revoked
    200: PERMISSION,   # Permissions error (200-299)
    341: RATE_LIMIT,   # Application limit reached
    368: RATE_LIMIT,   # Temporarily blocked for policies violations: wait and retry later
    506: CONTENT,      # Duplicate post
    613: RATE_LIMIT,   # Calls within one hour exceeded
    1609005: CONTENT,  # Error posting link
    **{code: RATE_LIMIT for code in range(80000, 80015)},  # Business Use Case limits, (#80001) Pages
    **{code: PERMISSION for code in range(201, 300)},
}
APP_SUBCODES = {2069032}  # token of an app that is restricted / in development mode
MISSING_ID_REASON = "권한 부족: MODERATE"  # Graph omits a comment's id without the page's MODERATE task
POLICY_BLOCK_WAIT = timedelta(hours=24)  # code 368 names no time; Meta says "later"
_SPACES = re.compile(r"\s+")


class _LastResponse:
    """Keeps the last HTTP response so errors can be judged by status and headers too."""

    def __init__(self):
        self.response: requests.Response | None = None

    def __call__(self, response, *args, **kwargs):
        self.response = response
        if response.status_code >= 500:
            raise TransientError(base.SERVER_ERROR, code=Code.SERVER_ERROR, platform=base.FACEBOOK,
                                 status=response.status_code)
        return response


def make_api(credentials: dict) -> tuple[GraphAPI, _LastResponse]:
    token = credentials.get("page_access_token")
    if not token:
        raise AuthExpired(NO_PAGE_TOKEN, code=Code.NO_CREDENTIALS)
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


def _usage_minutes(response: requests.Response | None) -> int:
    """The longest estimated_time_to_regain_access (minutes) in the usage headers: X-Business-Use-
    Case-Usage ({id: [{..., estimated_time_to_regain_access}]}), X-Page-Usage and X-App-Usage
    ({call_count, ..., estimated_time_to_regain_access})."""
    if response is None:
        return 0
    minutes = 0
    for header in ("x-business-use-case-usage", "x-page-usage", "x-app-usage", "x-ad-account-usage"):
        try:
            usage = json.loads(response.headers.get(header) or "{}")
        except ValueError:
            continue
        entries: list = []
        if isinstance(usage, dict) and "estimated_time_to_regain_access" in usage:
            entries = [usage]
        elif isinstance(usage, dict):
            entries = [e for value in usage.values() if isinstance(value, list) for e in value]
        for entry in entries:
            try:
                minutes = max(minutes, int(entry.get("estimated_time_to_regain_access") or 0))
            except (TypeError, ValueError, AttributeError):
                continue
    return minutes


def _reset_at(response: requests.Response | None, default: timedelta = DEFAULT_RATE_LIMIT_WAIT) -> datetime:
    """When a throttled page may call again, from the usage headers (minutes), else `default`."""
    minutes = _usage_minutes(response)
    return datetime.now(UTC) + (timedelta(minutes=minutes) if minutes else default)


def classify(code: int | None, subcode: int | None, message: str,
             response: requests.Response | None = None, label: str | Promise = base.FACEBOOK) -> ConnectorError:
    """The connector error for a Graph API error envelope (ERROR_CODES); `label` names the platform
    in the message (Instagram's Graph API shares the table)."""
    kind = ERROR_CODES.get(code) if code is not None else None
    said = {"platform": label, "graph_code": code, "detail": message}  # the platform's own words
    if subcode in APP_SUBCODES:
        kind = APP
    if kind is None and response is not None and response.status_code == 401:
        kind = AUTH
    if kind == RATE_LIMIT:
        wait = POLICY_BLOCK_WAIT if code == 368 else DEFAULT_RATE_LIMIT_WAIT
        return RateLimited(_reset_at(response, wait), GRAPH_RATE_LIMITED, **said)
    if kind == TEMPORARY:
        return TransientError(GRAPH_TRANSIENT, **said)
    if kind == AUTH:
        return AuthExpired(GRAPH_AUTH, **said)
    if kind == PERMISSION:
        found = _PERMISSION.search(message or "")
        name = found.group(1) if found else f"code {code}"
        return PermissionMissing(name, GRAPH_PERMISSION, **said)
    if kind == APP:
        return AppProblem(GRAPH_APP, **said)
    if kind == CONTENT and (code != 100 or subcode == 33):
        return ContentProblem(GRAPH_CONTENT, **said)
    return PermanentError(GRAPH_REFUSED, **said)


@contextmanager
def translate_errors(last: _LastResponse, label: str | Promise = base.FACEBOOK) -> Iterator[None]:
    try:
        yield
    except FacebookError as exc:
        raise classify(getattr(exc, "code", None), getattr(exc, "error_subcode", None), exc.message or "",
                       last.response, label) from exc
    except requests.JSONDecodeError as exc:
        raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=label, detail=exc) from exc
    except requests.RequestException as exc:
        # Not chained: the requests error quotes the URL, whose query carries the page token, and a
        # chained cause would print it in the worker's traceback. The redacted text says enough.
        raise TransientError(base.CONNECTION_ERROR, code=Code.CONNECTION, platform=label, detail=exc) from None
    except LibraryError as exc:
        if last.response is not None and last.response.status_code == 401:
            raise AuthExpired(UNAUTHORIZED, platform=label, detail=exc.message) from exc
        raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=label, detail=exc.message) from exc
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=label, detail=repr(exc)) from exc


def _pages(api: GraphAPI, object_id: str, connection: str, **params) -> Iterator[dict]:
    """Every page of an edge, following paging.next (its query carries the cursors)."""
    for _page in range(MAX_PAGES):
        body = api.get_connection(object_id=object_id, connection=connection, **params)
        if not isinstance(body.get("data"), list):
            raise PermanentError(NO_DATA_LIST, code=Code.MALFORMED)
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


ATTACHMENT_TEXT = "[첨부 파일]"
MESSENGER_FIELDS = "updated_time,messages.limit(25){id,message,from,created_time}"


def _messenger_catch_up(api: GraphAPI, page_id: str, since: datetime, fetched_at: datetime,
                        skip) -> Iterator[InboundItem]:
    """Messenger messages the webhook may have missed (/{page-id}/conversations, recently updated
    first; needs pages_messaging, so only for accounts whose credentials say read_messenger)."""
    body = api.get_connection(object_id=page_id, connection="conversations", platform="messenger",
                              fields=MESSENGER_FIELDS, limit=25)
    for conversation in body.get("data") or []:
        if _parse_time(conversation.get("updated_time"), fetched_at) < since:
            break
        for message in ((conversation.get("messages") or {}).get("data") or []):
            author = message.get("from") or {}
            if str(author.get("id")) == page_id:
                continue  # the page's own answers
            if not message.get("id"):
                skip(MISSING_ID_REASON)
                continue
            posted = _parse_time(message.get("created_time"), fetched_at)
            if posted < since:
                continue
            yield InboundItem(
                # A message of only a photo, sticker or file comes with an empty `message`.
                platform="facebook", external_id=str(message["id"]), text=message.get("message") or ATTACHMENT_TEXT,
                posted_at=posted, author_id=str(author.get("id") or ""), author_name=author.get("name") or "",
                conversation_id=str(author.get("id") or conversation.get("id") or ""), kind="direct", raw=message,
            )


MESSENGER_ID_PREFIXES = ("m_", "mid.")  # Messenger message ids; posts and comments are numeric
REPLY_WINDOW_CLOSED = _("답변 가능 기간이 지났습니다: 메신저의 답장 가능 기간이 지났습니다.")
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)


class ReplyWindowClosed(base.ReplyWindowClosed):
    """The Send API would refuse the answer: the person's last message is older than the window.
    Raised before anything is sent; `code` is the one the staff screen refuses with."""

    def __init__(self, message: str | Promise = REPLY_WINDOW_CLOSED):
        super().__init__(message)


def messenger_reply_terms(last_asked_at: datetime, now: datetime, human_agent: bool) -> dict | None:
    """How a Messenger conversation may still be answered, counted from the person's LAST message in
    it (each message the person sends opens a new window): a RESPONSE strictly within 24 hours, the
    HUMAN_AGENT tag strictly within 7 days when the app has that permission (credentials
    human_agent), else None. The staff screen (before anyone writes) and the send both ask this."""
    waited = now - last_asked_at
    if waited < STANDARD_WINDOW:
        return {"messaging_type": "RESPONSE"}
    if human_agent and waited < HUMAN_AGENT_WINDOW:
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    return None


def _last_message_from(api: GraphAPI, page_id: str, person: str, default: datetime) -> datetime:
    """When the person last wrote to the page (/{page-id}/conversations?user_id=PSID, the newest
    messages first); `default` (the message being answered) when the conversation shows none later."""
    body = api.get_connection(object_id=page_id, connection="conversations", platform="messenger",
                              user_id=person, fields="messages.limit(25){id,from,created_time}")
    last = default
    for conversation in body.get("data") or []:
        for message in ((conversation.get("messages") or {}).get("data") or []):
            if str((message.get("from") or {}).get("id") or "") == person:
                last = max(last, _parse_time(message.get("created_time"), default))
    return last


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _own_post_ids(api: GraphAPI, page_id: str, posts: list[dict], since: datetime) -> set[str]:
    """The ids of the page's own posts among `posts`: those whose `from` is the page and, when a post
    comes without `from` (Graph leaves it out without the permission to read the author), those the
    page's own /posts edge lists. A missing `from` never makes the city's own post a citizen's."""
    own = {str(p.get("id")) for p in posts if str((p.get("from") or {}).get("id")) == page_id}
    if any(p.get("id") and not p.get("from") for p in posts):
        for body in _pages(api, page_id, "posts", fields="id", since=int(since.timestamp()), limit=100):
            own.update(str(p.get("id")) for p in body["data"] if isinstance(p, dict) and p.get("id"))
    return own


def _comparable(text: str) -> str:
    return _SPACES.sub(" ", text).strip()[:60]


class FacebookConnector:
    platform = "facebook"
    # sync(): the recent items (comments are rarely deleted later), one Graph call each, 20 a cycle
    # (~2,000 calls a day at a 15-minute cycle, well within a page's Business Use Case budget).
    sync_window = LOOKBACK
    sync_batch = 20

    def __init__(self, api_factory=make_api, clock=_utcnow):
        self._api_factory = api_factory
        self._clock = clock  # the reply window is counted on it (tests pass a fixed one)

    def _api(self, account) -> tuple[GraphAPI, _LastResponse]:
        if not account.platform_user_id:
            raise PermanentError(base.NO_PLATFORM_USER_ID, code=Code.NO_PLATFORM_USER_ID, platform=base.FACEBOOK)
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

        skipped: dict[str, int] = {}

        def skip(reason: str) -> None:
            skipped[reason] = skipped.get(reason, 0) + 1

        with translate_errors(last):
            posts = [
                post
                for body in _pages(api, page_id, "feed", fields=ITEM_FIELDS, since=int(window_start.timestamp()),
                                   limit=100)
                for post in body["data"]
                if isinstance(post, dict)
            ]
            own = _own_post_ids(api, page_id, posts, window_start)
            read: set[str] = set()
            for post in posts:
                if not post.get("id"):
                    skip(MISSING_ID_REASON)
                    continue
                post_id = str(post["id"])
                if post_id in read:
                    continue  # a post listed on two pages (the feed moved while paging) is read once
                read.add(post_id)
                if post_id not in own and is_new(post):
                    items[post_id] = _item(post, "visitor_post", post_id, "", fetched_at)
                # Newest first, so paging stops at the first page that reaches what was seen.
                for body in _pages(api, post_id, "comments", fields=COMMENT_FIELDS, filter="stream",
                                   order="reverse_chronological", limit=100):
                    reached_seen = False
                    for comment in body["data"]:
                        if not isinstance(comment, dict):
                            skip("형식 오류")
                            continue
                        if not is_new(comment):
                            reached_seen = True
                            continue
                        if str((comment.get("from") or {}).get("id")) == page_id:
                            continue  # the page's own replies are answers, not messages
                        if not comment.get("id"):
                            # Graph leaves out a comment's id (and from) when the page token lacks the
                            # page's MODERATE task: it cannot be answered, so it is counted, not stored.
                            skip(MISSING_ID_REASON)
                            continue
                        parent = str((comment.get("parent") or {}).get("id") or post_id)
                        items[str(comment["id"])] = _item(comment, "comment", post_id, parent, fetched_at)
                    if reached_seen:
                        break
            if (account.credentials or {}).get("read_messenger"):
                for item in _messenger_catch_up(api, page_id, seen_until or window_start, fetched_at, skip):
                    items[item.external_id] = item
        ordered = sorted(items.values(), key=lambda item: (item.posted_at, item.external_id))
        newest = max((item.posted_at for item in ordered), default=None)
        next_cursor = newest.astimezone(UTC).isoformat() if newest else cursor
        return Batch(items=ordered, next_cursor=next_cursor, skipped=skipped)

    def sync(self, account, external_ids: list[str]) -> SyncResult:
        """Read each stored post or comment again: gone ones answer (#100) subcode 33, hidden ones
        is_hidden, edited ones a new message (the caller compares it with what it stored)."""
        api, last = self._api(account)
        result = SyncResult()
        for object_id in external_ids:
            try:
                with translate_errors(last):
                    body = api.get_object(object_id=str(object_id), fields="id,message,is_hidden")
            except ContentProblem:
                result.deleted.append(str(object_id))
                continue
            if not isinstance(body, dict) or not body.get("id"):
                result.unchanged.append(str(object_id))
            elif body.get("is_hidden"):
                result.withheld.append(str(object_id))
            elif "message" in body:
                result.edited[str(object_id)] = body.get("message") or ""
            else:
                result.unchanged.append(str(object_id))
        return result

    def _publish(self, account, object_id: str, connection: str, text: str) -> str:
        parts = split_reply("facebook", text)
        if not parts:
            raise PermanentError(base.EMPTY_REPLY, code=Code.EMPTY_TEXT)
        api, last = self._api(account)
        ids = []
        with translate_errors(last):
            for part in parts:
                body = api.post_object(object_id=object_id, connection=connection, data={"message": part})
                ids.append(str(body["id"]))
        return ids[0]

    def reply(self, account, to_external_id: str, text: str, private: bool = False) -> str:
        if private:
            return self._send_message(account, str(to_external_id), text)
        return self._publish(account, str(to_external_id), "comments", text)

    def _send_message(self, account, mid: str, text: str) -> str:
        """A private answer through the Send API: the message answered names its sender (PSID); the
        sender's last message in the conversation decides whether it may still be answered
        (messenger_reply_terms). Past the window nothing is sent: ReplyWindowClosed."""
        if not text.strip():
            raise PermanentError(base.EMPTY_MESSAGE, code=Code.EMPTY_TEXT)
        api, last = self._api(account)
        page_id = str(account.platform_user_id)
        with translate_errors(last):
            asked = api.get_object(object_id=mid, fields="id,from,created_time")
            recipient = str((asked.get("from") or {}).get("id") or "")
            if not recipient:
                raise PermanentError(NO_SENDER, code=Code.NO_SENDER)
            now = self._clock()
            asked_at = _parse_time(asked.get("created_time"), now)
            terms = messenger_reply_terms(_last_message_from(api, page_id, recipient, asked_at), now,
                                          bool((account.credentials or {}).get("human_agent")))
            if terms is None:
                raise ReplyWindowClosed()
            data = {"recipient": json.dumps({"id": recipient}), "message": json.dumps({"text": text[:2000]}),
                    **terms}
            body = api.post_object(object_id=page_id, connection="messages", data=data)
            return str(body["message_id"])

    def post(self, account, text: str) -> str:
        return self._publish(account, str(account.platform_user_id), "feed", text)

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        if str(to_external_id).startswith(MESSENGER_ID_PREFIXES):
            # A Messenger answer is not searched for: a person checks the conversation.
            raise CannotLook(MESSENGER_CANNOT_LOOK)
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
                raise PermanentError(NO_DATA_LIST, code=Code.MALFORMED)
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


@dataclass(frozen=True)
class FeedChange:
    """A `feed` webhook change about an item already stored: removed, hidden or edited."""
    page_id: str
    external_id: str
    verb: str  # remove, hide, edited
    text: str = ""


SYNC_VERBS = {"remove", "hide", "edited"}


def feed_changes_from_webhook(payload: dict) -> list[FeedChange]:
    """The remove/hide/edited changes of a `feed` delivery (comment_id for comments, post_id for
    posts). Malformed changes are left out: the lookup of recent items catches them later."""
    changes: list[FeedChange] = []
    if not isinstance(payload, dict) or payload.get("object") != "page":
        return changes
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "feed" or value.get("verb") not in SYNC_VERBS:
                continue
            object_id = value.get("comment_id") if value.get("item") == "comment" else value.get("post_id")
            if not object_id:
                continue
            changes.append(FeedChange(page_id=str(entry.get("id") or ""), external_id=str(object_id),
                                      verb=str(value["verb"]), text=str(value.get("message") or "")))
    return changes


def messenger_items_from_webhook(payload: dict) -> dict[str, list[InboundItem]]:
    """The Messenger messages of a `messages` delivery (entry[].messaging[]), by page id: private
    items. The page's own messages (echoes) and events without a message id are left out."""
    found: dict[str, list[InboundItem]] = {}
    if not isinstance(payload, dict) or payload.get("object") != "page":
        return found
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        page_id = str(entry.get("id") or "")
        for event in entry.get("messaging") or []:
            message = event.get("message") if isinstance(event, dict) else None
            if not isinstance(message, dict) or not message.get("mid") or message.get("is_echo"):
                continue
            sender = str((event.get("sender") or {}).get("id") or "")
            if not sender or sender == page_id:
                continue
            try:
                posted = datetime.fromtimestamp(int(event.get("timestamp")) / 1000, UTC)
            except (TypeError, ValueError, OverflowError):
                posted = datetime.now(UTC)
            text = message.get("text") or (ATTACHMENT_TEXT if message.get("attachments") else "")
            found.setdefault(page_id, []).append(InboundItem(
                platform="facebook", external_id=str(message["mid"]), text=text, posted_at=posted,
                author_id=sender, conversation_id=sender, kind="direct", raw=event,
            ))
    return found


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

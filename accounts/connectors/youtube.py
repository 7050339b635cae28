"""YouTube through the Data API v3 (plain HTTPS with requests): comment threads on the city's channel
and their replies in, replies out, within the day's quota.

Credentials: `access_token` (OAuth 2.0, scope https://www.googleapis.com/auth/youtube.force-ssl) and,
to renew it when it expires (an hour), `refresh_token`, `client_id`, `client_secret`.
`account.platform_user_id` is the channel id ("UC…").

The quota: every call costs units of the project's 10,000 a day, reset at midnight Pacific time
(list = 1, insert = 50). Each channel keeps its own budget in Redis (QuotaBudget), so one busy
channel cannot starve the answers of the others; reads stop ANSWER_RESERVE short of it so that
answers still go out, and the units used today are shown on the account's health.

What the API does not allow, and how SMC copes:
- No community posts (the API has no endpoint for them): post() raises ManualPostNeeded.
- No direct messages on YouTube: nothing private comes in or goes out.
- Threads are listed newest first by their first comment: new replies to a thread older than
  LOOKBACK are not looked for.
"""

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

import accounts.connectors.base as base

from .base import (
    YOUTUBE,
    AccountSuspended,
    AppProblem,
    AuthExpired,
    Batch,
    Code,
    ConnectorError,
    ContentProblem,
    InboundItem,
    ManualPostNeeded,
    PermanentError,
    PermissionMissing,
    RateLimited,
    SyncResult,
    TransientError,
)
from .text import split_reply

PLATFORM = "youtube"
API = "https://www.googleapis.com/youtube/v3"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "youtube.force-ssl"
TIMEOUT = (5, 30)
PACIFIC = ZoneInfo("America/Los_Angeles")
DAILY_QUOTA = 10_000
ANSWER_RESERVE = 1_000  # units reads leave for answers (20 replies)
LIST_COST, INSERT_COST = 1, 50
LOOKBACK = timedelta(days=7)
MAX_PAGES = 20
LOOKUP_IDS = 50  # comments.list?id= takes up to 50 ids
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
MISSING_ID_REASON = "형식 오류: id 없음"
MISSING_SNIPPET_REASON = "형식 오류: 내용 없음"
HELD_STATES = {"heldForReview", "likelySpam", "rejected"}  # moderationStatus: not public on YouTube

MANUAL_POST_REASON = _("유튜브 커뮤니티 게시물은 API로 올릴 수 없습니다. 준비된 글을 담당자가 직접 게시해야 합니다.")
# What YouTube refused; %(detail)s is its status, reason and message (diagnostics, untranslated).
QUOTA_EXCEEDED = _("유튜브 일일 할당량 소진, 태평양 시간 자정까지 대기: %(detail)s")
QUOTA_BUDGET_SPENT = _("유튜브 일일 할당량 예산 소진: %(used)s/%(limit)s 단위, 태평양 시간 자정까지 대기")
UNAUTHORIZED = _("유튜브 인증 만료: %(detail)s")
FORBIDDEN_CHANNEL = _("유튜브 계정에 권한이 없습니다: %(permission)s 권한으로 재인증 필요. %(detail)s")
INSUFFICIENT = _("권한 부족: %(permission)s. %(detail)s")
COMMENTS_DISABLED = _("이 영상은 댓글이 사용 중지되었습니다: %(detail)s")
CHANNEL_COMMENTS_DISABLED = _("채널의 댓글이 사용 중지되어 있습니다: %(detail)s")
APP_REFUSED = _("유튜브 앱(프로젝트) 문제: %(detail)s")
CHANNEL_GONE = _("유튜브 채널이 없습니다: %(detail)s")
CONTENT_REFUSED = _("유튜브 항목 없음 또는 거부: %(detail)s")
NO_REFRESH_TOKEN = _("유튜브 토큰이 만료되었고 갱신할 수 없습니다. 재인증이 필요합니다.")
TOKEN_SERVER_ERROR = _("구글 인증 서버 오류: HTTP %(status)s")
REFRESH_FAILED = _("유튜브 토큰 갱신 실패, 재인증 필요: %(detail)s")
NO_ITEMS_LIST = _("유튜브 응답에 items 목록이 없습니다.")
NO_PRIVATE_MESSAGES = _("유튜브에는 비공개 메시지가 없습니다.")
NO_COMMENT_ID = _("유튜브 응답에 댓글 ID가 없습니다.")

# YouTube Data API errors (developers.google.com/youtube/v3/docs/errors, .../commentThreads/list,
# comments/insert), by `error.errors[].reason`, then by HTTP status; each with what it means for SMC.
QUOTA, RATE_LIMIT, TEMPORARY, AUTH, PERMISSION, FORBIDDEN, APP, CONTENT, DISABLED, GONE = (
    "quota", "rate_limit", "temporary", "auth", "permission", "forbidden", "app", "content", "disabled", "gone")
REASONS: dict[str, str] = {
    "quotaExceeded": QUOTA,             # 403 the day's quota is spent: wait for midnight Pacific
    "dailyLimitExceeded": QUOTA,        # 403 (older name of the same)
    "rateLimitExceeded": RATE_LIMIT,    # 403/429 too many requests in a short time
    "userRateLimitExceeded": RATE_LIMIT,
    "authError": AUTH,                  # 401 Invalid Credentials
    "insufficientPermissions": PERMISSION,  # 403 the token lacks the youtube.force-ssl scope
    "forbidden": FORBIDDEN,             # 403 the account may not read or comment (an account state)
    "commentsDisabled": DISABLED,       # 403 the channel or video has comments turned off
    "keyInvalid": APP,                  # 400 the project's key is invalid
    "accessNotConfigured": APP,         # 403 the API is not enabled for the project
    "channelNotFound": GONE,            # 404 the channel is gone
    "commentNotFound": CONTENT,         # 404 a deleted comment
    "parentCommentNotFound": CONTENT,
    "videoNotFound": CONTENT,
    "parentCommentIsPrivate": CONTENT,  # 403
    "commentTextTooLong": CONTENT,      # 400
    "backendError": TEMPORARY,          # 500/503
}
HTTP_STATUSES: dict[int, str] = {401: AUTH, 429: RATE_LIMIT, 500: TEMPORARY, 502: TEMPORARY, 503: TEMPORARY,
                                 504: TEMPORARY}


def next_reset(now: datetime) -> datetime:
    """The next midnight in Pacific time (the quota's reset), in UTC."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
    return midnight.astimezone(UTC)


def classify(status: int, body: object, replying: bool = False, now: datetime | None = None) -> ConnectorError:
    """The connector error for a YouTube error response (REASONS, then HTTP_STATUSES)."""
    now = now or datetime.now(UTC)
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    details = [e for e in error.get("errors") or [] if isinstance(e, dict)]
    reason = str(details[0].get("reason") or "") if details else ""
    text = f"{status} {reason}: {error.get('message') or ''}".strip()
    kind = REASONS.get(reason) or HTTP_STATUSES.get(status)
    if kind == QUOTA:
        return RateLimited(next_reset(now), QUOTA_EXCEEDED, detail=text)
    if kind == RATE_LIMIT:
        return RateLimited(now + DEFAULT_RATE_LIMIT_WAIT, base.RATE_LIMITED, platform=YOUTUBE, detail=text)
    if kind == TEMPORARY:
        return TransientError(base.TRANSIENT, platform=YOUTUBE, detail=text)
    if kind == AUTH:
        return AuthExpired(UNAUTHORIZED, detail=text)
    if kind == PERMISSION:
        return PermissionMissing(SCOPE, INSUFFICIENT, detail=text)
    if kind == FORBIDDEN:
        return PermissionMissing(SCOPE, FORBIDDEN_CHANNEL, detail=text)
    if kind == DISABLED:
        if replying:  # that one video's comments are off: skip it
            return ContentProblem(COMMENTS_DISABLED, detail=text)
        return AccountSuspended(CHANNEL_COMMENTS_DISABLED, detail=text)
    if kind == APP:
        return AppProblem(APP_REFUSED, detail=text)
    if kind == GONE:
        return AccountSuspended(CHANNEL_GONE, detail=text)
    if kind == CONTENT:
        return ContentProblem(CONTENT_REFUSED, detail=text)
    return PermanentError(base.REFUSED, platform=YOUTUBE, detail=text)


class QuotaBudget:
    """Units a channel has used today (Pacific day), kept in Redis (the cache) so that every worker
    sees one count: `spend` before each call (Google counts failed calls too)."""

    def __init__(self, channel_id: str, clock=None):
        self.channel_id = channel_id
        self._clock = clock or (lambda: datetime.now(UTC))

    @staticmethod
    def daily_quota() -> int:
        return int(getattr(settings, "SMC_YOUTUBE_DAILY_QUOTA", DAILY_QUOTA))

    def _key(self) -> str:
        return f"youtube:quota:{self.channel_id}:{self._clock().astimezone(PACIFIC).date().isoformat()}"

    def used(self) -> int:
        return int(cache.get(self._key()) or 0)

    def spend(self, units: int, reserve: int = 0) -> int:
        """Count `units`; RateLimited until the reset when they would take the channel past its
        quota less `reserve` (reads keep ANSWER_RESERVE for answers)."""
        limit = self.daily_quota() - reserve
        key = self._key()
        cache.add(key, 0, timeout=2 * 24 * 3600)
        used = int(cache.incr(key, units))  # atomic: two workers never both take the last units
        if used > limit:
            cache.decr(key, units)
            raise RateLimited(next_reset(self._clock()), QUOTA_BUDGET_SPENT, used=f"{used - units:,}",
                              limit=f"{limit:,}")
        return used

    def health(self) -> str:
        return f"유튜브 할당량 오늘 {self.used():,}/{self.daily_quota():,} 단위 사용"


def _parse_time(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return default


def _comparable(text: str) -> str:
    return " ".join(text.split())[:60]


def thread_of(comment_id: str) -> str:
    """A reply's id is "<thread id>.<reply>": replies always go under the thread's first comment."""
    return str(comment_id).split(".", 1)[0]


class YouTubeConnector:
    platform = PLATFORM
    # sync(): comments.list?id= takes 50 ids for one unit.
    sync_window = timedelta(days=30)
    sync_batch = LOOKUP_IDS

    def __init__(self, session_factory=requests.Session, clock=None):
        self._session = session_factory()
        self._clock = clock or (lambda: datetime.now(UTC))

    def _budget(self, account) -> QuotaBudget:
        if not account.platform_user_id:
            raise PermanentError(base.NO_PLATFORM_USER_ID, code=Code.NO_PLATFORM_USER_ID, platform=YOUTUBE)
        return QuotaBudget(str(account.platform_user_id), self._clock)

    # -- HTTP --------------------------------------------------------------------------------------
    def _token(self, credentials: dict, renew: bool = False) -> str:
        refresh = credentials.get("refresh_token")
        key = f"youtube:token:{hashlib.sha256(str(refresh).encode()).hexdigest()[:24]}" if refresh else ""
        if not renew:
            if key and (cached := cache.get(key)):
                return str(cached)
            if credentials.get("access_token"):
                return str(credentials["access_token"])
        if not (refresh and credentials.get("client_id") and credentials.get("client_secret")):
            raise AuthExpired(NO_REFRESH_TOKEN)
        try:
            response = self._session.post(TOKEN_URL, data={
                "client_id": credentials["client_id"], "client_secret": credentials["client_secret"],
                "refresh_token": refresh, "grant_type": "refresh_token"}, timeout=TIMEOUT)
            body = response.json()
        except requests.JSONDecodeError as exc:
            raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=YOUTUBE, detail=exc) from None
        except requests.RequestException as exc:
            raise TransientError(base.CONNECTION_ERROR, code=Code.CONNECTION, platform=YOUTUBE, detail=exc) from None
        if response.status_code >= 500:
            raise TransientError(TOKEN_SERVER_ERROR, code=Code.SERVER_ERROR, status=response.status_code)
        if response.status_code != 200 or not body.get("access_token"):
            why = body.get("error") or response.status_code
            raise AuthExpired(REFRESH_FAILED, detail=why)
        cache.set(key, body["access_token"], timeout=max(60, int(body.get("expires_in") or 3600) - 60))
        return str(body["access_token"])

    def _call(self, account, method: str, resource: str, *, params: dict, cost: int, json_body: dict | None = None,
              reserve: int = 0, replying: bool = False) -> dict:
        credentials = account.credentials or {}
        if not (credentials.get("access_token") or credentials.get("refresh_token")):
            raise AuthExpired(base.NO_CREDENTIALS, code=Code.NO_CREDENTIALS, platform=YOUTUBE)
        budget = self._budget(account)
        renewed = False
        token = self._token(credentials)
        while True:
            budget.spend(cost, reserve)
            try:
                response = self._session.request(method, f"{API}/{resource}", params=params, json=json_body,
                                                 headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
            except requests.RequestException as exc:
                # Not chained: the requests error may quote the request; the redacted text says enough.
                raise TransientError(base.CONNECTION_ERROR, code=Code.CONNECTION, platform=YOUTUBE,
                                     detail=exc) from None
            if response.status_code == 401 and not renewed and credentials.get("refresh_token"):
                token, renewed = self._token(credentials, renew=True), True  # an hour-old token: renew once
                continue
            try:
                body = response.json()
            except requests.JSONDecodeError:
                if response.status_code >= 500:
                    raise TransientError(base.SERVER_ERROR, code=Code.SERVER_ERROR, platform=YOUTUBE,
                                         status=response.status_code) from None
                raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=YOUTUBE,
                                     detail=f"HTTP {response.status_code}") from None
            if response.status_code >= 400:
                raise classify(response.status_code, body, replying, self._clock())
            if not isinstance(body, dict):
                raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=YOUTUBE, detail=type(body).__name__)
            return body

    def _pages(self, account, resource: str, params: dict, max_pages: int = MAX_PAGES):
        token = ""
        for _page in range(max_pages):
            body = self._call(account, "GET", resource, params={**params, **({"pageToken": token} if token else {})},
                              cost=LIST_COST, reserve=ANSWER_RESERVE)
            if not isinstance(body.get("items", []), list):
                raise PermanentError(NO_ITEMS_LIST, code=Code.MALFORMED)
            yield body
            token = str(body.get("nextPageToken") or "")
            if not token:
                return

    # -- the protocol ------------------------------------------------------------------------------
    def fetch(self, account, cursor: str) -> Batch:
        channel = str(account.platform_user_id)
        budget = self._budget(account)
        fetched_at = self._clock()
        seen_until = _parse_time(cursor, fetched_at) if cursor else None
        window_start = (seen_until or fetched_at) - LOOKBACK
        items: dict[str, InboundItem] = {}
        skipped: dict[str, int] = {}

        def skip(reason: str) -> None:
            skipped[reason] = skipped.get(reason, 0) + 1

        def take(comment: object, thread_id: str, video_id: str, kind: str) -> None:
            if not isinstance(comment, dict) or not comment.get("id"):
                skip(MISSING_ID_REASON)
                return
            snippet = comment.get("snippet")
            if not isinstance(snippet, dict):
                skip(MISSING_SNIPPET_REASON)
                return
            item = _item(comment, snippet, thread_id, video_id, kind, fetched_at)
            if item.author_id == channel or (seen_until is not None and item.posted_at < seen_until):
                return  # our own answers, or already seen
            items[item.external_id] = item

        threads = {"part": "snippet,replies", "allThreadsRelatedToChannelId": channel, "textFormat": "plainText",
                   "maxResults": 100, "order": "time"}
        for body in self._pages(account, "commentThreads", threads):
            reached_old = False
            for thread in body.get("items") or []:
                snippet = thread.get("snippet") if isinstance(thread, dict) else None
                top = (snippet or {}).get("topLevelComment")
                if not isinstance(thread, dict) or not thread.get("id") or not isinstance(top, dict):
                    skip(MISSING_ID_REASON)
                    continue
                thread_id, video_id = str(thread["id"]), str((snippet or {}).get("videoId") or "")
                started = _parse_time((top.get("snippet") or {}).get("publishedAt"), fetched_at)
                if started < window_start:
                    reached_old = True  # newest first: the rest started earlier still
                    break
                take(top, thread_id, video_id, "comment")
                included = ((thread.get("replies") or {}).get("comments")) or []
                if int((snippet or {}).get("totalReplyCount") or 0) > len(included):
                    # The thread carries a few replies only: the rest through comments.list?parentId=.
                    included = [reply for page in self._pages(account, "comments", {
                        "part": "snippet", "parentId": thread_id, "textFormat": "plainText", "maxResults": 100})
                        for reply in page.get("items") or []]
                for reply in included:
                    take(reply, thread_id, video_id, "reply")
            if reached_old:
                break
        ordered = sorted(items.values(), key=lambda item: (item.posted_at, item.external_id))
        newest = max((item.posted_at for item in ordered), default=None)
        next_cursor = newest.astimezone(UTC).isoformat() if newest else cursor
        return Batch(items=ordered, next_cursor=next_cursor, skipped=skipped, health=budget.health())

    def sync(self, account, external_ids: list[str]) -> SyncResult:
        """Look the stored comments up again (comments.list?id=, 50 a unit): those not returned are
        deleted, those held for review or rejected are withheld, changed texts are edits."""
        result = SyncResult()
        for start in range(0, len(external_ids), LOOKUP_IDS):
            chunk = [str(i) for i in external_ids[start:start + LOOKUP_IDS]]
            body = self._call(account, "GET", "comments", params={
                "part": "snippet", "id": ",".join(chunk), "textFormat": "plainText", "maxResults": LOOKUP_IDS},
                cost=LIST_COST, reserve=ANSWER_RESERVE)
            found = {str(c["id"]): c.get("snippet") or {} for c in body.get("items") or []
                     if isinstance(c, dict) and c.get("id")}
            for comment_id in chunk:
                snippet = found.get(comment_id)
                if snippet is None:
                    result.deleted.append(comment_id)
                elif snippet.get("moderationStatus") in HELD_STATES:
                    result.withheld.append(comment_id)
                elif "textDisplay" in snippet or "textOriginal" in snippet:
                    result.edited[comment_id] = snippet.get("textOriginal") or snippet.get("textDisplay") or ""
                else:
                    result.unchanged.append(comment_id)
        return result

    def reply(self, account, to_external_id: str, text: str, private: bool = False) -> str:
        if private:
            raise PermanentError(NO_PRIVATE_MESSAGES, code=Code.NOT_SUPPORTED)
        parts = split_reply(PLATFORM, text)
        if not parts:
            raise PermanentError(base.EMPTY_REPLY, code=Code.EMPTY_TEXT)
        ids = []
        for part in parts:
            body = self._call(account, "POST", "comments", params={"part": "snippet"}, cost=INSERT_COST,
                              json_body={"snippet": {"parentId": thread_of(to_external_id), "textOriginal": part}},
                              replying=True)
            if not body.get("id"):
                raise PermanentError(NO_COMMENT_ID, code=Code.MALFORMED)
            ids.append(str(body["id"]))
        return ids[0]

    def post(self, account, text: str) -> str:
        raise ManualPostNeeded(MANUAL_POST_REASON)

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        parts = split_reply(PLATFORM, text)
        if not parts:
            return None
        wanted, channel = _comparable(parts[0]), str(account.platform_user_id)
        for body in self._pages(account, "comments", {"part": "snippet", "parentId": thread_of(to_external_id),
                                                      "textFormat": "plainText", "maxResults": 100}, max_pages=5):
            for comment in body.get("items") or []:
                snippet = comment.get("snippet") or {}
                author = str((snippet.get("authorChannelId") or {}).get("value") or "")
                shown = snippet.get("textOriginal") or snippet.get("textDisplay") or ""
                if author == channel and _comparable(shown).startswith(wanted):
                    return str(comment["id"])
        return None

    def find_post(self, account, marker: str) -> str | None:
        return None  # post() never sends anything, so no earlier attempt can be there


def _item(comment: dict, snippet: dict, thread_id: str, video_id: str, kind: str, fetched_at: datetime) -> InboundItem:
    comment_id = str(comment["id"])
    video_id = str(snippet.get("videoId") or video_id)
    return InboundItem(
        platform=PLATFORM, external_id=comment_id,
        text=snippet.get("textDisplay") or snippet.get("textOriginal") or "",
        posted_at=_parse_time(snippet.get("publishedAt"), fetched_at),
        author_id=str((snippet.get("authorChannelId") or {}).get("value") or ""),
        author_name=snippet.get("authorDisplayName") or "",
        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else "",
        conversation_id=thread_id, parent_id=thread_id if kind == "reply" else video_id, kind=kind, raw=comment,
    )

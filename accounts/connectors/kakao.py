"""KakaoTalk channel (카카오톡 채널) through the chatbot of 카카오 i 오픈빌더 (챗봇 관리자센터).

Citizens write to the city's channel; the bot's fallback block calls SMC's skill
(POST /kakao/skill/<account>/, messages_app.kakao) with the skill payload, and SMC answers it within
the skill timeout (5 s). Kakao keeps no inbox SMC could poll: this platform is push only (fetch()
returns nothing). Staff answers and broadcasts go out through the Open Builder Event API, which makes
the bot speak first with the block registered under an event name:

    POST https://bot-api.kakao.com/v2/bots/{botId}/talk           (botId + "!" for the development channel)
    Authorization: KakaoAK {REST API key of the Kakao Developers app linked to the channel}
    {"event": {"name": "<event name>", "data": {"text": "…"}},
     "user": [{"type": "botUserKey" | "plusfriendUserKey" | "appUserId", "id": "…"}]}   at most 100 users
    -> {"taskId": "…", "status": "SUCCESS", "timestamp": …}    the request is accepted, sent asynchronously
    GET https://bot-api.kakao.com/v1/tasks/{taskId}               who was reached (successCount, fail.list)

The event block shows `{{#current.event.data.text}}`. Every message sent is charged (15 KRW + VAT
per message, a wallet must be linked). Sources: tests/accounts/recordings/README.md.

Credentials (account.credentials): `bot_id`, `skill_secret` (the header or `key` parameter the skill
is registered with), `rest_api_key`, `event_name` (the answer block's event), optional
`broadcast_event_name` and `dev_channel`. A connector knows nothing of the database: the users a
broadcast goes to come from the audience provider the inbox registers (register_audience).
"""

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from django.utils.translation import gettext_lazy as _

import accounts.connectors.base as base

from .base import (
    KAKAO,
    AccountSuspended,
    AppProblem,
    AuthExpired,
    Batch,
    CannotLook,
    Code,
    ConnectorError,
    ContentProblem,
    PermanentError,
    PermissionMissing,
    RateLimited,
    SyncResult,
    TransientError,
)

API_HOST = "https://bot-api.kakao.com"
EVENT_URL = API_HOST + "/v2/bots/{bot_id}/talk"
TASK_URL = API_HOST + "/v1/tasks/{task_id}"
TIMEOUT = (5, 15)  # connect, read (seconds)
MAX_USERS_PER_CALL = 100  # the Event API takes at most 100 users a request, none twice
USER_TYPE = "botUserKey"  # userRequest.user.id of the skill payload is the bot's key of the user
TEXT_LIMIT = 1000  # simpleText's limit; a longer answer ends with a pointer to "답변 확인"
SKILL_TIMEOUT_SECONDS = 5  # the Open Builder waits this long for a skill's response
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=10)

# Kakao's common REST API error codes (developers.kakao.com/docs/latest/ko/rest-api/error-code:
# {"code": -N, "msg": "…"}), each with what it means for SMC. Codes absent here are permanent errors.
RATE_LIMIT, TEMPORARY, AUTH, PERMISSION, APP, SUSPENDED, CONTENT = (
    "rate_limit", "temporary", "auth", "permission", "app", "suspended", "content")
ERROR_CODES: dict[int, str] = {
    -1: TEMPORARY,      # internal error while processing: retry
    -2: CONTENT,        # a parameter is missing, of the wrong type or out of range (an unknown user key)
    -3: APP,            # a feature the API needs is not activated in the app's settings
    -4: SUSPENDED,      # the account is sanctioned or the action is restricted for it
    -5: PERMISSION,     # the app has no permission for this API (a review is needed)
    -6: CONTENT,        # the action is not allowed by Kakao's services
    -7: TEMPORARY,      # the service is under maintenance or has an internal problem
    -8: AUTH,           # invalid header (the Authorization header)
    -9: APP,            # the API has been terminated
    -10: RATE_LIMIT,    # the quota of requests is exceeded
    -11: APP,           # the daily or monthly amount of a paid API is exceeded (the wallet)
    -12: SUSPENDED,     # the Kakao Developers app or the developer account is sanctioned
    -401: AUTH,         # invalid app key, or the app does not match
    -603: TEMPORARY,    # timeout inside the Kakao platform
    -903: AUTH,         # the app key of a developer who is not registered
    -9798: TEMPORARY,   # service maintenance (HTTP 503)
}
HTTP_STATUSES: dict[int, str] = {401: AUTH, 403: PERMISSION, 429: RATE_LIMIT}
NOT_CONFIGURED = _("카카오 Event API가 설정되지 않았습니다: bot_id, rest_api_key, event_name이 필요합니다.")
NO_PUBLIC_REPLY = _("카카오톡 채널 대화에는 공개 답글이 없습니다. 비공개로 답하세요.")
NO_AUDIENCE = _("보낼 카카오톡 채널 이용자가 없습니다: 기간 안에 채널과 대화한 이용자가 없습니다.")
# What the Event API refused: its HTTP status, its code and its own words (diagnostics, untranslated).
RATE_LIMITED = _("카카오 요청 한도 초과: HTTP %(status)s, 오류 코드 %(kakao_code)s: %(detail)s")
TRANSIENT = _("카카오 일시 오류: HTTP %(status)s, 오류 코드 %(kakao_code)s: %(detail)s")
BAD_KEY = _("카카오 REST API 키가 유효하지 않습니다: HTTP %(status)s, 오류 코드 %(kakao_code)s: %(detail)s")
NO_PERMISSION = _("권한 부족: %(permission)s, HTTP %(status)s, 오류 코드 %(kakao_code)s: %(detail)s")
APP_REFUSED = _("카카오 앱 설정 문제: HTTP %(status)s, 오류 코드 %(kakao_code)s: %(detail)s")
SANCTIONED = _("카카오 계정 또는 앱 제재: HTTP %(status)s, 오류 코드 %(kakao_code)s: %(detail)s")
CONTENT_REFUSED = _("카카오가 요청을 거부했습니다: HTTP %(status)s, 오류 코드 %(kakao_code)s: %(detail)s")
REFUSED = _("카카오 요청 거부: HTTP %(status)s, 오류 코드 %(kakao_code)s: %(detail)s")
NO_USER_KEY = _("카카오 메시지 ID에 이용자 키가 없습니다.")
USERS_PER_CALL = _("이용자는 한 번에 1~%(most)s명입니다.")
NOT_ACCEPTED = _("카카오 Event API가 요청을 받지 않았습니다: 상태 %(status)s, %(detail)s")
CANNOT_LOOK = _("카카오톡 채널 대화는 다시 읽을 수 없습니다. 담당자가 확인하세요.")


def classify(status: int, body: object) -> ConnectorError:
    """The connector error for a failed Event API call (ERROR_CODES by `code`, else HTTP status)."""
    code = body.get("code") if isinstance(body, dict) else None
    message = str((body.get("msg") or body.get("message") or "") if isinstance(body, dict) else "")[:300]
    kind = ERROR_CODES.get(code) if isinstance(code, int) else None
    if kind is None:
        kind = HTTP_STATUSES.get(status) or (TEMPORARY if status >= 500 else None)
    said = {"status": status, "kakao_code": code, "detail": message}
    if kind == RATE_LIMIT:
        return RateLimited(datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT, RATE_LIMITED, **said)
    if kind == TEMPORARY:
        return TransientError(TRANSIENT, **said)
    if kind == AUTH:
        return AuthExpired(BAD_KEY, **said)
    if kind == PERMISSION:
        return PermissionMissing("Event API", NO_PERMISSION, **said)
    if kind == APP:
        return AppProblem(APP_REFUSED, **said)
    if kind == SUSPENDED:
        return AccountSuspended(SANCTIONED, **said)
    if kind == CONTENT:
        return ContentProblem(CONTENT_REFUSED, **said)
    return PermanentError(REFUSED, **said)


# --- the skill (inbound) ------------------------------------------------------------------------

@dataclass(frozen=True)
class SkillRequest:
    """What SMC reads of a skill payload (스킬 payload: intent, userRequest, bot, action)."""
    bot_id: str
    user_key: str  # userRequest.user.id (type botUserKey)
    utterance: str
    block_id: str = ""
    plusfriend_user_key: str = ""
    app_user_id: str = ""  # the Kakao Login id, when the bot is linked with a Kakao Login app
    is_friend: bool | None = None


MAX_USER_KEY = 80  # a botUserKey is 66 hex characters; the stored id is "<key>:<digest>" (≤ 100)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_skill(payload: object) -> SkillRequest:
    """The skill payload's fields SMC needs; ValueError (with the field) when it is malformed."""
    if not isinstance(payload, dict):
        raise ValueError("payload")
    user_request = payload.get("userRequest")
    bot = payload.get("bot")
    if not isinstance(user_request, dict) or not isinstance(bot, dict):
        raise ValueError("userRequest/bot")
    user = user_request.get("user")
    if not isinstance(user, dict):
        raise ValueError("userRequest.user")
    user_key, bot_id = user.get("id"), bot.get("id")
    utterance = user_request.get("utterance")
    if not isinstance(user_key, str) or not user_key.strip() or len(user_key) > MAX_USER_KEY \
            or _CONTROL.search(user_key) or not user_key.isprintable():
        raise ValueError("userRequest.user.id")
    if not isinstance(bot_id, str) or not bot_id.strip():
        raise ValueError("bot.id")
    if not isinstance(utterance, str):
        raise ValueError("userRequest.utterance")
    properties = user.get("properties") if isinstance(user.get("properties"), dict) else {}
    block = user_request.get("block") if isinstance(user_request.get("block"), dict) else {}
    is_friend = properties.get("isFriend")
    return SkillRequest(
        bot_id=bot_id.strip(), user_key=user_key.strip(), utterance=utterance, block_id=str(block.get("id") or ""),
        plusfriend_user_key=str(properties.get("plusfriendUserKey") or "")[:100],
        app_user_id=str(properties.get("appUserId") or "")[:100],
        is_friend=is_friend if isinstance(is_friend, bool) else None,
    )


def secret_matches(provided: str | None, configured: str | None) -> bool:
    """The skill's secret (header or URL parameter), compared in constant time; never with an empty one."""
    if not provided or not configured:
        return False
    return hmac.compare_digest(provided.encode("utf-8", "replace"), configured.encode("utf-8", "replace"))


def skill_external_id(user_key: str, digest: str) -> str:
    """A stored chat message's id: its user (whom the answer goes to) and a digest of the request."""
    return f"{user_key}:{digest}"


def user_of(external_id: str) -> str:
    user_key, sep, _digest = str(external_id).rpartition(":")
    if not sep or not user_key:
        raise PermanentError(NO_USER_KEY, code=Code.NOT_A_MESSAGE_ID)
    return user_key


def request_digest(bot_id: str, user_key: str, utterance: str, window_start: int) -> str:
    text = "\n".join([bot_id, user_key, str(window_start), utterance])
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


QUICK_REPLY_STATUS = "답변 확인"
QUICK_REPLY_NEW = "새 질문"


def skill_response(*texts: str, quick_replies: Iterable[str] = (QUICK_REPLY_STATUS, QUICK_REPLY_NEW)) -> dict:
    """A skill response (version 2.0): up to three simpleText outputs (each ≤ 1000 characters) and
    the quick replies, each sending its own label as the user's next utterance."""
    outputs = [{"simpleText": {"text": _fit(t)}} for t in texts if t][:3]
    return {
        "version": "2.0",
        "template": {
            "outputs": outputs,
            "quickReplies": [{"label": label, "action": "message", "messageText": label} for label in quick_replies],
        },
    }


def _fit(text: str, limit: int = TEXT_LIMIT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the connector (outbound) -------------------------------------------------------------------

# Who a broadcast goes to: user keys of the account's channel, registered by the inbox (which stores
# the chats). Kakao keeps no list of a channel's users that SMC could read.
Audience = Callable[[object], list[str]]
_audience: list[Audience] = []


def register_audience(provider: Audience) -> None:
    _audience[:] = [provider]


def audience_of(account) -> list[str]:
    return list(dict.fromkeys(_audience[0](account))) if _audience else []


def broadcast_external_id(task_id: str, sent: int, total: int) -> str:
    return f"{task_id}#{sent}/{total}"


def broadcast_reach(external_id: str) -> int | None:
    """The users a broadcast was really sent to (accepted by the Event API), from its stored id."""
    match = re.search(r"#(\d+)/\d+$", external_id or "")
    return int(match.group(1)) if match else None


class KakaoConnector:
    platform = "kakao"

    def __init__(self, session_factory: Callable[[], requests.Session] = requests.Session):
        self._session_factory = session_factory

    def fetch(self, account, cursor: str) -> Batch:
        """Push only: chats arrive through the skill; there is nothing to poll."""
        return Batch(items=[], next_cursor=cursor)

    def sync(self, account, external_ids: list[str]) -> SyncResult:
        """A chat message cannot be deleted or edited on the channel's side."""
        return SyncResult(unchanged=[str(i) for i in external_ids])

    def reply(self, account, to_external_id: str, text: str, private: bool = False) -> str:
        if not private:
            raise PermanentError(NO_PUBLIC_REPLY, code=Code.NOT_SUPPORTED)
        if not text.strip():
            raise PermanentError(base.EMPTY_MESSAGE, code=Code.EMPTY_TEXT)
        credentials = account.credentials or {}
        event = credentials.get("event_name") or ""
        task_id, _status = self.send_event(credentials, event, [user_of(to_external_id)], text)
        return task_id

    def post(self, account, text: str) -> str:
        """A broadcast: the Event API to every user the channel may reach, 100 a request. The stored
        id names the first task and how many users were accepted out of how many."""
        credentials = account.credentials or {}
        users = audience_of(account)
        if not users:
            raise PermanentError(NO_AUDIENCE, code=Code.NO_AUDIENCE)
        event = credentials.get("broadcast_event_name") or credentials.get("event_name") or ""
        first, sent = "", 0
        for start in range(0, len(users), MAX_USERS_PER_CALL):
            batch = users[start:start + MAX_USERS_PER_CALL]
            try:
                task_id, _status = self.send_event(credentials, event, batch, text)
            except ConnectorError:
                if not sent:
                    raise  # nothing went out: the posting's rule decides (retry, reauth, …)
                break  # the users already sent to must not get it twice: the rest is reported unsent
            first, sent = first or task_id, sent + len(batch)
        return broadcast_external_id(first, sent, len(users))

    def send_event(self, credentials: dict, event_name: str, user_keys: list[str], text: str) -> tuple[str, str]:
        """One Event API request: (taskId, status). Errors by the table above."""
        bot_id, key = credentials.get("bot_id") or "", credentials.get("rest_api_key") or ""
        if not bot_id or not key or not event_name:
            raise PermanentError(NOT_CONFIGURED, code=Code.NOT_CONFIGURED)
        if not user_keys or len(user_keys) > MAX_USERS_PER_CALL:
            raise PermanentError(USERS_PER_CALL, most=MAX_USERS_PER_CALL)
        url = EVENT_URL.format(bot_id=bot_id + ("!" if credentials.get("dev_channel") else ""))
        body = {"event": {"name": event_name, "data": {"text": _fit(text)}},
                "user": [{"type": USER_TYPE, "id": user} for user in user_keys]}
        result = self._call("POST", url, key, json=body)
        task_id, status = str(result.get("taskId") or ""), str(result.get("status") or "")
        if status != "SUCCESS" or not task_id:
            raise PermanentError(NOT_ACCEPTED, status=status or "?", detail=str(result.get("message") or "")[:200])
        return task_id, status

    def task_result(self, account, task_id: str) -> dict:
        """Who a task reached: {"status", "allRequestCount", "successCount", "fail": {"count", "list"}}."""
        key = (account.credentials or {}).get("rest_api_key") or ""
        return self._call("GET", TASK_URL.format(task_id=task_id), key)

    def _call(self, method: str, url: str, key: str, **kwargs) -> dict:
        session = self._session_factory()
        try:
            response = session.request(method, url, headers={"Authorization": f"KakaoAK {key}"},
                                       timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise TransientError(base.CONNECTION_ERROR, code=Code.CONNECTION, platform=KAKAO,
                                 detail=type(exc).__name__) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or (isinstance(body, dict) and isinstance(body.get("code"), int)
                                             and body["code"] < 0):
            raise classify(response.status_code, body)
        if not isinstance(body, dict):
            raise PermanentError(base.MALFORMED, code=Code.MALFORMED, platform=KAKAO, detail=type(body).__name__)
        return body

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        # A chat cannot be read back: whether an interrupted attempt was sent is unknown.
        raise CannotLook(CANNOT_LOOK)

    def find_post(self, account, marker: str) -> str | None:
        raise CannotLook(CANNOT_LOOK)

"""The one interface every platform connector implements, and the errors they share.

A connector knows HTTP and its platform's JSON; it knows nothing of the database. It receives an
account object and reads only these attributes: `platform`, `handle`, `platform_user_id` and
`credentials` (a dict, decrypted by the registry).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class InboundItem:
    platform: str
    external_id: str
    text: str
    posted_at: datetime
    author_id: str = ""
    author_handle: str = ""
    author_name: str = ""
    url: str = ""
    conversation_id: str = ""
    parent_id: str = ""
    kind: str = "mention"  # mention, reply, visitor_post, comment, direct, phone, web
    raw: dict[str, Any] = field(default_factory=dict)
    is_simulated: bool = False
    withheld: bool = False  # withheld in the city's country (stored, never public)


@dataclass(frozen=True)
class Batch:
    items: list[InboundItem]
    next_cursor: str  # saved with the items; "" means "start from the newest next time"
    # Items left out because the platform sent them incomplete, counted by reason (shown in the
    # account's health, e.g. "권한 부족: MODERATE"): the rest of the poll is stored.
    skipped: dict[str, int] = field(default_factory=dict)
    # A word on the account's standing the poll shows in its health, e.g. YouTube's quota used today.
    health: str = ""


@dataclass
class SyncResult:
    """What became of items already stored (Connector.sync): each id checked lands in one list."""
    deleted: list[str] = field(default_factory=list)          # gone at the source
    edited: dict[str, str] = field(default_factory=dict)      # id -> the new text
    withheld: list[str] = field(default_factory=list)         # withheld in the city's country
    unchanged: list[str] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return len(self.deleted) + len(self.edited) + len(self.withheld) + len(self.unchanged)


# Library errors quote request URLs and headers; the Graph API takes its token in the query string.
_SECRET_PARAM = re.compile(
    r"((?:access_token|appsecret_proof|client_secret|oauth_token|oauth_signature|input_token)=)[^&\s'\"]+",
    re.IGNORECASE)
_BEARER = re.compile(r"((?:Bearer|OAuth)\s+)[A-Za-z0-9._~+/%=-]{8,}", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with tokens and signatures replaced by '***' (errors are stored, shown and logged)."""
    return _BEARER.sub(r"\1***", _SECRET_PARAM.sub(r"\1***", text))


class Code(StrEnum):
    """What went wrong, one code per kind (the message says it in the active language)."""

    ERROR = "error"                              # anything not named below
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"                      # the platform's own "try again later"
    SERVER_ERROR = "server_error"                # a 5xx
    CONNECTION = "connection"                    # timeout, dropped connection
    AUTH_EXPIRED = "auth_expired"
    NO_CREDENTIALS = "no_credentials"
    PERMISSION_MISSING = "permission_missing"
    REFUSED = "refused"                          # a 4xx the table does not name
    MALFORMED = "malformed"                      # the answer is not what the platform documents
    NO_PLATFORM_USER_ID = "no_platform_user_id"
    EMPTY_TEXT = "empty_text"
    TOO_LONG = "too_long"
    NOT_A_MESSAGE_ID = "not_a_message_id"
    NO_SENDER = "no_sender"
    NOT_SUPPORTED = "not_supported"              # the platform has no such thing (a public Kakao reply)
    NOT_CONFIGURED = "not_configured"
    NO_AUDIENCE = "no_audience"
    CANNOT_LOOK = "cannot_look"
    APP_PROBLEM = "app_problem"
    ACCOUNT_SUSPENDED = "account_suspended"
    CONTENT = "content"
    REPLY_WINDOW_CLOSED = "reply_window_closed"
    MANUAL_POST = "manual_post"
    PLATFORM_CLOSED = "platform_closed"
    UNSUPPORTED_PLATFORM = "unsupported_platform"


# Platform names, a parameter of the shared messages below (translated when the message is shown).
X = "X"
FACEBOOK = _("페이스북")
INSTAGRAM = _("인스타그램")
YOUTUBE = _("유튜브")
KAKAO = _("카카오")

# Messages every connector shares; %(platform)s is one of the names above, %(detail)s the
# platform's own words (diagnostics, never translated), %(status)s an HTTP status.
SERVER_ERROR = _("%(platform)s 서버 오류: HTTP %(status)s")
CONNECTION_ERROR = _("%(platform)s 연결 오류: %(detail)s")
MALFORMED = _("%(platform)s 응답 형식 오류: %(detail)s")
RATE_LIMITED = _("%(platform)s 요청 한도 초과: %(detail)s")
TRANSIENT = _("%(platform)s 일시 오류: %(detail)s")
REFUSED = _("%(platform)s 요청 거부: %(detail)s")
NO_CREDENTIALS = _("%(platform)s 자격 증명이 없습니다.")
NO_PLATFORM_USER_ID = _("%(platform)s 계정의 플랫폼 사용자 ID가 없습니다.")
NOT_A_MESSAGE_ID = _("%(platform)s 비공개 메시지 ID가 아닙니다: %(external_id)s")
EMPTY_REPLY = _("빈 답변은 게시할 수 없습니다.")
EMPTY_MESSAGE = _("빈 답변은 보낼 수 없습니다.")


class ConnectorError(Exception):
    """Base of every error a connector raises. Its message never carries a token.

    Like core.errors.ApplicationError: a `code`, and a message (a lazy gettext msgid in Korean,
    English in locale/en) with %(name)s placeholders filled from the keyword arguments, so
    `str(error)` is one language, the active one. A plain string message still works.
    """

    code: str = Code.ERROR
    message: str | Promise = ""

    def __init__(self, message: str | Promise = "", *args, code: str = "", **params: object):
        self.code = code or type(self).code
        self._message = message or self.message
        self.params = params
        super().__init__(self.code, *args)

    def in_language(self, language: str | None) -> str:
        """The message in `language` (None: the active one)."""
        if language is None:
            return self._render()
        with translation.override(language):
            return self._render()

    def _render(self) -> str:
        text = str(self._message)
        if self.params:
            text = text % {name: str(value) for name, value in self.params.items()}
        return redact(text or self.code)

    def __str__(self) -> str:
        return self._render()

    def __repr__(self) -> str:  # logs say the code and the message (the args hold only the code)
        return f"{type(self).__name__}({str(self.code)!r}, {self._render()!r})"


class RateLimited(ConnectorError):
    code = Code.RATE_LIMITED
    message = _("요청 한도 초과: %(reset_at)s까지 대기")

    def __init__(self, reset_at: datetime, message: str | Promise = "", **params: object):
        super().__init__(message, **{"reset_at": reset_at.isoformat(), **params})
        self.reset_at = reset_at


class AuthExpired(ConnectorError):
    """The token is expired or revoked: the account needs reauthorization."""

    code = Code.AUTH_EXPIRED
    message = _("토큰이 만료되었거나 취소되었습니다. 재인증이 필요합니다.")


class PermissionMissing(AuthExpired):
    """The token works but lacks a permission (or a page task): the account needs re-authorizing
    with `name` granted."""

    code = Code.PERMISSION_MISSING
    message = _("권한 부족: %(permission)s")

    def __init__(self, name: str, message: str | Promise = "", **params: object):
        super().__init__(message, **{"permission": name, **params})
        self.name = name


class TransientError(ConnectorError):
    """Worth retrying later: timeouts, 5xx, dropped connections."""

    code = Code.TRANSIENT


class PermanentError(ConnectorError):
    """Retrying will not help: malformed payloads, 4xx other than auth and rate limits."""

    code = Code.REFUSED


class CannotLook(ConnectorError):
    """find_reply/find_post cannot search the platform for this account (no platform user id, the
    simulator): whether an earlier attempt went through is unknown, never "not found"."""

    code = Code.CANNOT_LOOK


class AppProblem(PermanentError):
    """The app itself is refused (not enrolled, restricted, lacking a capability): every account of
    the platform is affected, so the platform is paused and the desk told, not the account."""

    code = Code.APP_PROBLEM


class AccountSuspended(PermanentError):
    """The account itself is suspended or gone on the platform (an account state, not a failure)."""

    code = Code.ACCOUNT_SUSPENDED


class ContentProblem(PermanentError):
    """One item is refused or gone (deleted, protected, duplicate): skip it, keep the rest."""

    code = Code.CONTENT


class ReplyWindowClosed(ContentProblem):
    """The platform no longer lets the city answer this person privately (Messenger's window after
    the person's last message): raised before anything is sent, so nothing went out."""

    code = Code.REPLY_WINDOW_CLOSED
    message = _("답변 가능 기간이 지났습니다.")


class ManualPostNeeded(ConnectorError):
    """The platform's API cannot make this post (an Instagram post without an image, a YouTube
    community post): nothing was sent; a person posts the text, which is ready, by hand."""

    code = Code.MANUAL_POST


class Connector(Protocol):
    def fetch(self, account, cursor: str) -> Batch: ...

    # A private item (DM) is answered with private=True (issue 24); public replies omit it.
    def reply(self, account, to_external_id: str, text: str) -> str: ...

    # ManualPostNeeded when the platform's API cannot post text on the account (nothing is sent).
    def post(self, account, text: str) -> str: ...

    # Look before retrying: the id of what an earlier attempt posted, None when it is not there;
    # CannotLook when the platform cannot be searched for this account.
    def find_reply(self, account, to_external_id: str, text: str) -> str | None: ...

    def find_post(self, account, marker: str) -> str | None: ...  # our recent post carrying marker

    def sync(self, account, external_ids: list[str]) -> SyncResult: ...  # deleted / edited / withheld

"""The one interface every platform connector implements, and the errors they share.

A connector knows HTTP and its platform's JSON; it knows nothing of the database. It receives an
account object and reads only these attributes: `platform`, `handle`, `platform_user_id` and
`credentials` (a dict, decrypted by the registry).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


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


class ConnectorError(Exception):
    """Base of every error a connector raises. Its message never carries a token."""

    def __init__(self, message: str = "", *args):
        super().__init__(redact(str(message)), *args)


class RateLimited(ConnectorError):
    def __init__(self, reset_at: datetime, message: str = ""):
        super().__init__(message or f"rate limited until {reset_at.isoformat()}")
        self.reset_at = reset_at


class AuthExpired(ConnectorError):
    """The token is expired or revoked: the account needs reauthorization."""


class PermissionMissing(AuthExpired):
    """The token works but lacks a permission (or a page task): the account needs re-authorizing
    with `name` granted."""

    def __init__(self, name: str, message: str = ""):
        super().__init__(message or f"권한 부족: {name}")
        self.name = name


class TransientError(ConnectorError):
    """Worth retrying later: timeouts, 5xx, dropped connections."""


class PermanentError(ConnectorError):
    """Retrying will not help: malformed payloads, 4xx other than auth and rate limits."""


class CannotLook(ConnectorError):
    """find_reply/find_post cannot search the platform for this account (no platform user id, the
    simulator): whether an earlier attempt went through is unknown, never "not found"."""


class AppProblem(PermanentError):
    """The app itself is refused (not enrolled, restricted, lacking a capability): every account of
    the platform is affected, so the platform is paused and the desk told, not the account."""


class AccountSuspended(PermanentError):
    """The account itself is suspended or gone on the platform (an account state, not a failure)."""


class ContentProblem(PermanentError):
    """One item is refused or gone (deleted, protected, duplicate): skip it, keep the rest."""


class ReplyWindowClosed(ContentProblem):
    """The platform no longer lets the city answer this person privately (Messenger's window after
    the person's last message): raised before anything is sent, so nothing went out."""

    code = "reply_window_closed"


class ManualPostNeeded(ConnectorError):
    """The platform's API cannot make this post (an Instagram post without an image, a YouTube
    community post): nothing was sent; a person posts the text, which is ready, by hand."""


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

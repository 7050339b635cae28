"""Instagram (a professional account linked to a Facebook page) through the Graph API, with
python-facebook-api's GraphAPI like facebook.py: comments on the account's media, @mentions, direct
messages; answers as comment replies, mention replies and private messages.

Credentials: `access_token` (the page token of the linked page, granted instagram_basic,
instagram_manage_comments and, for direct messages, instagram_manage_messages), optionally
`app_secret` (appsecret_proof) and `page_id` (the linked page: direct messages are sent through it).
`account.platform_user_id` is the Instagram user id (IG User node).

What the API does not allow, and how SMC copes:
- @mentions in other people's comments and captions cannot be listed: each one comes as a `mentions`
  webhook with its ids, which the webhook view remembers (remember_mentions) and the next poll looks
  up (mentioned_comment / mentioned_media). A mention missed by the webhook is not found later.
- A post needs an image or video (POST /{ig-user-id}/media takes image_url, video_url): a text-only
  broadcast raises ManualPostNeeded. Stories likewise.
- Direct messages come only by webhook (Messenger Platform for Instagram), may be answered within 24
  hours of the citizen's last message, and comments on media older than LOOKBACK are not looked for.
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from pyfacebook import FacebookError, GraphAPI

import accounts.connectors.base as base
import accounts.connectors.facebook as facebook

from .base import (
    Batch,
    CannotLook,
    Code,
    ConnectorError,
    ContentProblem,
    InboundItem,
    ManualPostNeeded,
    PermanentError,
    SyncResult,
)
from .text import split_reply

PLATFORM = "instagram"
LABEL = base.INSTAGRAM
MEDIA_FIELDS = "id,caption,timestamp,permalink,comments_count"
_COMMENT = "id,text,timestamp,username,from{id,username},hidden"
COMMENT_FIELDS = f"{_COMMENT},parent_id,replies{{{_COMMENT}}}"
MENTIONED_COMMENT_FIELDS = "id,text,timestamp,username,from{id,username},media{id,permalink}"
MENTIONED_MEDIA_FIELDS = "id,caption,timestamp,permalink,username"
LOOKBACK = facebook.LOOKBACK  # comments on media older than this are no longer looked for
MAX_PAGES = 20
MAX_MENTIONS_PER_POLL = 200
MENTION_TTL = timedelta(days=7)
MISSING_ID_REASON = "형식 오류: id 없음"
MENTION_GONE_REASON = "멘션 삭제됨"
DM_PREFIX = "igdm:"
MENTION_PREFIX = "m:"

MANUAL_POST_REASON = _("인스타그램 API는 이미지나 영상 없이 글만 게시할 수 없습니다. 준비된 글을 담당자가 직접 "
                       "게시해야 합니다.")
REPLY_WINDOW_CLOSED = _("답변 가능 기간이 지났습니다: 인스타그램 메시지는 마지막 메시지 후 24시간 안에만 답할 수 "
                        "있습니다. 오류 코드 %(graph_code)s/%(subcode)s: %(detail)s")
CONTENT_REFUSED = _("%(platform)s 항목 없음 또는 거부, 오류 코드 %(graph_code)s/%(subcode)s: %(detail)s")
NOT_A_MESSAGE_ID = _("인스타그램 메시지 ID가 아닙니다: %(external_id)s")
MENTION_GONE = _("멘션이 더 이상 없습니다.")
CANNOT_LOOK = _("인스타그램 메시지와 멘션 답글은 검색할 수 없습니다. 담당자가 확인하세요.")

# Instagram's own codes on top of the Graph API's table (facebook.ERROR_CODES: the same envelope and
# codes, developers.facebook.com/docs/instagram-platform/.../error-codes and the Messenger Platform's
# error codes for Instagram messaging), each with what it means for SMC.
CONTENT = facebook.CONTENT
INSTAGRAM_CODES: dict[tuple[int, int], str] = {
    (10, 2534022): CONTENT,   # This message is sent outside of allowed window (24 hours)
    (100, 2534014): CONTENT,  # No matching user found: the person can no longer be messaged
    (551, 1545041): CONTENT,  # This person isn't available right now
}


def classify(code: int | None, subcode: int | None, message: str, response=None) -> ConnectorError:
    """The connector error for an Instagram Graph API error: its own codes, then the Graph API's."""
    if INSTAGRAM_CODES.get((code or 0, subcode or 0)) == CONTENT:
        if subcode == 2534022:
            return ContentProblem(REPLY_WINDOW_CLOSED, code=Code.REPLY_WINDOW_CLOSED,
                                  graph_code=code, subcode=subcode, detail=message)
        return ContentProblem(CONTENT_REFUSED, platform=LABEL, graph_code=code, subcode=subcode, detail=message)
    return facebook.classify(code, subcode, message, response, LABEL)


@contextmanager
def translate_errors(last) -> Iterator[None]:
    try:
        with facebook.translate_errors(last, LABEL):
            yield
    except ConnectorError as exc:
        cause = exc.__cause__
        if isinstance(cause, FacebookError):
            raise classify(getattr(cause, "code", None), getattr(cause, "error_subcode", None),
                           cause.message or "", last.response) from cause
        raise


def make_api(credentials: dict):
    token = credentials.get("access_token") or credentials.get("page_access_token")
    return facebook.make_api({"page_access_token": token, "app_secret": credentials.get("app_secret")})


def _parse_time(value: str | None, default: datetime) -> datetime:
    return facebook._parse_time(value, default)


def dm_external_id(sender_id: str, message_id: str) -> str:
    """A direct message's stored id: its sender (whom a private answer goes to) and a digest of its
    message id (Instagram's message ids run past the 100 characters an id is stored in)."""
    return f"{DM_PREFIX}{sender_id}:{hashlib.sha256(message_id.encode()).hexdigest()[:40]}"


def dm_sender(external_id: str) -> str:
    parts = str(external_id).split(":")
    if len(parts) != 3 or f"{parts[0]}:" != DM_PREFIX or not parts[1]:
        raise PermanentError(NOT_A_MESSAGE_ID, code=Code.NOT_A_MESSAGE_ID, external_id=external_id)
    return parts[1]


def mention_external_id(media_id: str, comment_id: str = "") -> str:
    """A mention's stored id: "m:<media>:<comment>" (a comment that mentions us) or "m:<media>" (a
    caption). Mentions are read and answered through our own IG User node, never by their ids alone."""
    return f"{MENTION_PREFIX}{media_id}:{comment_id}" if comment_id else f"{MENTION_PREFIX}{media_id}"


def split_mention(external_id: str) -> tuple[str, str]:
    media_id, _sep, comment_id = str(external_id)[len(MENTION_PREFIX):].partition(":")
    return media_id, comment_id


def split_cursor(cursor: str) -> tuple[str, int]:
    """The comments' time and the last mention taken of an account's cursor ("<time> m:<seq>")."""
    when, _sep, seq = (cursor or "").partition(" m:")
    try:
        return when.strip(), int(seq or 0)
    except ValueError:
        return when.strip(), 0


def join_cursor(when: str, seq: int) -> str:
    return f"{when} m:{seq}" if seq else when


# Mentions come only by webhook; they wait here (Redis) until a poll takes them, numbered so that
# the poll's cursor, saved with what it stored, says which were taken: nothing is lost between them.
def _seq_key(ig_user_id: str) -> str:
    return f"instagram:mention-seq:{ig_user_id}"


def _ref_key(ig_user_id: str, seq: int) -> str:
    return f"instagram:mention:{ig_user_id}:{seq}"


def remember_mentions(ig_user_id: str, refs: list[tuple[str, str]]) -> None:
    """Keep the (media id, comment id) of mentions a webhook named until the account's next poll."""
    for media_id, comment_id in refs:
        cache.add(_seq_key(ig_user_id), 0, timeout=None)
        seq = cache.incr(_seq_key(ig_user_id))
        cache.set(_ref_key(ig_user_id, seq), [media_id, comment_id], timeout=int(MENTION_TTL.total_seconds()))


def _pending_mentions(ig_user_id: str, taken: int) -> tuple[list[tuple[str, str]], int]:
    top = int(cache.get(_seq_key(ig_user_id)) or 0)
    if top < taken:  # the counter was lost (Redis emptied): start again, ingest dedupes
        taken = 0
    last = min(top, taken + MAX_MENTIONS_PER_POLL)
    keys = [_ref_key(ig_user_id, seq) for seq in range(taken + 1, last + 1)]
    found = cache.get_many(keys)
    return [(str(found[k][0]), str(found[k][1] or "")) for k in keys if k in found], last


def _pages(api: GraphAPI, object_id: str, connection: str, **params) -> Iterator[dict]:
    for body in facebook._pages(api, object_id, connection, **params):
        yield body
        if len(body["data"]) == 0:
            return


def _comparable(text: str) -> str:
    return " ".join(text.split())[:60]


class InstagramConnector:
    platform = PLATFORM
    # sync(): recent comments, one Graph call each (as Facebook).
    sync_window = LOOKBACK
    sync_batch = 20

    def __init__(self, api_factory=make_api):
        self._api_factory = api_factory

    def _api(self, account):
        if not account.platform_user_id:
            raise PermanentError(base.NO_PLATFORM_USER_ID, code=Code.NO_PLATFORM_USER_ID, platform=LABEL)
        return self._api_factory(account.credentials or {})

    def fetch(self, account, cursor: str) -> Batch:
        api, last = self._api(account)
        ig_user = str(account.platform_user_id)
        fetched_at = datetime.now(UTC)
        when, taken = split_cursor(cursor)
        seen_until = _parse_time(when, fetched_at) if when else None
        window_start = (seen_until or fetched_at) - LOOKBACK
        items: dict[str, InboundItem] = {}
        skipped: dict[str, int] = {}

        def skip(reason: str) -> None:
            skipped[reason] = skipped.get(reason, 0) + 1

        def is_own(comment: dict) -> bool:
            author = comment.get("from") or {}
            if author.get("id"):
                return str(author["id"]) == ig_user
            return bool(comment.get("username")) and comment.get("username") == account.handle

        def take(comment: object, media: dict, parent_id: str) -> None:
            if not isinstance(comment, dict) or not comment.get("id"):
                skip(MISSING_ID_REASON)  # cannot be answered or looked up again: counted, not stored
                return
            posted = _parse_time(comment.get("timestamp"), fetched_at)
            if is_own(comment) or (seen_until is not None and posted < seen_until):
                return
            items[str(comment["id"])] = _comment_item(comment, media, parent_id, posted,
                                                      "reply" if parent_id else "comment")

        with translate_errors(last):
            for body in _pages(api, ig_user, "media", fields=MEDIA_FIELDS, limit=50):
                reached_old = False
                for media in body["data"]:
                    if not isinstance(media, dict) or not media.get("id"):
                        skip(MISSING_ID_REASON)
                        continue
                    if _parse_time(media.get("timestamp"), fetched_at) < window_start:
                        reached_old = True  # newest first: the rest are older
                        break
                    if media.get("comments_count") == 0:
                        continue
                    for page in _pages(api, str(media["id"]), "comments", fields=COMMENT_FIELDS, limit=50):
                        for comment in page["data"]:
                            take(comment, media, "")
                            replies = (comment.get("replies") or {}) if isinstance(comment, dict) else {}
                            for reply in replies.get("data") or []:
                                take(reply, media, str(comment.get("id") or ""))
                            if (replies.get("paging") or {}).get("next") and comment.get("id"):
                                for more in _pages(api, str(comment["id"]), "replies", fields=_COMMENT, limit=50):
                                    for reply in more["data"]:
                                        take(reply, media, str(comment["id"]))
                if reached_old:
                    break
            refs, taken = _pending_mentions(ig_user, taken)
            for media_id, comment_id in refs:
                item = self._mention(api, last, ig_user, media_id, comment_id, fetched_at)
                if item is None:
                    skip(MENTION_GONE_REASON)
                elif item.author_id != ig_user:
                    items[item.external_id] = item
        ordered = sorted(items.values(), key=lambda item: (item.posted_at, item.external_id))
        comments = [item.posted_at for item in ordered if not item.external_id.startswith(MENTION_PREFIX)]
        newest = max(comments, default=None)
        when = newest.astimezone(UTC).isoformat() if newest else when
        return Batch(items=ordered, next_cursor=join_cursor(when, taken), skipped=skipped)

    def _mention(self, api: GraphAPI, last, ig_user: str, media_id: str, comment_id: str,
                 fetched_at: datetime) -> InboundItem | None:
        """One mention a webhook named, read through our IG User node (a mention's comment cannot be
        read by its own id); None when it is gone (deleted, or its account made private)."""
        try:
            with translate_errors(last):
                if comment_id:
                    body = api.get_object(object_id=ig_user, fields=(
                        f"mentioned_comment.comment_id({comment_id}){{{MENTIONED_COMMENT_FIELDS}}}"))
                    found = body.get("mentioned_comment") if isinstance(body, dict) else None
                else:
                    body = api.get_object(object_id=ig_user, fields=(
                        f"mentioned_media.media_id({media_id}){{{MENTIONED_MEDIA_FIELDS}}}"))
                    found = body.get("mentioned_media") if isinstance(body, dict) else None
        except ContentProblem:
            return None
        if not isinstance(found, dict) or not found.get("id"):
            return None
        media = found.get("media") if comment_id else found
        media = media if isinstance(media, dict) else {"id": media_id}
        author = found.get("from") or {}
        return InboundItem(
            platform=PLATFORM, external_id=mention_external_id(media_id, comment_id),
            text=(found.get("text") if comment_id else found.get("caption")) or "",
            posted_at=_parse_time(found.get("timestamp"), fetched_at),
            author_id=str(author.get("id") or ""), author_handle=author.get("username") or found.get("username") or "",
            url=media.get("permalink") or "", conversation_id=str(media_id), kind="mention", raw=found,
        )

    def sync(self, account, external_ids: list[str]) -> SyncResult:
        """Read each stored comment again: gone ones answer (#100) subcode 33, hidden ones `hidden`;
        a mention is read through our IG User node, and is gone when it no longer comes back."""
        api, last = self._api(account)
        ig_user = str(account.platform_user_id)
        result = SyncResult()
        for external_id in map(str, external_ids):
            try:
                with translate_errors(last):
                    if external_id.startswith(MENTION_PREFIX):
                        media_id, comment_id = split_mention(external_id)
                        edge, key, fields = (("mentioned_comment", "comment_id", "id,text") if comment_id
                                             else ("mentioned_media", "media_id", "id,caption"))
                        body = api.get_object(object_id=ig_user,
                                              fields=f"{edge}.{key}({comment_id or media_id}){{{fields}}}")
                        body = body.get(edge) if isinstance(body, dict) else None
                        if not isinstance(body, dict) or not body.get("id"):
                            raise ContentProblem(MENTION_GONE)
                        text = body.get("text") if comment_id else body.get("caption")
                    else:
                        body = api.get_object(object_id=external_id, fields="id,text,hidden")
                        text = body.get("text") if isinstance(body, dict) else None
            except ContentProblem:
                result.deleted.append(external_id)
                continue
            if isinstance(body, dict) and body.get("hidden"):
                result.withheld.append(external_id)
            elif text is not None:
                result.edited[external_id] = text
            else:
                result.unchanged.append(external_id)
        return result

    def reply(self, account, to_external_id: str, text: str, private: bool = False) -> str:
        to_external_id = str(to_external_id)
        if private or to_external_id.startswith(DM_PREFIX):
            return self._send_message(account, to_external_id, text)
        parts = split_reply(PLATFORM, text)
        if not parts:
            raise PermanentError(base.EMPTY_REPLY, code=Code.EMPTY_TEXT)
        api, last = self._api(account)
        ids = []
        with translate_errors(last):
            for part in parts:
                if to_external_id.startswith(MENTION_PREFIX):
                    # A mention in someone else's media is answered through POST /{ig-user-id}/mentions.
                    media_id, comment_id = split_mention(to_external_id)
                    data = {"media_id": media_id, "message": part, **({"comment_id": comment_id} if comment_id else {})}
                    body = api.post_object(object_id=str(account.platform_user_id), connection="mentions", data=data)
                else:
                    body = api.post_object(object_id=to_external_id, connection="replies", data={"message": part})
                ids.append(str(body["id"]))
        return ids[0]

    def _send_message(self, account, to_external_id: str, text: str) -> str:
        """A private answer through the linked page's Send API (Messenger Platform for Instagram)."""
        if not text.strip():
            raise PermanentError(base.EMPTY_MESSAGE, code=Code.EMPTY_TEXT)
        recipient = dm_sender(to_external_id)
        api, last = self._api(account)
        page = str((account.credentials or {}).get("page_id") or "me")
        with translate_errors(last):
            body = api.post_object(object_id=page, connection="messages", data={
                "recipient": json.dumps({"id": recipient}), "message": json.dumps({"text": text[:1000]}),
                "messaging_type": "RESPONSE"})
            return dm_external_id(str(account.platform_user_id), str(body["message_id"]))

    def post(self, account, text: str) -> str:
        raise ManualPostNeeded(MANUAL_POST_REASON)

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        to_external_id = str(to_external_id)
        if to_external_id.startswith((DM_PREFIX, MENTION_PREFIX)):
            raise CannotLook(CANNOT_LOOK)
        parts = split_reply(PLATFORM, text)
        if not parts:
            return None
        wanted = _comparable(parts[0])
        api, last = self._api(account)
        ig_user = str(account.platform_user_id)
        with translate_errors(last):
            for body in _pages(api, to_external_id, "replies", fields=_COMMENT, limit=50):
                for reply in body["data"]:
                    author = str((reply.get("from") or {}).get("id") or "")
                    own = author == ig_user if author else reply.get("username") == account.handle
                    if own and _comparable(reply.get("text") or "").startswith(wanted):
                        return str(reply["id"])
        return None

    def find_post(self, account, marker: str) -> str | None:
        return None  # post() never sends anything, so no earlier attempt can be there


def _comment_item(comment: dict, media: dict, parent_id: str, posted: datetime, kind: str) -> InboundItem:
    author = comment.get("from") or {}
    media_id = str(media.get("id") or "")
    return InboundItem(
        platform=PLATFORM, external_id=str(comment["id"]), text=comment.get("text") or "", posted_at=posted,
        author_id=str(author.get("id") or ""), author_handle=author.get("username") or comment.get("username") or "",
        url=media.get("permalink") or "", conversation_id=media_id, parent_id=parent_id or media_id, kind=kind,
        raw=comment, withheld=bool(comment.get("hidden")),
    )


@dataclass
class Delivery:
    """What one `instagram` webhook delivery brings, by Instagram user id (entry id)."""
    comments: dict[str, list[InboundItem]] = field(default_factory=dict)
    messages: dict[str, list[InboundItem]] = field(default_factory=dict)
    mentions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    unsent: dict[str, list[str]] = field(default_factory=dict)  # messages their sender took back

    @property
    def user_ids(self) -> list[str]:
        return sorted({*self.comments, *self.messages, *self.mentions, *self.unsent})


def read_webhook(payload: dict) -> Delivery:
    """The `comments` and `mentions` changes and the `messaging` events of a delivery whose object is
    "instagram". Malformed entries are left out (the poll reads comments again; a mention or message
    with no id cannot be answered)."""
    delivery = Delivery()
    if not isinstance(payload, dict) or payload.get("object") != "instagram":
        return delivery
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        user = str(entry["id"])
        try:
            at = datetime.fromtimestamp(int(entry.get("time")), UTC)
        except (TypeError, ValueError, OverflowError):
            at = datetime.now(UTC)
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            if change.get("field") == "mentions" and value.get("media_id"):
                delivery.mentions.setdefault(user, []).append(
                    (str(value["media_id"]), str(value.get("comment_id") or "")))
            elif change.get("field") == "comments" and value.get("id"):
                author = value.get("from") or {}
                if str(author.get("id") or "") == user:
                    continue  # our own replies
                media = value.get("media") or {}
                parent = str(value.get("parent_id") or "")
                delivery.comments.setdefault(user, []).append(_comment_item(
                    {"id": value["id"], "text": value.get("text"), "from": author},
                    {"id": media.get("id")}, parent, at, "reply" if parent else "comment"))
        for event in entry.get("messaging") or []:
            message = event.get("message") if isinstance(event, dict) else None
            sender = str(((event or {}).get("sender") or {}).get("id") or "") if isinstance(event, dict) else ""
            if not isinstance(message, dict) or not message.get("mid") or message.get("is_echo"):
                continue
            if not sender or sender == user:
                continue
            external_id = dm_external_id(sender, str(message["mid"]))
            if message.get("is_deleted"):
                delivery.unsent.setdefault(user, []).append(external_id)
                continue
            try:
                posted = datetime.fromtimestamp(int(event.get("timestamp")) / 1000, UTC)
            except (TypeError, ValueError, OverflowError):
                posted = at
            text = message.get("text") or ("[첨부 파일]" if message.get("attachments") else "")
            delivery.messages.setdefault(user, []).append(InboundItem(
                platform=PLATFORM, external_id=external_id, text=text, posted_at=posted, author_id=sender,
                conversation_id=sender, kind="direct", raw=event))
    return delivery

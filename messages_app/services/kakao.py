"""KakaoTalk channel chats: what the skill endpoint (messages_app.kakao) does with one request.

A citizen's utterance is stored once as a private message (kind direct) through the same ingest as
every platform (classified, routed, deadline), and answered in the skill response with its 접수번호
and a signed link to follow it (a private message has no public page). "답변 확인" answers with the
latest question's status or answer; "새 질문" asks for the question.

Exactly once: the skill payload carries no request id (userRequest.block is the block, the same for
every chat), and the Open Builder sends a request again when the skill does not answer in time. The
first arrival of (bot, user, utterance) claims a digest in Redis for RETRY_WINDOW; a request with
the same words from the same user within the window gets the same external id, so ingest's
ON CONFLICT stores it once and the retry is answered with the same 접수번호. The same words sent again
after the window are a new question.
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.connectors import kakao
from accounts.connectors.base import InboundItem
from accounts.models import Account, Platform

from ..errors import Code, SkillError
from ..models import Kind, Message, Status
from . import ingest

RETRY_WINDOW_SECONDS = 120  # longer than the Open Builder's retries of one request
MAX_UTTERANCE = 4000  # characters stored from one chat message; a longer one is refused, not cut
STATUS_SALT = "messages_app.kakao.status"
STATUS_LINK_MAX_AGE = timedelta(days=365)


class UtteranceTooLong(SkillError):
    """Refused, not cut: the citizen still has the whole text in the chat and is asked to split it."""

    code = Code.TOO_LARGE
    message = gettext_lazy("질문이 너무 깁니다. %(limit)s자 이하로 나누어 보내 주세요.")


@dataclass(frozen=True)
class Reply:
    texts: list[str]
    message_id: int | None = None
    stored: bool = False  # a new row (False for a retry, "답변 확인" and "새 질문")

    def as_skill_response(self) -> dict:
        return kakao.skill_response(*self.texts)


def verify(account: Account, provided_secret: str | None, request: kakao.SkillRequest | None = None) -> None:
    """The request comes from the bot this account is configured with: its secret (constant time)
    and, once the payload is read, its bot id."""
    credentials = account.credentials or {}
    if not kakao.secret_matches(provided_secret, credentials.get("skill_secret")):
        raise SkillError(gettext_lazy("스킬 인증에 실패했습니다."), code=Code.FORBIDDEN)
    if request is not None and not kakao.secret_matches(request.bot_id, credentials.get("bot_id")):
        raise SkillError(gettext_lazy("이 계정에 등록된 챗봇이 아닙니다."), code=Code.FORBIDDEN)


def handle(account: Account, payload: dict, request: kakao.SkillRequest) -> Reply:
    words = " ".join(request.utterance.split())
    if words == kakao.QUICK_REPLY_STATUS:
        return Reply(status_texts(account, request.user_key))
    if words == kakao.QUICK_REPLY_NEW or not words:
        return Reply([_("궁금하신 점이나 불편하신 점을 한 번에 적어 보내 주세요. 담당 부서가 확인해 답변드립니다.")])
    text = ingest.clean_text(request.utterance).strip()
    if len(text) > MAX_UTTERANCE:
        raise UtteranceTooLong(limit=f"{MAX_UTTERANCE:,}")
    message, stored = store(account, payload, request, text)
    return Reply(receipt_texts(message), message.pk, stored)


def store(account: Account, payload: dict, request: kakao.SkillRequest, text: str) -> tuple[Message, bool]:
    external_id = kakao.skill_external_id(request.user_key, _claim_digest(account, request))
    item = InboundItem(
        platform=Platform.KAKAO, external_id=external_id, text=text, posted_at=timezone.now(),
        author_id=request.user_key, conversation_id=request.user_key, kind=Kind.DIRECT,
        raw=payload, is_simulated=bool(payload.get("simulated")),
    )
    with transaction.atomic():
        new_ids = ingest.insert_items(account.pk, [item], is_private=True)
    message = Message.objects.select_related("division").get(platform=Platform.KAKAO, external_id=external_id)
    return message, bool(new_ids)


def _claim_digest(account: Account, request: kakao.SkillRequest) -> str:
    """The request's digest: the first arrival's, for a retry within the window."""
    words = hashlib.sha256(request.utterance.encode("utf-8", "replace")).hexdigest()[:32]
    key = f"kakao:request:{account.pk}:{request.bot_id}:{request.user_key}:{words}"
    digest = kakao.request_digest(request.bot_id, request.user_key, request.utterance, int(time.time()))
    if cache.add(key, digest, timeout=RETRY_WINDOW_SECONDS):
        return digest
    return cache.get(key) or digest


# --- what the citizen reads ---------------------------------------------------------------------

def status_token(message: Message) -> str:
    return signing.dumps(message.pk, salt=STATUS_SALT)


def message_of_token(token: str) -> Message:
    """The Kakao message a status link names (Message.DoesNotExist for a bad or expired link)."""
    try:
        pk = signing.loads(token, salt=STATUS_SALT, max_age=STATUS_LINK_MAX_AGE)
    except signing.BadSignature:
        raise Message.DoesNotExist from None
    return Message.objects.select_related("division", "answer__division").get(pk=pk, platform=Platform.KAKAO)


def status_link(message: Message) -> str:
    return settings.SMC_SITE_URL + reverse("kakao_status", args=[status_token(message)])


def receipt_texts(message: Message) -> list[str]:
    lines = [_("질문을 접수했습니다. 접수번호는 %(number)s번입니다.") % {"number": message.pk}]
    if message.division is not None:
        lines.append(_("담당 부서: %(division)s") % {"division": message.division.name_ko})
    if message.due_at:
        lines.append(_("처리 기한: %(due)s") % {"due": timezone.localtime(message.due_at).strftime("%Y-%m-%d %H:%M")})
    lines.append(_("답변이 등록되면 이 대화방으로 알려 드립니다. '답변 확인'을 누르면 언제든 볼 수 있습니다."))
    lines.append(_("진행 상황: %(link)s") % {"link": status_link(message)})
    return ["\n".join(lines)]


def latest_message(account: Account, user_key: str) -> Message | None:
    return (Message.objects.filter(account=account, platform=Platform.KAKAO, author_external_id=user_key)
            .exclude(status=Status.SPAM).select_related("division", "answer__division")
            .order_by("-posted_at", "-pk").first())


def status_texts(account: Account, user_key: str) -> list[str]:
    """"답변 확인": the latest question's answer, or where it stands (the answer is also what a failed
    or unconfigured Event API delivery leaves for the citizen to read here)."""
    message = latest_message(account, user_key)
    if message is None:
        return [_("아직 보내신 질문이 없습니다. 궁금하신 점을 적어 보내 주세요.")]
    answer = getattr(message, "answer", None)
    head = _("접수번호 %(number)s번: %(status)s") % {"number": message.pk, "status": message.get_status_display()}
    link = _("진행 상황: %(link)s") % {"link": status_link(message)}
    if answer is not None:
        said = _("서울시 답변 (%(division)s)\n%(text)s") % {"division": answer.division.name_ko, "text": answer.text}
        return [head, said, link]
    if message.division is not None:
        head += "\n" + _("담당 부서: %(division)s") % {"division": message.division.name_ko}
    if message.due_at:
        head += "\n" + _("처리 기한: %(due)s") % {"due": timezone.localtime(message.due_at).strftime("%Y-%m-%d %H:%M")}
    return [head, link]


# --- broadcast audience ---------------------------------------------------------------------------

def audience(account: Account) -> list[str]:
    """The users a broadcast on the channel goes to: everyone who wrote to it within
    SMC_KAKAO_AUDIENCE_DAYS, except those whose latest request said they are no longer the channel's
    friend (`isFriend: false`; the Event API reaches only the channel's friends). Newest first."""
    since = timezone.now() - timedelta(days=settings.SMC_KAKAO_AUDIENCE_DAYS)
    rows = (Message.objects.filter(account_id=account.pk, platform=Platform.KAKAO, posted_at__gte=since)
            .exclude(author_external_id="")
            .order_by("author_external_id", "-posted_at")
            .distinct("author_external_id")
            .values_list("author_external_id", "posted_at", "raw__userRequest__user__properties__isFriend"))
    friends = [(posted, user) for user, posted, is_friend in rows if is_friend is not False]
    return [user for _, user in sorted(friends, reverse=True)]


# --- the demo simulator (make run) -----------------------------------------------------------------

def simulated_payload(account: Account, item: InboundItem) -> dict:
    """A skill payload in the Open Builder's shape for a simulated citizen's chat, marked simulated."""
    return {
        "simulated": True,
        "intent": {"id": "sim-fallback", "name": "폴백 블록"},
        "userRequest": {
            "timezone": "Asia/Seoul", "params": {"surface": "Kakaotalk.plusfriend"},
            "block": {"id": "sim-fallback", "name": "폴백 블록"}, "utterance": item.text, "lang": "ko",
            "user": {"id": item.author_id, "type": "botUserKey",
                     "properties": {"botUserKey": item.author_id, "isFriend": True}},
        },
        "bot": {"id": (account.credentials or {}).get("bot_id") or "sim-bot", "name": account.display_name},
        "action": {"name": "smc_skill", "id": "sim-skill", "params": {}, "detailParams": {}, "clientExtra": {}},
    }


def simulate(account: Account) -> list[int]:
    """DEMO ONLY (SMC_SIMULATE, an account without credentials): simulated citizens chat with the
    channel at the simulator's rate, through the skill's own handling (stored, routed, answered with
    a 접수번호). The account is never polled, so its poll cursor keeps the simulator's place."""
    from accounts.connectors.simulator import SimulatorConnector

    if not settings.SMC_SIMULATE or account.has_credentials or account.platform != Platform.KAKAO:
        return []
    batch = SimulatorConnector().fetch(account, account.poll_cursor)
    stored = []
    for item in batch.items:
        payload = simulated_payload(account, item)
        reply = handle(account, payload, kakao.parse_skill(payload))
        if reply.stored and reply.message_id:
            stored.append(reply.message_id)
    Account.objects.filter(pk=account.pk).update(poll_cursor=batch.next_cursor)
    account.poll_cursor = batch.next_cursor
    return stored


def simulate_all() -> int:
    accounts = Account.objects.filter(platform=Platform.KAKAO, status="active", credentials_encrypted="")
    return sum(len(simulate(account)) for account in accounts)

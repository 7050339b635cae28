"""Answers go back to the platform: one outbound posting per part (outbound/ posts it, never twice).

The answer, its postings and the ANSWERED transition are one transaction; the first part is queued
when it commits, each later part when the one before it is posted.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import connectors
from accounts.connectors import facebook
from accounts.models import Platform
from departments.models import Division
from outbound import services as outbound
from outbound.models import Posting
from textkit.textclean import sanitize_text
from users.models import User

from ..errors import AlreadyAnswered, Code, HandlingError
from ..models import Answer, Kind, Message, Outbox, Status
from . import search, workflow

ANSWERABLE = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)
# Channels where the answer is given by phone/letter or only on the portal: nothing to post.
NO_OUTBOX_PLATFORMS = {Platform.PHONE, Platform.WEB}


def create_answer(message: Message, author: User, text: str, division: Division | None = None) -> Answer:
    """Answer + outbox rows + ANSWERED transition in one transaction; publishing starts on commit.

    The one check-and-lock for answering: the message row is locked, then an answer already there
    or a status that cannot be answered is refused. `division` defaults to the message's own (as
    it is under the lock)."""
    text = sanitize_text(text).strip()
    if not text:
        raise HandlingError(_("답변을 입력해 주세요."))
    if closed := reply_window_closed(message):
        raise HandlingError(closed, code=Code.REPLY_WINDOW_CLOSED)
    try:
        with transaction.atomic():
            locked = Message.objects.select_for_update(of=("self",)).select_related("division").get(pk=message.pk)
            if Answer.objects.filter(message=locked).exists():
                raise AlreadyAnswered()
            if locked.status not in ANSWERABLE:
                raise workflow.InvalidTransition(locked.status, Status.ANSWERED)
            division = division or locked.division
            # A None division breaks the NOT NULL constraint: an IntegrityError, as before typing.
            answer = Answer.objects.create(message=locked, author=author, text=text,
                                           division=division)  # type: ignore[misc]
            rows = _outbox_rows(locked, answer)
            if locked.status == Status.RECEIVED:
                # Unrouted (desk queue): the answering division takes it first, so the timeline says who.
                workflow.transition(locked, Status.ASSIGNED, actor=author, division=division,
                                    note="답변 부서로 배정")
            workflow.transition(locked, Status.ANSWERED, actor=author, division=division)
            search.index_answers([answer.pk])  # the portal searches answers too
            if rows:
                first = rows[0].posting_id
                # The sweeper covers a broker hiccup.
                transaction.on_commit(lambda: outbound.queue([first]), robust=True)
    except IntegrityError as exc:
        # Two staff saving at once: the OneToOne constraint stops the second; nothing of it is kept.
        if "message_id" in str(exc) or "answer" in str(exc):
            raise AlreadyAnswered() from exc
        raise
    message.status, message.division = locked.status, locked.division
    return answer


def reply_window_closed(message: Message, now: datetime | None = None) -> str:
    """Why a direct message can no longer be answered on its platform, or "" (Messenger: 24 hours
    from the person's last message in the conversation, 7 days with the HUMAN_AGENT tag when the
    page's app has it; the same rule the send applies). Staff are told before they write."""
    if message.kind != Kind.DIRECT or message.platform != Platform.FACEBOOK or message.account is None:
        return ""
    human_agent = bool((message.account.credentials or {}).get("human_agent"))
    terms = facebook.messenger_reply_terms(last_inbound_at(message), now or timezone.now(), human_agent)
    return "" if terms is not None else str(facebook.REPLY_WINDOW_CLOSED)


def last_inbound_at(message: Message) -> datetime:
    """When the person last wrote in this message's conversation (a later message reopens it)."""
    if not message.conversation_id:
        return message.posted_at
    latest = (Message.objects.filter(platform=message.platform, account=message.account, kind=Kind.DIRECT,
                                     conversation_id=message.conversation_id)
              .aggregate(latest=Max("posted_at"))["latest"])
    return max(message.posted_at, latest or message.posted_at)


def _outbox_rows(message: Message, answer: Answer) -> list[Outbox]:
    if message.platform in NO_OUTBOX_PLATFORMS or message.account_id is None:
        return []
    if message.kind == Kind.DIRECT:
        # A direct message is answered privately, in one message, to the person who wrote it.
        private = outbound.create([Posting(kind=Posting.Kind.ANSWER, account_id=message.account_id,
                                           text=answer.text, reply_to=message.external_id, private=True)])
        return Outbox.objects.bulk_create(Outbox(answer=answer, posting=posting) for posting in private)
    parts = connectors.split_reply(message.platform, answer.text) or [answer.text]
    # Every part answers the citizen's message; on X a later part answers the part before it
    # (its id is only known once that is posted), so the thread reads in order.
    postings = outbound.create_thread(Posting.Kind.ANSWER, message.account_id, message.external_id, parts,
                                      threaded=message.platform == Platform.X)
    return Outbox.objects.bulk_create(Outbox(answer=answer, posting=posting) for posting in postings)


def requeue(outbox_ids: Iterable[int]) -> int:
    """Staff: post failed parts again (one whose last attempt may have gone through is looked for on
    the platform first)."""
    posting_ids = Outbox.objects.filter(pk__in=list(outbox_ids)).values_list("posting_id", flat=True)
    return len(outbound.requeue(posting_ids))


def confirm_not_posted(outbox_ids: Iterable[int]) -> int:
    """Staff looked on the platform: the interrupted part is not there, so post it again."""
    posting_ids = Outbox.objects.filter(pk__in=list(outbox_ids)).values_list("posting_id", flat=True)
    return len(outbound.confirm_not_posted(posting_ids))



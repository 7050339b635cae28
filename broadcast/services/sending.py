"""Sending a broadcast: one Delivery per account, each an outbound posting (outbound/ posts it once, on
the broadcast queue, in parallel), the broadcast sent once none is open, failed ones sent again.

What goes out is decided here, when the deliveries are created in the approval's transaction: the
platform's text (the Facebook text of an Update/Cancel links the account's own original post), on X
a reply under the original post, the alert's identifier to look for before a retry, and the
simulator only for an Exercise or Test.
"""

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.connectors import kakao
from accounts.models import Account, Platform
from outbound import services as outbound
from outbound.models import Posting
from users.models import User

from .. import selectors, texts
from ..errors import BroadcastError, Code
from ..models import Broadcast, Delivery, Step
from .permissions import can_approve, can_draft


def create_deliveries(broadcast: Broadcast) -> list[int]:
    """One delivery (and its posting) per account SMC operates, in the caller's transaction; returns
    the postings' ids to queue on commit."""
    accounts = list(selectors.postable_accounts().order_by("pk"))
    originals: dict[int, str] = {}
    if broadcast.references_id:
        # On X an Update/Cancel answers the account's own original post, so it reads in context;
        # on Facebook it links to it.
        originals = dict(Delivery.objects.filter(broadcast_id=broadcast.references_id,
                                                 posting__state=Posting.State.POSTED)
                         .values_list("account_id", "posting__external_id"))
    postings = outbound.create([
        Posting(kind=Posting.Kind.BROADCAST, account=a, text=_text_for(broadcast, a, originals.get(a.pk, "")),
                reply_to=originals.get(a.pk, "") if a.platform == Platform.X else "",
                marker=broadcast.identifier, simulated=broadcast.is_exercise)
        for a in accounts
    ])
    Delivery.objects.bulk_create(
        Delivery(broadcast=broadcast, account=a, followers=a.follower_count, posting=p)
        for a, p in zip(accounts, postings, strict=True)
    )
    return [p.pk for p in postings]


def _text_for(broadcast: Broadcast, account: Account, original_id: str) -> str:
    if account.platform == Platform.X:
        return broadcast.x_text or texts.x_text(broadcast)
    text = broadcast.facebook_text or texts.facebook_text(broadcast)
    if original_id:
        text = texts.facebook_followup(text, texts.facebook_permalink(original_id))
    return text


def queue(posting_ids: list[int]) -> None:
    outbound.queue(posting_ids)


def complete_if_done(broadcast_id: int) -> bool:
    """Sending → sent once no delivery is open (each finisher commits before it looks)."""
    if Delivery.objects.filter(broadcast_id=broadcast_id, posting__state__in=Posting.OPEN_STATES).exists():
        return False
    with transaction.atomic():
        done = Broadcast.objects.filter(pk=broadcast_id, state=Broadcast.State.SENDING).update(
            state=Broadcast.State.SENT, completed_at=timezone.now())
        if done:
            p = selectors.progress(broadcast_id)
            Step.objects.create(broadcast_id=broadcast_id, action=Step.Action.SENT,
                                note=f"{selectors.reach_phrase(p)} (실패 {p['failed']}개)")
    return bool(done)


def record_reach(posting_id: int) -> None:
    """A KakaoTalk channel reaches the users the Event API accepted, not the channel's friends: its
    delivery's reach becomes that count once posted (the connector's id carries it)."""
    row = (Delivery.objects.filter(posting_id=posting_id, account__platform=Platform.KAKAO,
                                   posting__state=Posting.State.POSTED)
           .values_list("pk", "posting__external_id").first())
    if row is not None:
        sent = kakao.broadcast_reach(row[1])
        if sent is not None:
            Delivery.objects.filter(pk=row[0]).update(followers=sent)


@receiver(outbound.posting_settled, dispatch_uid="broadcast.complete_if_done")
def _posting_settled(sender: Any, posting_id: int, **kwargs: Any) -> None:
    broadcast_id = Delivery.objects.filter(posting_id=posting_id).values_list("broadcast_id", flat=True).first()
    if broadcast_id is not None:
        record_reach(posting_id)
        complete_if_done(broadcast_id)


def retry_failed(broadcast: Broadcast, user: User) -> int:
    """Staff: send the failed deliveries again (an uncertain one is looked for on the platform first)."""
    if not (can_draft(user) or can_approve(user)):
        raise BroadcastError(_("재발신 권한이 없습니다."), code=Code.FORBIDDEN)
    with transaction.atomic():
        locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if not locked.is_sent:
            raise BroadcastError(_("발신된 긴급메시지가 아닙니다."), code=Code.INVALID_STATE)
        # A retry posts the text again without a second person: only while this message is the chain's
        # live head (a Cancel that is the head may be retried: it is what ends the alert).
        refusal = selectors.chain_refusal(locked, cancel_ok=True)
        if refusal is None:
            ids = outbound.requeue(locked.deliveries.values_list("posting_id", flat=True))
            if ids:
                Broadcast.objects.filter(pk=locked.pk).update(state=Broadcast.State.SENDING, completed_at=None)
                Step.objects.create(broadcast=locked, action=Step.Action.RETRY, actor=user,
                                    note=f"실패 {len(ids)}건 재발신")
            return len(ids)
    Step.objects.create(broadcast=broadcast, action=Step.Action.REFUSED, actor=user, note=refusal.message_ko)
    raise refusal

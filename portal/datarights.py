"""A citizen's rights over their data (PIPA Art. 35–36): download it all, or leave.

Leaving erases what identifies the citizen and keeps what the public record needs: their public
questions and the city's answers stay (the author shown as "탈퇴한 시민"), comments stay under that
name, likes and ratings stay as counts. The user row stays, emptied and unusable, so no counter and
no foreign key moves. Both acts are written to the audit log.
"""

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from messages_app.models import AuditEntry
from textkit.masking import mask_text
from users import access
from users.models import User

from . import selectors
from .models import Comment, ConsentRecord, Like, Notification, Rating

WITHDRAWN = "탈퇴한 시민"


def _time(value):
    return value.isoformat() if value else None


def export(user: User) -> dict:
    """Everything the portal holds about `user`, as JSON-ready data; audited."""
    questions = selectors.my_messages(user).select_related("answer")
    data = {
        "format": "smc-citizen-data/1",
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "email": user.email, "nickname": user.nickname, "joined_at": _time(user.date_joined),
            "last_login": _time(user.last_login), "notify_by_email": user.notify_by_email,
            "phone": user.phone,
        },
        "questions": [{
            "id": m.pk, "text": m.text, "platform": m.platform, "status": m.status,
            "division": m.division.name_ko if m.division else None, "posted_at": _time(m.posted_at),
            "due_at": _time(m.due_at),
            "answer": ({"text": m.answer.text, "at": _time(m.answer.created_at)}
                       if hasattr(m, "answer") else None),
        } for m in questions],
        "comments": [{"id": c.pk, "question": c.message_id, "text": c.text, "at": _time(c.created_at),
                      "deleted": c.is_deleted}
                     for c in Comment.objects.filter(user=user).order_by("pk")],
        "likes": [{"question": like.message_id, "answer_of_question": like.answer.message_id if like.answer else None,
                   "at": _time(like.created_at)}
                  for like in Like.objects.filter(user=user).select_related("answer").order_by("pk")],
        "ratings": [{"question": r.message_id, "score": r.score, "remark": r.remark, "at": _time(r.created_at)}
                    for r in Rating.objects.filter(user=user).order_by("pk")],
        "consents": [{"item": c.key, "required": c.required, "agreed": c.agreed, "version": c.version,
                      "question": c.message_id, "at": _time(c.created_at)}
                     for c in ConsentRecord.objects.filter(user=user).order_by("pk")],
        "notifications": [{"question": n.message_id, "event": n.event, "channel": n.channel,
                           "at": _time(n.created_at)}
                          for n in Notification.objects.filter(user=user).order_by("pk")],
    }
    AuditEntry.objects.create(actor=user, action="citizen_data_export",
                              detail=f"시민 #{user.pk} 개인정보 내려받기")
    return data


def anonymise_messages(messages, *, shown_as: str = WITHDRAWN) -> int:
    """Strip who wrote these messages: names, handles, platform ids, the raw record; the text keeps
    what masking leaves. Returns how many rows changed."""
    n = 0
    for m in messages:
        m.text = mask_text(m.text, names=[m.author_name] if m.author_name else ())
        m.author_name, m.author_handle, m.author_external_id = shown_as, "", ""
        m.raw, m.citizen = {}, None
        m.save(update_fields=["text", "author_name", "author_handle", "author_external_id", "raw", "citizen",
                              "updated_at"])
        n += 1
    return n


@transaction.atomic
def delete_account(user: User) -> None:
    """Erase the citizen's personal data; keep the public record and every count (see module doc)."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    pk = user.pk
    questions = list(selectors.my_messages(user).select_for_update(of=("self",)))
    anonymise_messages(questions)
    Rating.objects.filter(user=user).update(user=None)
    for rating in Rating.objects.filter(message__in=questions).exclude(remark=""):
        rating.remark = mask_text(rating.remark)
        rating.save(update_fields=["remark"])
    Notification.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    User.objects.filter(pk=pk).update(
        username=f"withdrawn-{pk}", email="", first_name="", last_name="", display_name=WITHDRAWN,
        nickname=None, phone="", notify_by_email=False, unread_notices=0, is_active=False,
        password=make_password(None))
    access.row_updated(user)
    AuditEntry.objects.create(actor=user, action="citizen_account_deleted",
                              detail=f"시민 #{pk} 탈퇴: 질문 {len(questions)}건 익명 처리")

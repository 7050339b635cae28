"""What citizens change on the portal: likes, comments, reports, hiding their own message; and the
moderation decisions of the SMC desk. (The search index of messages and answers is messages_app's.)"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messages_app.models import Answer, AuditEntry, Message
from messages_app.services import counters
from textkit.textclean import sanitize_text
from users import access
from users.models import User

from . import generations, selectors
from .errors import Code, PortalError, PortalForbidden
from .models import Comment, CommentReport, Like, Rating

COMMENT_MAX = 2000


# --- likes (추천) -------------------------------------------------------------------------------

def toggle_like(user: User, *, message: Message | None = None, answer: Answer | None = None) -> tuple[bool, int]:
    """Like or unlike; returns (liked now, count). The unique constraint decides races, and the
    counter moves with F() in the same transaction as the row, so it always equals the rows."""
    if (message is None) == (answer is None):
        raise ValueError("message 또는 answer 중 하나만 지정합니다")
    target: Message | Answer
    target_filter: dict[str, Message | Answer]
    if message is not None:
        target, target_filter = message, {"message": message}
    else:
        assert answer is not None  # exactly one was given, checked above
        target, target_filter = answer, {"answer": answer}
    with transaction.atomic():
        deleted, _ = Like.objects.filter(user=user, **target_filter).delete()
        if deleted:
            count = counters.add_likes(target, -1)
            liked = False
        else:
            try:
                with transaction.atomic():
                    Like.objects.create(user=user, **target_filter)
            except IntegrityError:
                count = counters.add_likes(target, 0)  # the same citizen's other click won: already counted
            else:
                count = counters.add_likes(target, +1)
            liked = True
    # The message page shows the count: retire its cached copies (the lists may lag a few seconds).
    generations.forget([target.pk if isinstance(target, Message) else target.message_id], feed=False)
    return liked, count


# --- comments -----------------------------------------------------------------------------------

def _clean_comment(text: str) -> str:
    # Control, bidi and zero-width characters are dropped; everything else is kept as typed.
    text = sanitize_text(text).strip()
    if not text:
        raise PortalError(_("댓글 내용을 입력해 주세요."), code=Code.REQUIRED)
    if len(text) > COMMENT_MAX:
        raise PortalError(_("댓글은 %(max)s자까지 쓸 수 있습니다."), code=Code.TOO_LONG, max=COMMENT_MAX)
    return text


def add_comment(user: User | AnonymousUser, message: Message, text: str) -> Comment:
    if not user.is_authenticated:
        raise PortalForbidden(_("로그인이 필요합니다."), code=Code.LOGIN_REQUIRED)
    text = _clean_comment(text)
    with transaction.atomic():
        comment = Comment.objects.create(message=message, user=user, text=text)
        counters.add_comments(message.pk, +1)
    return comment


def edit_comment(user: User, comment: Comment, text: str) -> Comment:
    if comment.user_id != user.pk or comment.is_deleted:
        raise PortalForbidden(_("자신의 댓글만 고칠 수 있습니다."))
    comment.text = _clean_comment(text)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["text", "edited_at"])
    return comment


def delete_comment(user: User, comment: Comment) -> None:
    """The author deletes their comment (kept, marked deleted, for the moderation record)."""
    if comment.user_id != user.pk:
        raise PortalForbidden(_("자신의 댓글만 지울 수 있습니다."))
    _soft_delete(comment)


def _soft_delete(comment: Comment) -> None:
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_deleted:
            return
        was_visible = not locked.is_hidden
        locked.is_deleted = True
        locked.save(update_fields=["is_deleted"])
        if was_visible:
            counters.add_comments(locked.message_id, -1)
    comment.is_deleted = True


def report_comment(user: User, comment: Comment, reason: str = "") -> bool:
    """Record one citizen's report; hide the comment once SMC_COMMENT_REPORT_LIMIT different citizens
    reported it. Returns False when this citizen had already reported it."""
    if comment.user_id == user.pk:
        raise PortalForbidden(_("자신의 댓글은 신고할 수 없습니다."))
    limit = settings.SMC_COMMENT_REPORT_LIMIT
    with transaction.atomic():
        try:
            with transaction.atomic():
                CommentReport.objects.create(comment=comment, user=user,
                                             reason=sanitize_text(reason).strip()[:200])
        except IntegrityError:
            return False
        # The row lock serialises concurrent reports, so exactly one of them hides the comment.
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.report_count += 1
        fields = ["report_count"]
        if locked.report_count >= limit and not locked.is_hidden and not locked.is_deleted:
            locked.is_hidden = True
            fields.append("is_hidden")
            counters.add_comments(locked.message_id, -1)
        locked.save(update_fields=fields)
    comment.report_count, comment.is_hidden = locked.report_count, locked.is_hidden
    return True


# --- moderation (SMC desk) ----------------------------------------------------------------------

def _decide(staff: User, comment: Comment, action: str) -> None:
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        now = timezone.now()
        if action == "restore":
            if locked.is_hidden and not locked.is_deleted:
                counters.add_comments(locked.message_id, +1)
            # Earlier reports were judged: new reports start again from zero.
            locked.is_hidden, locked.report_count = False, 0
        elif action == "keep_hidden":
            if not locked.is_hidden and not locked.is_deleted:
                counters.add_comments(locked.message_id, -1)
            locked.is_hidden = True
        elif action == "delete":
            if not locked.is_hidden and not locked.is_deleted:
                counters.add_comments(locked.message_id, -1)
            locked.is_deleted = True
        locked.moderated_by, locked.moderated_at = staff, now
        locked.save(update_fields=["is_hidden", "is_deleted", "report_count", "moderated_by", "moderated_at"])
        AuditEntry.objects.create(actor=staff, action=f"comment_{action}", message_id=locked.message_id,
                                  detail=f"댓글 #{locked.pk}")


def restore_comment(staff: User, comment: Comment) -> None:
    _decide(staff, comment, "restore")


def keep_comment_hidden(staff: User, comment: Comment) -> None:
    _decide(staff, comment, "keep_hidden")


def moderate_delete_comment(staff: User, comment: Comment) -> None:
    _decide(staff, comment, "delete")


# --- the author's own message -------------------------------------------------------------------

def is_author(user: User | AnonymousUser, message: Message) -> bool:
    """The citizen who sent it from the portal, or who logged in with the social account that wrote it."""
    return wrote(user, citizen_id=message.citizen_id, platform=message.platform,
                 author_external_id=message.author_external_id)


def wrote(user: User | AnonymousUser, *, citizen_id: int | None, platform: str, author_external_id: str) -> bool:
    """is_author on the three columns it reads (a cached page keeps them, not the message)."""
    if not user.is_authenticated:
        return False
    if citizen_id == user.pk:
        return True
    providers = [p for p, linked in selectors.PROVIDER_PLATFORM.items() if linked == platform]
    if providers and author_external_id:
        from allauth.socialaccount.models import SocialAccount

        return SocialAccount.objects.filter(user=user, provider__in=providers, uid=author_external_id).exists()
    return False


def hide_my_message(user: User | AnonymousUser, message: Message) -> None:
    if not is_author(user, message):
        raise PortalForbidden(_("자신이 쓴 글만 숨길 수 있습니다."))
    counters.hide_by_author(message)
    generations.forget([message.pk])  # update() sends no signal: retire the cached pages here


# --- questions with consent ---------------------------------------------------------------------

def ask_question(user: User, text: str, cleaned: dict, *, client_token: str = "") -> Message:
    """The portal question and the consents it was sent under, stored together or not at all."""
    from messages_app.services.intake import submit_web_question

    from . import consent

    missing = [n.key for n in consent.ASK if n.required and not cleaned.get(n.key)]
    if missing:
        raise PortalError(_("필수 항목에 동의해야 질문을 접수할 수 있습니다."), code=Code.REQUIRED)
    with transaction.atomic():
        message = submit_web_question(user, text, client_token=client_token)
        from .models import ConsentRecord

        if not ConsentRecord.objects.filter(user=user, message=message).exists():  # a resubmit: once
            consent.record(user, consent.ASK, cleaned, message=message)
    return message


# --- 만족도 평가 ---------------------------------------------------------------------------------

RATING_EDIT_DAYS = 7


def rate_answer(user: User, message: Message, score: int, remark: str = "") -> Rating:
    """The asker rates the answer to their question: once, and may change it for RATING_EDIT_DAYS."""
    from datetime import timedelta

    from .selectors import my_messages

    if not my_messages(user).filter(pk=message.pk).exists():
        raise PortalForbidden(_("자신의 질문에 온 답변만 평가할 수 있습니다."))
    if not Answer.objects.filter(message=message).exists():
        raise PortalError(_("답변이 등록된 뒤에 평가할 수 있습니다."), code=Code.NOT_ANSWERED)
    if not 1 <= int(score) <= 5:
        raise PortalError(_("만족도는 1에서 5 사이로 골라 주세요."), code=Code.INVALID)
    remark = sanitize_text(remark).strip()[:1000]
    with transaction.atomic():
        rating, created = Rating.objects.select_for_update().get_or_create(
            message=message, defaults={"user": user, "score": score, "remark": remark})
        if not created:
            if rating.user_id != user.pk:
                raise PortalForbidden(_("이미 평가된 답변입니다."))
            if timezone.now() - rating.created_at > timedelta(days=RATING_EDIT_DAYS):
                raise PortalError(_("평가는 %(days)s일 안에만 바꿀 수 있습니다."), code=Code.RATING_CLOSED,
                                  days=RATING_EDIT_DAYS)
            rating.score, rating.remark = score, remark
            rating.save(update_fields=["score", "remark", "updated_at"])
    return rating


def mark_notifications_read_for(user: User, message: Message) -> int:
    """Opening their question's page is reading its notices (the portal counter goes down)."""
    from .models import Notification

    with transaction.atomic():
        read = (Notification.objects.filter(user=user, message=message, read_at__isnull=True)
                .update(read_at=timezone.now()))
        if read:
            unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
            User.objects.filter(pk=user.pk).update(unread_notices=unread)
            access.row_updated(user)
            user.unread_notices = unread
    return read


def unsubscribe_email(user: User) -> None:
    User.objects.filter(pk=user.pk).update(notify_by_email=False)
    access.row_updated(user)
    AuditEntry.objects.create(actor=user, action="citizen_unsubscribe", detail="답변 알림 이메일 수신 거부")

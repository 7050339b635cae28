"""The inbox's refusals: one code per kind, one message each (Korean msgid, English in locale/en)."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class Code(StrEnum):
    INVALID = "invalid"                        # bad input: an unknown choice
    REQUIRED = "required"                      # bad input: empty
    TOO_LONG = "too_long"                      # bad input: longer than allowed
    IN_FUTURE = "in_future"                    # bad input: a time that has not come yet
    NOT_MEMBER = "not_member"                  # the staff member chosen is not of the message's division
    FORBIDDEN = "forbidden"                    # the staff member's division or role may not
    NOT_FOUND = "not_found"                    # a division or staff member that does not exist
    ALREADY_ANSWERED = "already_answered"      # a conflict: someone answered first
    INVALID_TRANSITION = "invalid_transition"  # a conflict: the status does not allow it
    ANSWER_REQUIRED = "answer_required"        # a conflict: the regulation asks an answer before closing
    ALREADY_THERE = "already_there"            # a conflict: transfer to the division it is in
    ALREADY_ASSIGNED = "already_assigned"      # a conflict: someone else holds it
    MOVED = "moved"                            # a conflict: transferred meanwhile
    REPLY_WINDOW_CLOSED = "reply_window_closed"  # the platform no longer lets the city answer privately
    TOO_LARGE = "too_large"                    # a request or text beyond what is taken in


class HandlingError(ApplicationError, ValueError):
    """A staff action refused: bad input or a conflict, with a message staff can act on."""


class IntakeError(ApplicationError, ValueError):
    """A complaint entered by staff or a question sent by a citizen refused: bad input."""


class AlreadyAnswered(HandlingError):
    """The one error for a second answer, however it was found (the check or the constraint)."""

    code = Code.ALREADY_ANSWERED
    message = _("이미 다른 담당자가 답변을 등록했습니다. 화면을 새로 고쳐 확인하세요.")


class SkillError(ApplicationError):
    """A KakaoTalk channel skill request refused (messages_app.kakao): answered with its code, and
    with a skill response the citizen can read whenever Kakao shows one."""

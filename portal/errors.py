"""The portal's refusals of what a citizen did: one code per kind, one message each (Korean msgid,
English in locale/en), shown on the page in its language."""

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from core.errors import ApplicationError


class Code(StrEnum):
    REQUIRED = "required"              # an empty comment, a required consent not given
    TOO_LONG = "too_long"              # a comment longer than allowed
    INVALID = "invalid"                # a score outside 1..5
    NOT_ANSWERED = "not_answered"      # a rating before the answer: a conflict with the question's state
    RATING_CLOSED = "rating_closed"    # a rating changed after the days it may be
    LOGIN_REQUIRED = "login_required"  # a citizen must log in first
    FORBIDDEN = "forbidden"            # not the citizen's own comment, question or rating


class PortalError(ApplicationError):
    """Refused input or a step the question's state does not allow."""


class PortalForbidden(ApplicationError, PermissionDenied):
    """Not the citizen's own: Django's 403 page, with a code and a message."""

    code = Code.FORBIDDEN

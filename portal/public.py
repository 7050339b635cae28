"""The public (masked) form of what citizens wrote: the one place that decides what the public
sees of a message, an answer or a name. The portal's templates (through the template filters in
templatetags/portal.py), the API and Open311 all call it, so no output can mask less than another.
"""

from django.utils.text import Truncator

from textkit import masking

PREVIEW_CHARS = 300
WITHDRAWN = "탈퇴한 시민"  # portal.datarights.WITHDRAWN (that module reads the database; this one must not)
CITIZEN = "시민"  # a commenter without a nickname (joined before nicknames)


def text(value: str, author_name: str = "") -> str:
    """A text as the public reads it; the author's own name inside it is masked too."""
    return masking.mask_text(value, names=[author_name])


def preview(value: str, author_name: str = "", chars: int = PREVIEW_CHARS) -> str:
    """`text` cut to `chars` (with "…"), masking only the head of a long text."""
    return Truncator(masking.mask_head(value, chars + 1, names=[author_name])).chars(chars)


def name(user_or_name) -> str:
    """A citizen's name as the public sees it (김*용); users show their display name or username."""
    if hasattr(user_or_name, "get_username"):
        user_or_name = getattr(user_or_name, "display_name", "") or user_or_name.get_username()
    if user_or_name == WITHDRAWN:
        return WITHDRAWN
    return masking.mask_name(user_or_name)


def commenter(user) -> str:
    """The name beside a comment, on the portal and in the API: the nickname chosen at sign-up, never
    anything made of the e-mail or the real name."""
    if not user.is_active or user.display_name == WITHDRAWN:
        return WITHDRAWN
    return user.nickname or CITIZEN


def message_text(message) -> str:
    return text(message.text, message.author_name)


def author(message) -> str:
    """The message's author, masked ("" when unknown)."""
    return name(message.author_name)


def answer_text(answer, message=None) -> str:
    """An answer as published: staff may have quoted the citizen, whose name is masked in it too."""
    return text(answer.text, (message or answer.message).author_name)

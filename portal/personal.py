"""The personal parts of a shared portal page, patched into one copy rendered for every logged-in citizen.

A logged-in citizen's page differs from their neighbour's in a few places only: which like buttons are
pressed, the "내 글" section of their own message, and edit/delete instead of report on their own
comments. The shared copy is rendered once for a generic member (`shared=True` in the templates):
like buttons unpressed, every personal block present between markers naming whom it is for. Here
each request keeps the blocks that are its own and drops the rest (markers included, so no user id
reaches the browser), and presses its likes: string work and one query instead of a full render.
"""

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser

from messages_app.models import Message
from users.models import User

from . import selectors, services

_BLOCK = re.compile(r"<!--smc:(author|mine|theirs)(?::(\d+))?-->(.*?)<!--/smc:\1-->", re.S)


@dataclass(frozen=True)
class PageFacts:
    """What the personal parts of one cached page depend on, stored with the copy."""

    message_ids: tuple[int, ...] = ()
    answer_ids: tuple[int, ...] = ()
    # The message's own author, to decide "내 글" (services.wrote reads only these columns).
    author: dict = field(default_factory=dict)


def facts_of(message: Message, answer) -> PageFacts:
    return PageFacts(
        message_ids=(message.pk,), answer_ids=(answer.pk,) if answer else (),
        author={"pk": message.pk, "citizen_id": message.citizen_id, "platform": message.platform,
                "author_external_id": message.author_external_id})


def personalise(user: User | AnonymousUser, html: str, facts: PageFacts | None) -> str:
    """The shared member copy as `user` sees it."""
    from .templatetags.portal import UNREAD_MARK, unread_html

    if UNREAD_MARK in html:
        html = html.replace(UNREAD_MARK, unread_html(user))
    if facts is None:
        return _BLOCK.sub("", html)
    liked_messages, liked_answers = selectors.liked_among(user, facts.message_ids, facts.answer_ids)
    for prefix, ids in (("m", liked_messages), ("a", liked_answers)):
        for pk in ids:
            html = html.replace(f'data-like="{prefix}{pk}" aria-pressed="false"',
                                f'data-like="{prefix}{pk}" aria-pressed="true"')
    author = facts.author
    is_author = bool(author) and services.wrote(user, citizen_id=author["citizen_id"], platform=author["platform"],
                                                author_external_id=author["author_external_id"])

    def keep(match: re.Match) -> str:
        kind, owner, body = match.groups()
        if kind == "author":
            return body if is_author else ""
        own = owner is not None and int(owner) == user.pk
        return body if own == (kind == "mine") else ""

    return _BLOCK.sub(keep, html)

"""What each platform gets: X within its weighted limit with the alert's link, Facebook the full text.

Computed for the drafter's preview and frozen on the broadcast at submission, so the approver sees
exactly what goes out. The Facebook text of an Update/Cancel gets the link to the account's own
original post appended when the deliveries are created (it differs per account).
"""

from django.conf import settings
from django.urls import reverse
from twitter_text import parse_tweet

from accounts.connectors.text import X_MAX_WEIGHT

from . import areas
from .models import Broadcast, MsgType

MARKERS_KO = {MsgType.ALERT: "[긴급]", MsgType.UPDATE: "[정정]", MsgType.CANCEL: "[취소]"}
MARKERS_EN = {MsgType.ALERT: "[ALERT]", MsgType.UPDATE: "[UPDATE]", MsgType.CANCEL: "[CANCELLED]"}
EXERCISE_KO, EXERCISE_EN = "[훈련]", "[EXERCISE]"
EXERCISE_NOTICE = "※ 이 메시지는 훈련입니다. 실제 상황이 아닙니다. (This is an exercise, not a real emergency.)"
ELLIPSIS = "…"


def public_url(broadcast: Broadcast) -> str:
    return settings.SMC_SITE_URL + reverse("alert_detail", args=[broadcast.identifier])


def _x_fits(text: str) -> bool:
    result = parse_tweet(text)
    return result.valid and result.weightedLength <= X_MAX_WEIGHT


def x_weight(text: str) -> int:
    return parse_tweet(text).weightedLength


def x_text(broadcast: Broadcast) -> str:
    """One X post: marker, headline, as much of the text as fits, the link (counts 23)."""
    marker = MARKERS_KO[broadcast.msg_type]
    if broadcast.is_exercise:
        marker = f"{EXERCISE_KO}{marker}"
    head = f"{marker} {broadcast.title_ko}".strip()
    body = " ".join(p.strip() for p in (broadcast.description_ko, broadcast.instruction_ko) if p.strip())
    link = public_url(broadcast)

    def compose(text: str) -> str:
        return "\n".join(part for part in (head, text, link) if part)

    if not _x_fits(compose("")):
        # A long headline with many districts: the headline is cut (its area, in front, stays).
        head = _longest_fitting(head, lambda cut: "\n".join((cut, link)))
        return compose("")
    if _x_fits(compose(body)):
        return compose(body)
    cut = _longest_fitting(body, compose)
    return compose(cut) if cut else compose("")


def _longest_fitting(text: str, compose) -> str:
    """The longest prefix of `text` (with an ellipsis) whose composed post fits, or "" (binary search
    on a character boundary)."""
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if _x_fits(compose(text[:mid].rstrip() + ELLIPSIS)):
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


def facebook_text(broadcast: Broadcast) -> str:
    """The whole alert, Korean then English, with the area, the times and the link."""
    ko_marker, en_marker = MARKERS_KO[broadcast.msg_type], MARKERS_EN[broadcast.msg_type]
    lines = []
    if broadcast.is_exercise:
        ko_marker, en_marker = f"{EXERCISE_KO}{ko_marker}", f"{EXERCISE_EN}{en_marker}"
        lines += [EXERCISE_NOTICE, ""]
    lines += [f"{ko_marker} {broadcast.title_ko}", broadcast.description_ko.strip()]
    if broadcast.instruction_ko.strip():
        lines += ["", "▶ 행동 요령", broadcast.instruction_ko.strip()]
    lines += ["", f"대상 지역: {areas.describe(broadcast.districts, 'ko')}", "",
              f"{en_marker} {broadcast.title_en}", broadcast.description_en.strip()]
    if broadcast.instruction_en.strip():
        lines += ["", "▶ What to do", broadcast.instruction_en.strip()]
    lines += ["", f"Area: {areas.describe(broadcast.districts, 'en')}", "", public_url(broadcast)]
    return "\n".join(lines).strip()


def facebook_followup(text: str, original_permalink: str) -> str:
    """An Update/Cancel on Facebook is a new post that links to the page's original post."""
    return f"{text}\n\n이전 안내 (original post): {original_permalink}"


def facebook_permalink(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"

"""Platforms whose API cannot put a text post on the account: a broadcast there is marked "수동 게시
필요" with its text ready (their connectors' post() raises ManualPostNeeded; the simulator does the
same for them, so an exercise says what a real alert would)."""

from django.utils.functional import Promise

import accounts.connectors.instagram as instagram
import accounts.connectors.youtube as youtube

MANUAL_POST: dict[str, str | Promise] = {
    "instagram": instagram.MANUAL_POST_REASON,
    "youtube": youtube.MANUAL_POST_REASON,
}

"""Helpers for the broadcast tests: staff with roles, a submitted or sent broadcast, a fake platform."""

import itertools
from datetime import UTC, datetime, timedelta

from accounts.connectors import MANUAL_POST
from accounts.connectors.base import AuthExpired, ManualPostNeeded, RateLimited
from accounts.seed import TODAY_ACCOUNTS
from broadcast.models import Broadcast, Template
from broadcast.services import workflow
from outbound import services as outbound
from users import roles

# The seeded accounts a broadcast goes to: 34 active on X and Facebook and the KakaoTalk channel, whose
# APIs post it, and those on Instagram and YouTube, whose APIs cannot ("수동 게시 필요": a person posts
# the ready text).
POSTED = 35
MANUAL = sum(1 for row in TODAY_ACCOUNTS if row[0] in MANUAL_POST)
TOTAL = POSTED + MANUAL


def people(make_staff):
    """(drafter, approver): two different named people."""
    return (make_staff("drafter", roles.BROADCAST_DRAFTER), make_staff("approver", roles.BROADCAST_APPROVER))


def draft(user, code="snow", **fields) -> Broadcast:
    template = Template.objects.get(code=code)
    if not template.is_exercise:
        fields.setdefault("cap_status", "Actual")  # the drafter's choice (there is no default)
    return workflow.create_draft(user, template=template, **fields)


def submitted(user, **fields) -> Broadcast:
    return workflow.submit(draft(user, **fields), user)


def approve(broadcast: Broadcast, approver) -> Broadcast:
    """The approver's step as the confirmation page takes it: the area's name (or 훈련) typed in."""
    return workflow.approve(broadcast, approver, workflow.confirmation_word(broadcast))


def approved(drafter, approver, **fields) -> Broadcast:
    return approve(submitted(drafter, **fields), approver)


def deliver_all(broadcast: Broadcast) -> list[str]:
    """Every delivery's posting attempted once, in-process (what the broadcast queue's tasks do)."""
    ids = broadcast.deliveries.order_by("pk").values_list("posting_id", flat=True)
    return [outbound.post_once(pk).outcome for pk in ids]


class FakePlatform:
    """Stands in for every platform in-process: records each post per account; `script` maps a handle
    to errors raised by its next calls (e.g. [RateLimited(...)])."""

    def __init__(self):
        self.posts: dict[str, list[dict]] = {}
        self.script: dict[str, list[Exception]] = {}
        self.find_calls: list[tuple[str, str]] = []
        self._ids = itertools.count(1)

    def install(self, monkeypatch):
        monkeypatch.setattr(outbound, "connector_for", lambda posting: self)
        return self

    def _maybe_fail(self, account):
        queue = self.script.get(account.handle)
        if queue:
            raise queue.pop(0)

    def _record(self, account, text, reply_to=""):
        self._maybe_fail(account)
        external_id = f"{account.platform}-{next(self._ids)}"
        self.posts.setdefault(account.handle, []).append({"id": external_id, "text": text, "reply_to": reply_to})
        return external_id

    def post(self, account, text):
        if account.platform in MANUAL_POST:  # as the real connectors: their API cannot post text
            raise ManualPostNeeded(MANUAL_POST[account.platform])
        return self._record(account, text)

    def reply(self, account, to_external_id, text):
        return self._record(account, text, to_external_id)

    def find_post(self, account, marker):
        self.find_calls.append((account.handle, marker))
        for post in self.posts.get(account.handle, []):
            if marker in post["text"]:
                return post["id"]
        return None


def rate_limited(seconds=30) -> RateLimited:
    return RateLimited(datetime.now(UTC) + timedelta(seconds=seconds))


def auth_expired() -> AuthExpired:
    return AuthExpired("X 인증 만료 (unauthorized): 401 Unauthorized")

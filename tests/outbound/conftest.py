"""Postings of both kinds, made by the apps' own services, and an in-process platform."""

import itertools

import pytest

from accounts.connectors.base import CannotLook
from accounts.models import Account
from accounts.models import Status as AccountStatus
from messages_app.services import publishing
from outbound import services as outbound
from outbound.models import Posting
from tests.broadcast.factories import approved, people
from tests.factories import public_message, staff_user


class Platform:
    """Every account's platform: records what is posted; `script[handle]` holds errors its next
    calls raise; `blind` handles cannot be searched (X without a user id, the simulator)."""

    def __init__(self):
        self.posts: dict[str, list[dict]] = {}
        self.script: dict[str, list[Exception]] = {}
        self.blind: set[str] = set()
        self.looks: list[str] = []
        self._ids = itertools.count(1)

    def _raise_scripted(self, account):
        if self.script.get(account.handle):
            raise self.script[account.handle].pop(0)

    def _record(self, account, text, reply_to=""):
        self._raise_scripted(account)
        external_id = f"{account.platform}-{next(self._ids)}"
        self.posts.setdefault(account.handle, []).append({"id": external_id, "text": text, "reply_to": reply_to})
        return external_id

    def post(self, account, text):
        return self._record(account, text)

    def reply(self, account, to_external_id, text):
        return self._record(account, text, to_external_id)

    def _look(self, account, match):
        self.looks.append(account.handle)
        if account.handle in self.blind:
            raise CannotLook("cannot search this account")
        return next((p["id"] for p in self.posts.get(account.handle, []) if match(p)), None)

    def find_post(self, account, marker):
        return self._look(account, lambda p: marker in p["text"])

    def find_reply(self, account, to_external_id, text):
        return self._look(account, lambda p: p["reply_to"] == to_external_id and p["text"] == text)

    def count(self, handle) -> int:
        return len(self.posts.get(handle, []))


@pytest.fixture
def platform(monkeypatch):
    fake = Platform()
    monkeypatch.setattr(outbound, "connector_for", lambda posting: fake)
    return fake


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(outbound, "queue", lambda ids, countdown=None: sent.append((list(ids), countdown)))
    return sent


def x_account() -> Account:
    return Account.objects.get(platform="x", handle="seoulmania", status=AccountStatus.ACTIVE)


@pytest.fixture(params=[Posting.Kind.ANSWER, Posting.Kind.BROADCAST])
def posting(request, make_staff, queued) -> Posting:
    """One posting on @seoulmania: an answer's reply, or a broadcast's delivery."""
    if request.param == Posting.Kind.ANSWER:
        message = public_message("버스 정류장 안내판이 꺼져 있어요", account=x_account())
        answer = publishing.create_answer(message, staff_user(), "오늘 중으로 고치겠습니다.", message.division)
        return answer.deliveries.get().posting
    broadcast = approved(*people(make_staff))
    return broadcast.deliveries.get(account=x_account()).posting

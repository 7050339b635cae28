"""The real X connector against bench/fakex.py, the loopback stand-in the crisis benchmark loads.

Checks that the fake speaks the wire format the connector expects (paging, since_id, 429 with its
reset header, 5xx) and that SMC_X_API_BASE_URL is the only thing that points the connector at it.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from accounts.connectors.base import RateLimited, TransientError
from accounts.connectors.x import XConnector
from bench.fakex import FakeX, Surge, XUser

USERS = [XUser("1240217562", "seoulmania"), XUser("1240217563", "seoul_traffic")]


def account(user: XUser):
    return SimpleNamespace(platform="x", handle=user.handle, platform_user_id=user.user_id,
                           credentials={"bearer_token": "AAAA-bench"})


@pytest.fixture
def fake(settings):
    servers = []

    def start(surge, **options):
        server = FakeX(surge, **options).start()
        settings.SMC_X_API_BASE_URL = server.url
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_pages_through_a_backlog_then_continues_from_the_cursor(fake):
    server = fake(Surge(n=500, users=USERS))  # 250 mentions each, released at once: three pages
    connector = XConnector()

    batch = connector.fetch(account(USERS[0]), "")

    ids = [item.external_id for item in batch.items]
    released = server.released()
    expected = sorted((i for i in released if int(i) % 2 == 0), key=int)  # round-robin: user 0 gets evens
    assert ids == expected and len(ids) == 250
    assert batch.next_cursor == ids[-1]
    assert server.requests["mentions"] == 3  # 100 + 100 + 50, through meta.next_token
    item = batch.items[0]
    assert item.text.startswith("@seoulmania") and item.author_handle and item.author_name
    assert item.posted_at.tzinfo is not None and item.kind == "mention"

    assert connector.fetch(account(USERS[0]), batch.next_cursor).items == []  # since_id: nothing new


def test_each_page_is_reported_as_soon_as_it_is_parsed(fake):
    """The ingest starts Kiwi on a page during the next page's round trip (on_page)."""
    server = fake(Surge(n=500, users=USERS))
    pages = []

    def on_page(texts):
        pages.append((list(texts), server.requests["mentions"]))

    batch = XConnector().fetch(account(USERS[0]), "", on_page=on_page)

    assert [len(texts) for texts, _ in pages] == [100, 100, 50]
    assert [requests for _, requests in pages] == [1, 2, 3]  # before the next page was asked for
    assert sorted(t for texts, _ in pages for t in texts) == sorted(item.text for item in batch.items)


def test_a_timed_release_shows_only_what_was_released(fake):
    server = fake(Surge(n=1000, users=USERS, rate=1e-9))  # released one by one, far apart: none yet
    assert XConnector().fetch(account(USERS[1]), "").items == []
    server.surge.start_at -= 5 / 1e-9  # five released
    batch = XConnector().fetch(account(USERS[1]), "")
    assert [i.external_id for i in batch.items] == sorted(
        (i for i in server.released() if int(i) % 2 == 1), key=int)
    assert len(server.released()) == 5 and len(batch.items) == 2


def test_rate_limit_answers_429_with_the_reset_the_connector_keeps(fake):
    fake(Surge(n=10, users=USERS), rate_limit=1, rate_window=120)
    XConnector().fetch(account(USERS[0]), "")
    with pytest.raises(RateLimited) as caught:
        XConnector().fetch(account(USERS[0]), "")
    wait = (caught.value.reset_at - datetime.now(UTC)).total_seconds()
    assert 100 < wait <= 122
    XConnector().fetch(account(USERS[1]), "")  # the limit is per user


class _Script:
    """random() values for FakeX's error draw: 0.0 fails the request (error_rate 0.5), 1.0 passes."""

    def __init__(self, values):
        self.values = list(values)

    def random(self):
        return self.values.pop(0) if self.values else 1.0


def test_a_503_on_one_page_is_asked_again_and_keeps_the_pages_fetched(fake, monkeypatch):
    monkeypatch.setattr("accounts.connectors.x.PAGE_RETRY_WAITS", (0, 0))
    server = fake(Surge(n=500, users=USERS), error_rate=0.5)
    server._rng = _Script([1.0, 0.0, 1.0])  # page 2 fails once

    batch = XConnector().fetch(account(USERS[0]), "")

    assert len(batch.items) == 250
    assert server.requests["errors"] == 1 and server.requests["mentions"] == 3


def test_server_errors_are_transient(fake):
    fake(Surge(n=10, users=USERS), error_rate=1.0)
    with pytest.raises(TransientError):
        XConnector().fetch(account(USERS[0]), "")


def test_replies_post_to_the_fake(fake):
    server = fake(Surge(n=1, users=USERS))
    tweet_id = XConnector().reply(account(USERS[0]), "1900000000000000000", "답변드립니다.")
    assert server.posted == [{"id": tweet_id, "text": "답변드립니다.",
                              "reply": {"in_reply_to_tweet_id": "1900000000000000000"}}]


def test_the_real_host_is_the_default():
    from django.conf import settings as django_settings

    assert django_settings.SMC_X_API_BASE_URL == "https://api.twitter.com"


def test_polls_reuse_one_connection_per_credentials(fake):
    """get_connector builds a connector per poll; the client behind it, with its open connection, is
    kept (a TCP and TLS handshake per poll otherwise). Other credentials get a client of their own."""
    server = fake(Surge(n=0, users=USERS))
    for _ in range(3):
        XConnector().fetch(account(USERS[0]), "")
    assert server.requests["mentions"] == 3 and server.connections == 1

    other = account(USERS[1])
    other.credentials = {"bearer_token": "BBBB-bench"}
    XConnector().fetch(other, "")
    assert server.connections == 2

"""The demo simulator: realistic, deterministic, rate-limited simulated messages."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from accounts.connectors.base import CannotLook
from accounts.connectors.simulator import MAX_ITEMS_PER_FETCH, SimulatorConnector
from accounts.connectors.simulator_texts import TEMPLATES

T0 = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
HANGUL = re.compile("[가-힣]")


def account(platform="x", handle="seoul_traffic"):
    return SimpleNamespace(platform=platform, handle=handle, platform_user_id="", credentials={})


def at(moment):
    return SimulatorConnector(clock=lambda: moment)


@pytest.fixture(autouse=True)
def rate(settings):
    settings.SMC_SIMULATOR_RATE = 2
    return settings


def test_first_fetch_yields_a_minute_of_messages_marked_simulated():
    batch = at(T0).fetch(account(), "")
    assert len(batch.items) == 2
    for item in batch.items:
        assert item.external_id.startswith("sim-") and item.is_simulated
        assert item.posted_at == T0 and item.platform == "x" and item.kind == "mention"
        assert item.text.startswith("@seoul_traffic ") and HANGUL.search(item.text)
        assert item.author_handle and item.author_name
    assert batch.next_cursor == f"{T0.timestamp():.3f}:2"


def test_rate_and_remainder_are_carried_by_the_cursor():
    cursor = f"{T0.timestamp():.3f}:5"
    batch = at(T0 + timedelta(seconds=90)).fetch(account(), cursor)
    assert [i.external_id for i in batch.items] == [f"sim-x-seoul_traffic-{n}" for n in (6, 7, 8)]
    assert batch.next_cursor == f"{(T0 + timedelta(seconds=90)).timestamp():.3f}:8"

    # 45 s at 2 a minute: one message, and the unspent 15 s stay in the cursor.
    batch = at(T0 + timedelta(seconds=45)).fetch(account(), cursor)
    assert len(batch.items) == 1
    assert batch.next_cursor == f"{(T0 + timedelta(seconds=30)).timestamp():.3f}:6"

    # Too early for the next message: nothing, cursor unchanged.
    assert at(T0 + timedelta(seconds=10)).fetch(account(), cursor).items == []
    assert at(T0 + timedelta(seconds=10)).fetch(account(), cursor).next_cursor == cursor


def test_rate_setting_is_read(settings):
    settings.SMC_SIMULATOR_RATE = 10
    cursor = f"{T0.timestamp():.3f}:0"
    assert len(at(T0 + timedelta(seconds=60)).fetch(account(), cursor).items) == 10
    settings.SMC_SIMULATOR_RATE = 0
    assert at(T0 + timedelta(seconds=600)).fetch(account(), cursor).items == []


def test_redelivered_fetch_returns_the_same_items():
    cursor = f"{T0.timestamp():.3f}:40"
    first = at(T0 + timedelta(seconds=120)).fetch(account(), cursor)
    again = at(T0 + timedelta(seconds=120)).fetch(account(), cursor)
    assert [(i.external_id, i.text, i.author_handle) for i in first.items] == [
        (i.external_id, i.text, i.author_handle) for i in again.items]
    # Redelivered later: the same ids carry the same texts, a few more follow.
    later = at(T0 + timedelta(seconds=180)).fetch(account(), cursor)
    assert [(i.external_id, i.text) for i in later.items[:4]] == [(i.external_id, i.text) for i in first.items]
    # Another account's ids never collide.
    other = at(T0 + timedelta(seconds=120)).fetch(account(handle="seoul_bus"), cursor)
    assert not {i.external_id for i in other.items} & {i.external_id for i in first.items}


def test_an_idle_account_is_not_flooded():
    batch = at(T0 + timedelta(days=1)).fetch(account(), f"{T0.timestamp():.3f}:7")
    assert len(batch.items) == MAX_ITEMS_PER_FETCH
    assert batch.next_cursor == f"{(T0 + timedelta(days=1)).timestamp():.3f}:{7 + MAX_ITEMS_PER_FETCH}"


def test_messages_are_varied_like_real_citizens():
    assert len(TEMPLATES) >= 80
    items = []
    for handle in ("seoulmania", "seoul_bus", "seoul_green", "seoul_welfare", "seoul_jobs"):
        for start in range(0, 100, 20):
            # Ten minutes at 2 a minute: 20 messages numbered start+1 .. start+20.
            cursor = f"{(T0 - timedelta(minutes=10)).timestamp():.3f}:{start}"
            items += at(T0).fetch(account(handle=handle), cursor).items
    assert len(items) >= 400
    assert {i.raw["type"] for i in items} == {"support", "complaint", "opinion"}
    assert {i.raw["topic"] for i in items} == {"transport", "safety", "housing", "culture", "welfare",
                                               "environment", "economy"}
    assert len({i.raw["template"] for i in items}) >= 70
    assert any("#" in i.text for i in items)
    assert any(re.search("[\U0001F300-\U0001FAFF]", i.text) for i in items)
    assert any("@seoul_dasan120" in i.text for i in items)
    assert any("요" in i.text for i in items) and any(i.text.rstrip().endswith(("함", "ㅋㅋ", "좀 해줘"))
                                                     for i in items)
    assert len({i.text for i in items}) >= 0.9 * len(items)


def test_facebook_accounts_get_comments_without_mentions():
    (item, *_) = at(T0).fetch(account("facebook", "seoul.mayor"), "").items
    assert item.kind == "comment" and not item.text.startswith("@") and item.external_id.startswith("sim-")


def test_reply_and_post_return_simulated_ids():
    connector = SimulatorConnector()
    first = connector.reply(account(), "sim-x-seoul_traffic-1", "답변입니다")
    assert first.startswith("sim-reply-")
    assert connector.reply(account(), "sim-x-seoul_traffic-1", "답변입니다") == first  # a retry, same id
    assert connector.reply(account(), "sim-x-seoul_traffic-2", "답변입니다") != first
    assert connector.post(account(), "[긴급] 안내").startswith("sim-reply-")
    # It keeps no posts: whether an interrupted attempt went through cannot be looked up.
    with pytest.raises(CannotLook):
        connector.find_reply(account(), "sim-x-seoul_traffic-1", "답변입니다")
    with pytest.raises(CannotLook):
        connector.find_post(account(), "SMC-20260101-ABCDEF01")


@pytest.mark.parametrize("platform", ["instagram", "youtube"])
def test_todays_platforms_are_simulated_as_comments_clearly_marked(platform):
    batch = at(T0).fetch(account(platform, "seoul_official"), "")
    assert len(batch.items) == 2
    for item in batch.items:
        assert item.platform == platform and item.kind == "comment" and item.is_simulated
        assert item.external_id.startswith(f"sim-{platform}-") and item.raw["simulated"] is True
        assert not item.text.startswith("@")  # a comment, not an @mention


@pytest.mark.parametrize("platform", ["instagram", "youtube"])
def test_the_simulator_cannot_post_text_where_the_api_cannot_either(platform):
    from accounts.connectors.base import Code, ManualPostNeeded

    with pytest.raises(ManualPostNeeded) as caught:
        at(T0).post(account(platform, "seoul_official"), "[긴급] 한파경보")
    assert caught.value.code == Code.MANUAL_POST and caught.value.in_language("en").startswith("[Simulator] ")
    assert at(T0).post(account("facebook", "seoul.city"), "[긴급] 한파경보").startswith("sim-reply-")

"""The demo's simulated messages say so on the public pages too."""

from tests.factories import public_message


def test_feed_and_message_page_mark_simulated_messages(client, seeded):
    simulated = public_message("버스 배차 간격이 너무 길어요", is_simulated=True)
    real = public_message("지하철 냉방이 너무 세요")
    feed = client.get("/").content.decode()
    simulated_item = feed[feed.index(f'id="item-{simulated.pk}"'):]
    simulated_item = simulated_item[:simulated_item.index("</article>")]
    real_item = feed[feed.index(f'id="item-{real.pk}"'):]
    real_item = real_item[:real_item.index("</article>")]
    assert "시뮬레이션(데모)" in simulated_item
    assert "시뮬레이션" not in real_item
    assert "데모 시뮬레이터" in client.get(f"/m/{simulated.pk}/").content.decode()
    assert "데모 시뮬레이터" not in client.get(f"/m/{real.pk}/").content.decode()


def test_the_marker_is_translated(client, seeded):
    simulated = public_message("버스 배차 간격이 너무 길어요", is_simulated=True)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Simulated (demo)" in client.get("/").content.decode()
    assert "demo simulator" in client.get(f"/m/{simulated.pk}/").content.decode()

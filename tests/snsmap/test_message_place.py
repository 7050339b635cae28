"""Where a message is about: set at ingest from the same analysis, in the same INSERT; shown to the
public and to staff; a routing condition; backfilled for older messages."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.connectors.base import Batch
from accounts.models import Account
from departments.models import Division, RoutingRule
from messages_app.models import Message, Status
from messages_app.services import ingest
from tests.messages_app.ingest_fakes import install_classifier_model, make_item
from textkit import korean, places
from users.models import User

from .factories import public_question

MAPO, GANGNAM = "11140", "11230"


@pytest.fixture(autouse=True)
def _setup(seeded):
    install_classifier_model()


@pytest.fixture
def central():
    return Account.objects.get(platform="x", handle="seoulmania")  # the city's central account: rules apply


def test_ingest_stores_the_place_in_the_same_insert_from_the_same_analysis(central, monkeypatch):
    texts = ["마포구 망원1동 골목 가로등이 꺼졌어요", "강남역 침수 대책 언제 나오나요", "따릉이 고마워요",
             "신사동 골목 쓰레기"]
    analysed_batches, located_with = [], []
    analyze, locate_many = korean.analyze_batch, places.locate_many

    def spy_analyze(batch_texts):
        result = analyze(batch_texts)
        analysed_batches.append(result)
        return result

    def spy_locate(analysed):
        located_with.append(analysed)
        return locate_many(analysed)

    monkeypatch.setattr(korean, "analyze_batch", spy_analyze)
    monkeypatch.setattr(places, "locate_many", spy_locate)
    items = [make_item("x", 900 + i, prefix="place-", text=text) for i, text in enumerate(texts)]
    with CaptureQueriesContext(connection) as queries:
        ingest.ingest_batch(central, Batch(items=items, next_cursor="c1"))
    # The recogniser got exactly the analysis of the message texts (no second Kiwi run of them) ...
    assert len(located_with) == 1
    assert all(part is whole for part, whole in zip(located_with[0], analysed_batches[0], strict=True))
    # ... and no UPDATE followed the INSERT.
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE \"messages_app_message\"")
                or q["sql"].startswith("UPDATE messages_app_message")]
    stored = {m.text: (m.district, m.neighbourhood) for m in Message.objects.filter(external_id__startswith="place-")}
    mangwon = next(n.code for n in places.neighbourhoods().values() if n.name == "망원1동")
    assert stored[texts[0]] == (MAPO, mangwon)
    assert stored[texts[1]] == (GANGNAM, None)
    assert stored[texts[2]] == ("", None)
    assert stored[texts[3]] == ("", None)  # 강남·관악·은평: no district named nearby


def test_a_routing_rule_may_require_a_district(central):
    liaison = Division.objects.get(code="local-autonomy")
    RoutingRule.objects.create(priority=1, name="마포구 제설", keywords="제설, 눈", district=MAPO, division=liaison)
    items = [make_item("x", 1, prefix="rule-", text="마포구 망원동 골목 제설이 하나도 안 됐어요"),
             make_item("x", 2, prefix="rule-", text="강남구 대치동 골목 제설이 하나도 안 됐어요")]
    ingest.ingest_batch(central, Batch(items=items, next_cursor="c2"))
    mapo = Message.objects.get(external_id="rule-1")
    gangnam = Message.objects.get(external_id="rule-2")
    assert mapo.division == liaison and "자치구 '마포구'" in mapo.routing_reason
    assert gangnam.division.code == "road-management"  # the city-wide snow rule


def test_a_rule_needs_some_condition_a_district_is_one():
    from django.db import IntegrityError, transaction

    division = Division.objects.get(code="local-autonomy")
    RoutingRule.objects.create(name="강남구 전체", district=GANGNAM, division=division)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRule.objects.create(name="조건 없음", division=division)


def test_the_message_page_shows_the_district_with_a_link_to_its_map_page(client):
    message = public_question(MAPO, text="망원동 가로등")
    html = client.get(f"/m/{message.pk}/").content.decode()
    assert re.search(r'지역: <a href="/map/district/11140/">마포구</a>', html)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert ">Mapo-gu</a>" in client.get(f"/m/{message.pk}/").content.decode()


def test_the_staff_queue_shows_and_filters_by_district(client):
    public_question(MAPO, text="마포 메시지")
    public_question(GANGNAM, text="강남 메시지")
    client.force_login(User.objects.create_superuser("ops", password="pw"))
    html = client.get("/admin/messages_app/message/?view=all").content.decode()  # answered ones too
    assert 'column-district"' in html and '<td class="field-district">마포구<' in html
    filtered = client.get("/admin/messages_app/message/", {"view": "all", "district__exact": MAPO}).content.decode()
    assert "마포 메시지" in filtered and "강남 메시지" not in filtered


def test_backfill_sets_places_in_batches_and_is_idempotent():
    texts = ["강서구 화곡1동 보도 파손", "서대문역 출구 표지판", "장애인 콜택시 대기 시간", "중랑천 산책로"]
    ids = [public_question("", text=text).pk for text in texts]
    out = io.StringIO()
    call_command("backfill_places", "--batch", "2", stdout=out)
    result = {m.text: m.district for m in Message.objects.filter(pk__in=ids)}
    assert result == {texts[0]: "11160", texts[1]: "11010", texts[2]: "", texts[3]: ""}
    assert Message.objects.get(pk=ids[0]).neighbourhood.startswith("11160")
    assert "2/4" in out.getvalue() and "4/4" in out.getvalue()
    again = io.StringIO()
    call_command("backfill_places", "--all", stdout=again)
    assert "0건 변경" in again.getvalue().splitlines()[-2]
    assert {m.text: m.district for m in Message.objects.filter(pk__in=ids)} == result
    assert Message.objects.filter(pk__in=ids, status=Status.ASSIGNED).count() == 4  # nothing else touched

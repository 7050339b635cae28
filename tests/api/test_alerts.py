"""/api/v1/alerts/: the sent emergency alerts, the same ones and the same "in effect" as the alert pages
and the portal banner; drafts never; filters, conditional GET, constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from broadcast import selectors
from broadcast.models import Broadcast, MsgType
from broadcast.services import workflow
from tests.broadcast.factories import FakePlatform, approve, approved, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(monkeypatch):
    return FakePlatform().install(monkeypatch)


@pytest.fixture
def alerts(make_staff, platform):
    """A snow alert for Gangnam and Jongno with its Update (the Update is in effect), a heat alert for
    the whole city cancelled, an exercise, and a draft that must never appear."""
    drafter, approver = people(make_staff)
    snow = approved(drafter, approver, districts=["11230", "11010"])
    snow_update = approve(workflow.submit(workflow.prepare_followup(snow, drafter, MsgType.UPDATE),
                                                   drafter), approver)
    heat = approved(drafter, approver, code="heat")
    heat_cancel = approve(workflow.submit(workflow.prepare_followup(heat, drafter, MsgType.CANCEL),
                                                   drafter), approver)
    exercise = approved(drafter, approver, code="exercise")
    draft = workflow.create_draft(drafter, headline_ko="비공개 초안 제목", headline_en="secret draft",
                                  event_ko="x", event_en="x", description_ko="x", description_en="x")
    return {"snow": snow, "snow_update": snow_update, "heat": heat, "heat_cancel": heat_cancel,
            "exercise": exercise, "draft": draft, "drafter": drafter, "approver": approver}


def identifiers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["identifier"] for a in response.json()["results"]]


def test_list_is_every_sent_alert_newest_first_and_never_a_draft(api, alerts):
    listed = identifiers(api.get("/api/v1/alerts/"))
    sent = list(Broadcast.objects.filter(state__in=selectors.SENT_STATES)
                .order_by("-approved_at", "-id").values_list("identifier", flat=True))
    assert listed == sent and len(sent) >= 5  # the seed's past exercise too
    assert alerts["draft"].identifier not in listed
    body = api.get("/api/v1/alerts/").content.decode()
    assert "비공개 초안 제목" not in body
    # Nobody's name: who drafted and approved stays in the staff screens.
    for person in (alerts["drafter"], alerts["approver"]):
        assert person.username not in body


def test_in_effect_is_the_banners_rule(api, alerts):
    rows = {a["identifier"]: a for a in api.get("/api/v1/alerts/").json()["results"]}
    banner = {a.identifier for a in selectors.in_effect()}
    assert {i for i, a in rows.items() if a["in_effect"]} == banner
    assert rows[alerts["snow_update"].identifier]["in_effect"] is True
    assert rows[alerts["snow"].identifier]["in_effect"] is False  # superseded by its Update
    assert rows[alerts["heat"].identifier]["in_effect"] is False  # cancelled
    assert rows[alerts["heat_cancel"].identifier]["in_effect"] is False  # a Cancel is never "in effect"
    assert identifiers(api.get("/api/v1/alerts/?in_effect=true")) == [
        a.identifier for a in selectors.in_effect()]
    past = identifiers(api.get("/api/v1/alerts/?in_effect=false"))
    assert alerts["snow"].identifier in past and alerts["snow_update"].identifier not in past

    # Expiry takes an alert out at once.
    Broadcast.objects.filter(pk=alerts["snow_update"].pk).update(expires=timezone.now() - timedelta(minutes=1))
    assert alerts["snow_update"].identifier not in identifiers(api.get("/api/v1/alerts/?in_effect=true"))


def test_fields_of_one_alert(api, alerts):
    snow, update = alerts["snow"], Broadcast.objects.get(pk=alerts["snow_update"].pk)
    row = api.get(f"/api/v1/alerts/{update.identifier}/").json()
    assert row["identifier"] == update.identifier and row["msg_type"] == "Update"
    assert row["status"] == "Actual" and row["is_exercise"] is False
    assert row["references"] == snow.identifier
    assert row["headline_ko"] == update.headline_ko and row["headline_en"] == update.headline_en
    assert row["districts"] == update.districts and sorted(row["districts"]) == ["11010", "11230"]
    assert row["area_ko"] == "강남구, 종로구" and row["area_en"] == "Gangnam-gu, Jongno-gu"
    assert row["cap_url"].endswith(f"/alerts/{update.identifier}/cap.xml")
    assert row["url"].endswith(f"/alerts/{update.identifier}/")
    assert row["chain"] == [snow.identifier] and row["followups"] == []
    first = api.get(f"/api/v1/alerts/{snow.identifier}/").json()
    assert first["references"] is None and first["chain"] == [] and first["followups"] == [update.identifier]
    exercise = api.get(f"/api/v1/alerts/{alerts['exercise'].identifier}/").json()
    assert exercise["is_exercise"] is True and exercise["status"] == "Exercise"
    assert exercise["districts"] == [] and exercise["area_ko"] == "서울특별시 전역"
    # The page a citizen opens from the API is the alert page itself.
    assert api.get(row["url"].split("8000", 1)[-1]).status_code == 200


def test_drafts_and_unknown_alerts_are_json_404(api, alerts):
    for identifier in (alerts["draft"].identifier, "SMC-NOPE", "'; DROP TABLE x; --", "가" * 300):
        response = api.get(f"/api/v1/alerts/{identifier}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_filters(api, alerts):
    gangnam = identifiers(api.get("/api/v1/alerts/?district=11230"))
    assert alerts["snow"].identifier in gangnam and alerts["snow_update"].identifier in gangnam
    assert alerts["heat"].identifier in gangnam  # a whole-city alert covers every district
    mapo = identifiers(api.get("/api/v1/alerts/?district=11140"))
    assert alerts["snow"].identifier not in mapo and alerts["heat"].identifier in mapo
    exercises = identifiers(api.get("/api/v1/alerts/?status=Exercise"))
    assert alerts["exercise"].identifier in exercises
    assert set(exercises) == set(Broadcast.objects.filter(state__in=selectors.SENT_STATES, cap_status="Exercise")
                                 .values_list("identifier", flat=True))
    assert identifiers(api.get("/api/v1/alerts/?msg_type=Cancel")) == [alerts["heat_cancel"].identifier]
    today = timezone.localdate()
    assert alerts["snow"].identifier in identifiers(api.get(f"/api/v1/alerts/?since={today}&until={today}"))
    assert identifiers(api.get(f"/api/v1/alerts/?since={today + timedelta(days=1)}")) == []


@pytest.mark.parametrize("query", ["district=seoul", "in_effect=maybe", "status=Real", "since=2026-13-01",
                                   "page_size=x"])
def test_bad_filters_are_400_with_a_code(api, alerts, query):
    response = api.get(f"/api/v1/alerts/?{query}")
    assert response.status_code == 400, query
    assert response.json()["error"]["code"] == "invalid"


def test_conditional_get_and_cors(api, alerts):
    first = api.get("/api/v1/alerts/", HTTP_ORIGIN="https://example.org")
    assert first["Access-Control-Allow-Origin"] == "*"
    again = api.get("/api/v1/alerts/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    approve(workflow.submit(workflow.prepare_followup(alerts["snow_update"], alerts["drafter"],
                                                                MsgType.CANCEL), alerts["drafter"]),
                     alerts["approver"])
    assert api.get("/api/v1/alerts/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_query_count_does_not_grow_with_alerts(api, alerts):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/alerts/").status_code == 200
        return len(queries)

    before = count()
    for _ in range(3):
        approved(alerts["drafter"], alerts["approver"], districts=["11140"])
    assert count() == before


def test_pages_follow_the_cursor(api, alerts):
    seen, url = [], "/api/v1/alerts/?page_size=2"
    while url:
        page = api.get(url).json()
        seen += [a["identifier"] for a in page["results"]]
        url = page["next"]
    assert seen == identifiers(api.get("/api/v1/alerts/?page_size=100"))

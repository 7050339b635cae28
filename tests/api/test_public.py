"""The public API: masking parity with the portal on every endpoint, filters, search, cursor pages,
ETag / 304, CORS for GET only, JSON errors, throttling."""

import base64
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from messages_app.models import Message, Status
from portal.models import Comment
from portal.public import text as masked
from tests import factories

from .conftest import PII_TEXT, assert_no_pii

pytestmark = pytest.mark.django_db


def test_masking_on_every_public_endpoint_including_search(api, pii_message):
    Comment.objects.create(message=pii_message, user=factories.citizen(name="kimcy_commenter"),
                           text="저도 봤어요 kimcy@example.com 010-1234-5678")
    urls = ["/api/v1/messages/", f"/api/v1/messages/{pii_message.pk}/", "/api/v1/messages/?q=엘리베이터",
            "/api/v1/messages/?q=지하철&topic=transport", "/api/v1/messages/?q=김철용", "/api/v1/messages/?q=kimcy",
            "/api/v1/messages/?q=010-1234-5678", "/api/v1/accounts/", "/api/v1/divisions/", "/api/v1/stats/"]
    for url in urls:
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)
        assert_no_pii(response.content)
    found = api.get("/api/v1/messages/?q=엘리베이터").json()["results"]
    assert [m["id"] for m in found] == [pii_message.pk]
    # The public index is built from the masked text: what is hidden cannot be searched for either.
    for hidden in ("김철용", "kimcy@example.com", "010-1234-5678", "12가3456"):
        assert api.get("/api/v1/messages/", {"q": hidden}).json()["results"] == [], hidden
    detail = api.get(f"/api/v1/messages/{pii_message.pk}/").json()
    assert detail["author"] == "김*용"
    assert detail["text"] == masked(PII_TEXT, "김철용") and "010-" in detail["text"]
    assert detail["answer"]["text"].startswith("김*용 님")
    assert detail["comments"][0]["text"].startswith("저도 봤어요")
    assert [t["status"] for t in detail["timeline"]] == ["received", "assigned"]


def test_api_text_is_exactly_the_portal_text(api, pii_message, client):
    """Same function: the API's text is the portal page's text, character for character."""
    detail = api.get(f"/api/v1/messages/{pii_message.pk}/").json()
    assert detail["text"] == masked(PII_TEXT, "김철용")
    page = client.get(f"/m/{pii_message.pk}/").content.decode()
    first_line = detail["text"].split(".")[0]
    assert first_line in page
    assert detail["answer"]["text"].split(",")[0] in page


def test_private_and_untriaged_messages_are_not_public(api, seeded):
    hidden = [factories.public_message(is_private=True), factories.public_message(status=Status.RECEIVED),
              factories.public_message(hidden_by_author=True), factories.public_message(kind="direct"),
              factories.public_message(status=Status.SPAM)]
    shown = factories.public_message()
    ids = [m["id"] for m in api.get("/api/v1/messages/").json()["results"]]
    assert ids == [shown.pk]
    for m in hidden:
        response = api.get(f"/api/v1/messages/{m.pk}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_filters_and_cursor_pages(api, seeded):
    now = timezone.now()
    old = factories.public_message("오래된 교통 민원", posted_at=now - timedelta(days=40))
    housing = factories.public_message("주택 문제", topic="housing", posted_at=now - timedelta(days=2))
    opinion = factories.public_message("의견입니다", type="opinion", posted_at=now - timedelta(days=1))
    answered = factories.public_message("답변된 민원", answer="처리했습니다", posted_at=now - timedelta(hours=1))

    def ids(query):
        return [m["id"] for m in api.get(f"/api/v1/messages/?{query}").json()["results"]]

    assert ids("topic=housing") == [housing.pk]
    assert ids("type=opinion") == [opinion.pk]
    assert ids("answered=yes") == [answered.pk]
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert old.pk not in ids(f"since={since}") and housing.pk in ids(f"since={since}")
    assert ids(f"until={(timezone.localdate() - timedelta(days=30)).isoformat()}") == [old.pk]
    assert ids(f"division={housing.division_id}&topic=housing") == [housing.pk]
    assert ids(f"account={housing.account_id}&type=opinion") == [opinion.pk]
    # Cursor pages: two by two, newest first, every message once.
    seen, url = [], "/api/v1/messages/?page_size=2"
    while url:
        page = api.get(url).json()
        seen += [m["id"] for m in page["results"]]
        url = page["next"]
    assert seen == [answered.pk, opinion.pk, housing.pk, old.pk]


@pytest.mark.parametrize("query", ["topic=x", "type=spam", "since=2026-13-01", "account=0", "account=abc",
                                   "division=99999999999999999999", "page_size=abc", "page_size=0", "page_size=-1",
                                   "page_size=", "district=seoul", "q=" + "가" * 201,
                                   "q=%00", "until=", "since=", "status=", "topic="])
def test_bad_query_is_a_json_400(api, seeded, query):
    response = api.get(f"/api/v1/messages/?{query}")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message_ko"] and error["message_en"]


@pytest.mark.parametrize("path", ["/api/v1/messages/", "/api/v1/alerts/"])
def test_a_made_up_cursor_is_drfs_404_with_its_own_code(api, seeded, path):
    # The schema cannot tell a cursor the server made from another: like DRF, a position that does not exist.
    for cursor in ("garbage", "0", "3g==", "x" * 200):
        response = api.get(path, {"cursor": cursor})
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "invalid_cursor"


def test_since_after_until_is_an_empty_period(api, seeded):
    factories.public_message("기간 시험", posted_at=timezone.now())
    today = timezone.localdate()
    assert api.get("/api/v1/messages/", {"since": str(today)}).json()["results"]
    assert api.get("/api/v1/messages/", {"since": str(today), "until": str(today - timedelta(days=1))}).json() == {
        "next": None, "previous": None, "results": []}
    stats = api.get("/api/v1/stats/", {"since": str(today), "until": str(today - timedelta(days=1))}).json()
    assert stats["total"] == 0 and stats["by_day"] == []


def test_statistics_count_at_most_366_days_and_say_which(api, seeded):
    stats = api.get("/api/v1/stats/", {"since": "2000-01-01", "until": "2026-12-31"}).json()
    assert (stats["since"], stats["until"]) == ("2025-12-31", "2026-12-31")  # 366 days, both counted
    assert api.get("/api/v1/stats/", {"until": "0001-01-05"}).json()["since"] == "0001-01-01"


@pytest.mark.parametrize("path", ["/api/v1/alerts/?status=", "/api/v1/alerts/?until=", "/api/v1/stats/?until=",
                                  "/api/v1/stats/?since="])
def test_an_empty_filter_is_refused_not_ignored(api, seeded, path):
    response = api.get(path)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == [path.rsplit("?", 1)[1].rstrip("=")]


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize("path", ["/api/v1/messages/", "/api/v1/alerts/"])
@pytest.mark.parametrize("position", ["abc", "%00", "2026-13-45T99:00:00", "9" * 300, "1e400", "'; --"])
def test_a_well_formed_cursor_with_a_position_that_is_not_a_time_is_a_json_404(api, seeded, path, position):
    factories.public_message("커서 시험")
    for reverse in ("0", "1"):
        cursor = _cursor(f"o=0&r={reverse}&p={position}")
        response = api.get(path, {"cursor": cursor})
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("query", ["q=a%00b", "since=%00", "topic=%00", "district=%00", "cursor=%00",
                                   "page_size=%00", "%00=1"])
def test_a_nul_byte_anywhere_in_the_query_is_a_json_400(api, seeded, query):
    for path in ("/api/v1/messages/", "/api/v1/alerts/", "/api/v1/stats/", "/api/v1/accounts/"):
        response = api.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query, response.content)
        assert response.json()["error"]["code"] == "invalid"


def test_json_404_everywhere_under_api(api, seeded):
    for url in ["/api/v1/messages/99999999999999999999999/", "/api/v1/nothing/", "/api/v2/"]:
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_post_to_a_public_endpoint_is_a_json_405(api, seeded):
    response = api.post("/api/v1/messages/", {})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_etag_and_304(api, seeded):
    m = factories.public_message()
    for url in ["/api/v1/messages/", f"/api/v1/messages/{m.pk}/", "/api/v1/accounts/", "/api/v1/divisions/",
                "/api/v1/stats/"]:
        first = api.get(url)
        etag = first["ETag"]
        assert etag
        again = api.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b""
    # A change (an answer) changes the ETag of the message.
    etag = api.get(f"/api/v1/messages/{m.pk}/")["ETag"]
    Message.objects.filter(pk=m.pk).update(like_count=5)
    assert api.get(f"/api/v1/messages/{m.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_cors_allows_get_only(api, seeded):
    response = api.get("/api/v1/divisions/", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = api.options("/api/v1/divisions/", HTTP_ORIGIN="https://example.org",
                            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    # Not for the portal or the staff screens.
    assert "Access-Control-Allow-Origin" not in api.get("/", HTTP_ORIGIN="https://example.org")


def test_anonymous_clients_are_throttled_with_a_json_429(api, seeded, settings):
    from rest_framework.settings import api_settings

    from api.throttles import AnonThrottle
    original = AnonThrottle.THROTTLE_RATES  # restored as it was, not as the overridden settings say
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api_anon": "3/m"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        AnonThrottle.THROTTLE_RATES = rates
        try:
            codes = [api.get("/api/v1/divisions/").status_code for _ in range(4)]
            other_address = api.get("/api/v1/divisions/", REMOTE_ADDR="10.0.0.9")
            spoofed = api.get("/api/v1/divisions/", HTTP_X_FORWARDED_FOR="10.0.0.10")
        finally:
            AnonThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]
    assert other_address.status_code == 200
    assert spoofed.status_code == 429  # X-Forwarded-For is not trusted without SMC_TRUSTED_PROXY_COUNT


def test_throttled_body(api, seeded):
    from api.throttles import AnonThrottle
    original = AnonThrottle.THROTTLE_RATES
    AnonThrottle.THROTTLE_RATES = {**original, "api_anon": "1/m"}
    try:
        api.get("/api/v1/stats/")
        response = api.get("/api/v1/stats/")
    finally:
        AnonThrottle.THROTTLE_RATES = original
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled" and error["retry_after"] >= 1
    assert response["Retry-After"] == str(error["retry_after"])
    assert error["message_ko"] and error["message_en"]


def test_statistics(api, seeded):
    today = timezone.now()
    factories.public_message(topic="transport", posted_at=today - timedelta(days=1), answer="네")
    factories.public_message(topic="housing", posted_at=today - timedelta(days=1))
    factories.public_message(topic="housing", type="opinion", posted_at=today - timedelta(days=2))
    factories.public_message(is_private=True, posted_at=today - timedelta(days=1))
    stats = api.get("/api/v1/stats/").json()
    assert stats["total"] == 3
    assert sum(d["answered"] for d in stats["by_day"]) == 1
    assert {t["topic"]: t["count"] for t in stats["by_topic"]} == {"housing": 2, "transport": 1}
    assert {t["type"]: t["count"] for t in stats["by_type"]} == {"complaint": 2, "opinion": 1}
    assert isinstance(stats["by_district"], list)


def test_schema_and_docs_are_served_without_a_cdn(api, seeded):
    schema = api.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/messages/" in paths and "/api/v1/staff/messages/{id}/answer/" in paths
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], (path, method)
            if path.startswith("/api/v1/staff"):
                assert {"401", "403", "404"} <= set(operation["responses"]), (path, method)
                example = operation["responses"]["403"]["content"]["application/json"]["examples"]
                assert next(iter(example.values()))["value"]["error"]["code"] == "forbidden"
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html


def test_one_search_limit_for_the_portal_and_the_api(api, client, seeded, settings):
    """The API's ?q= is the portal's search on the portal's index: it counts on the same counter, so
    it is no way around SMC_RATE_SEARCH (issue 22.7)."""
    settings.SMC_RATE_SEARCH = "4/h"  # an hour: no window boundary falls between the searches
    factories.public_message("지하철 엘리베이터 고장")
    assert client.get("/search/", {"q": "지하철"}).status_code == 200
    assert client.get("/", {"q": "엘리베이터"}).status_code == 200
    assert api.get("/api/v1/messages/", {"q": "지하철"}).status_code == 200
    assert client.get("/support/", {"q": "고장"}).status_code == 200
    refused = api.get("/api/v1/messages/", {"q": "엘리베이터"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled" and refused["Retry-After"]
    assert client.get("/search/", {"q": "지하철"}).status_code == 429
    # Listing without a query is no search; another address has its own counter.
    assert api.get("/api/v1/messages/").status_code == 200
    assert api.get("/api/v1/messages/", {"q": "지하철"}, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_behind_a_trusted_proxy_limits_and_throttles_count_visitors(api, client, seeded, settings):
    """One trusted-proxy rule (SMC_TRUSTED_PROXY_COUNT) for the portal's rate limits and the API's and
    Open311's throttles: two visitors behind the same proxy have their own counters, and a forged
    first hop of X-Forwarded-For does not give a visitor a new one."""
    from api.throttles import AnonThrottle
    settings.SMC_TRUSTED_PROXY_COUNT = 1
    settings.SMC_RATE_SEARCH = "2/h"
    proxy = {"REMOTE_ADDR": "10.0.0.254"}
    original = AnonThrottle.THROTTLE_RATES
    AnonThrottle.THROTTLE_RATES = {**original, "api_anon": "2/h"}
    try:
        assert [client.get("/search/", {"q": "버스"}, HTTP_X_FORWARDED_FOR=f"9.9.9.{n}, 203.0.113.5",
                           **proxy).status_code for n in range(3)] == [200, 200, 429]
        assert client.get("/search/", {"q": "버스"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 200
        assert [api.get("/api/v1/divisions/", HTTP_X_FORWARDED_FOR=f"9.9.9.{n}, 203.0.113.5",
                        **proxy).status_code for n in range(3)] == [200, 200, 429]
        assert api.get("/open311/v2/services.json", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
        assert api.get("/api/v1/divisions/", HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 200
    finally:
        AnonThrottle.THROTTLE_RATES = original


def test_small_district_counts_are_suppressed_in_the_api_as_on_the_map(api, client, seeded):
    """One rule (portal.selectors.district_count) for the SNS map and /api/v1/stats/: a district with
    fewer than five public questions is not counted exactly anywhere (issue 22.10)."""
    from portal.selectors import SMALL_COUNT
    yesterday = timezone.now() - timedelta(days=1)
    for _ in range(SMALL_COUNT):
        factories.public_message("강남구 민원", district="11230", posted_at=yesterday, index=False, timeline=False)
    for _ in range(SMALL_COUNT - 1):
        factories.public_message("강동구 민원", district="11250", posted_at=yesterday, index=False, timeline=False)
    factories.public_message("강북구 민원", district="11090", posted_at=yesterday, index=False, timeline=False)
    stats = api.get("/api/v1/stats/").json()
    by_district = {row["district"]: row for row in stats["by_district"]}
    assert by_district["11230"] == {"district": "11230", "count": SMALL_COUNT, "suppressed": False}
    assert by_district["11250"] == {"district": "11250", "count": None, "suppressed": True}
    assert by_district["11090"] == {"district": "11090", "count": None, "suppressed": True}
    page = client.get("/map/district/11250/").content.decode()
    assert f"&lt; {SMALL_COUNT}" in page or f"< {SMALL_COUNT}" in page
    assert client.get("/map/district/11230/").status_code == 200

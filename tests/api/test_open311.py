"""Open311 GeoReport v2: discovery, services, definitions, requests (filters, JSON and XML), tokens,
POST through the web form's intake with an organisation's api_key, errors as Open311 arrays; and the
round trip with the `georeport` client from PyPI against a live server."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from georeport import GeoReport

from api import keys
from api.models import Open311Request
from api.open311 import geo
from messages_app.models import Message, Status
from messages_app.services import handling
from messages_app.services import permissions as perms
from portal.public import text as masked
from tests import factories

from .conftest import PII_TEXT, assert_no_pii

pytestmark = pytest.mark.django_db
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
CITY_HALL = (37.5663, 126.9779)  # 서울특별시청, 중구
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture
def api_key(seeded):
    return keys.issue_open311_key("서울 생활민원 앱")[1]


def post(client, api_key, **fields):
    data = {"api_key": api_key, "service_code": "transport", "lat": CITY_HALL[0], "long": CITY_HALL[1],
            "description": "시청 앞 버스 정류장 표지판이 쓰러졌어요", "first_name": "철용", "last_name": "김",
            "email": "kimcy@example.com", "phone": "010-1234-5678", **fields}
    return client.post("/open311/v2/requests.json", {k: v for k, v in data.items() if v is not None})


def test_point_in_polygon_places_points_in_their_district():
    assert geo.district_at(*CITY_HALL).name == "중구"
    assert geo.district_at(37.5133, 127.1001).name == "송파구"  # 잠실 롯데월드타워
    assert geo.district_at(37.5219, 126.9245).name == "영등포구"  # 여의도
    assert geo.district_at(35.1796, 129.0756) is None  # 부산
    assert geo.district_named("서울특별시 중구 세종대로 110").name == "중구"
    assert geo.district_named("Jung-gu, Seoul").name == "중구"
    assert geo.district_named("시청 앞") is None


def test_discovery_and_services_in_json_and_xml(client, seeded):
    d = client.get("/open311/v2/discovery.json").json()
    assert d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert d["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    root = ET.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format").text == "text/xml"
    services = client.get("/open311/v2/services.json").json()
    transport = next(s for s in services if s["service_code"] == "transport")
    assert transport == {**transport, "service_name": "교통", "metadata": True, "type": "realtime"}
    assert set(transport) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    xml = client.get("/open311/v2/services.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(xml.content)
    assert root.tag == "services" and root.find("service/metadata").text == "true"
    definition = client.get("/open311/v2/services/transport.json").json()
    assert definition["service_code"] == "transport"
    attribute = definition["attributes"][0]
    assert attribute["code"] == "message_type" and attribute["datatype"] == "singlevaluelist"
    assert {v["key"] for v in attribute["values"]} == {"complaint", "opinion"}
    root = ET.fromstring(client.get("/open311/v2/services/transport.xml").content)
    assert root.tag == "service_definition" and root.find("attributes/attribute/values/value/key") is not None


def test_errors_are_open311_arrays(client, api_key):
    cases = [
        (client.get("/open311/v2/services/nothing.json"), 404),
        (client.get("/open311/v2/requests/99999.json"), 404),
        (client.get("/open311/v2/requests/abc.json"), 404),
        (client.get("/open311/v2/tokens/nope.json"), 404),
        (client.get("/open311/v2/tokens/%00.json"), 404),
        (client.get("/open311/v2/services/%00.json"), 404),
        (client.get("/open311/v2/requests/%00.json"), 404),
        (client.get("/open311/v2/requests.json?service_code=potholes"), 404),
        (client.get("/open311/v2/requests.json?start_date=%00"), 400),
        (client.get("/open311/v2/requests.json?jurisdiction_id=%00"), 400),  # a NUL anywhere in a query
        (client.get("/open311/v2/requests.json?service_code=%00"), 400),
        (client.get("/open311/v2/requests.json?status=pending"), 400),
        (client.get("/open311/v2/requests.json?start_date=yesterday"), 400),
        (client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"), 400),
        (client.get("/open311/v2/requests.json?service_request_id=1,x"), 400),
        (client.get("/open311/v2/services.json?jurisdiction_id=busan.go.kr"), 404),
        (client.get("/open311/v2/nothing.json"), 404),
        (client.post("/open311/v2/services.json"), 405),
        (client.delete("/open311/v2/requests.json"), 405),
        (post(client, "wrong-key"), 403),
        (post(client, api_key, service_code="nothing"), 400),
        (post(client, api_key, service_code=None), 400),
        (post(client, api_key, lat=35.1796, long=129.0756), 400),
        (post(client, api_key, lat="north", long="east"), 400),
        (post(client, api_key, lat=None, long=None), 400),
        (post(client, api_key, description=""), 400),
        (post(client, api_key, description="가" * 4001), 400),
        (post(client, api_key, **{"attribute[message_type]": "spam"}), 400),
        (post(client, api_key, description="\x00\u200b"), 400),
        (post(client, api_key, lat="nan", long="inf"), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request, response.content)
        body = response.json()
        assert body == [{"code": status, "description": body[0]["description"]}] and body[0]["description"]
    assert client.get("/open311/v2/requests.json?service_code=%E2%80%8B").json() == []  # nothing left to filter by
    root = ET.fromstring(client.get("/open311/v2/requests/99999.xml").content)
    assert root.tag == "errors" and root.find("error/code").text == "404"
    assert Message.objects.count() == 0


def test_post_goes_through_the_intake_with_routing_deadline_and_district(client, api_key):
    response = post(client, api_key, **{"attribute[message_type]": "complaint"})
    assert response.status_code == 201, response.content
    [body] = response.json()
    assert set(body) == {"service_request_id", "token", "service_notice", "account_id"}
    message = Message.objects.get(pk=int(body["service_request_id"]))
    assert message.platform == "web" and message.raw["source"] == "open311"
    assert message.division is not None and message.routing_reason  # routed like any message
    assert message.raw["contact"]["phone"] == "010-1234-5678"  # for the division, never public
    extra = Open311Request.objects.get(message=message)
    assert extra.district == "11020"  # 중구 (the KOSTAT 2013 code of the shapes)
    token = client.get(f"/open311/v2/tokens/{body['token']}.json").json()
    assert token == [{"service_request_id": body["service_request_id"], "token": body["token"]}]
    # An address instead of a point.
    by_address = post(client, api_key, lat=None, long=None, address_string="서울 마포구 월드컵북로 400\x00",
                      **{"attribute[x\x00]": "\x00"})
    assert by_address.status_code == 201
    stored = Open311Request.objects.get(pk=Open311Request.objects.order_by("-pk")[0].pk)
    assert stored.address_string == "서울 마포구 월드컵북로 400" and stored.attributes == {"x": ""}
    assert stored.district == "11140"  # 마포구, named in the address


def test_requests_filters_and_masking(client, seeded):
    now = timezone.now()
    answered = factories.public_message(PII_TEXT, answer="김철용 님 010-1234-5678 확인했습니다",
                                        posted_at=now - timedelta(days=1))
    housing = factories.public_message("전세 사기 상담", topic="housing", posted_at=now - timedelta(days=2))
    old = factories.public_message("오래된 민원", posted_at=now - timedelta(days=120))
    factories.public_message("비공개", is_private=True)

    def ids(query, fmt="json"):
        response = client.get(f"/open311/v2/requests.{fmt}?{query}")
        assert response.status_code == 200, response.content
        assert_no_pii(response.content)
        if fmt == "xml":
            return [e.text for e in ET.fromstring(response.content).findall("request/service_request_id")]
        return [r["service_request_id"] for r in response.json()]

    assert ids("") == [str(answered.pk), str(housing.pk)]  # the last 90 days by default
    assert ids("", "xml") == [str(answered.pk), str(housing.pk)]
    assert ids("status=closed") == [str(answered.pk)]
    assert ids("status=open") == [str(housing.pk)]
    assert ids("status=open,closed&service_code=housing") == [str(housing.pk)]
    assert ids(f"service_request_id={old.pk},{housing.pk}") == [str(housing.pk), str(old.pk)]
    start = (now - timedelta(days=130)).isoformat()
    end = (now - timedelta(days=100)).isoformat()
    assert ids(f"start_date={start}&end_date={end}".replace("+", "%2B")) == [str(old.pk)]
    [one] = client.get(f"/open311/v2/requests/{answered.pk}.json").json()
    assert set(one) == REQUEST_FIELDS
    assert one["status"] == "closed" and one["status_notes"] == masked("김철용 님 010-1234-5678 확인했습니다", "김철용")
    assert ISO.match(one["requested_datetime"]) and one["requested_datetime"].endswith("+09:00")
    assert one["agency_responsible"] == "교통정책과"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_round_trip_with_the_georeport_client(live_server, seeded, fmt):
    """POST a request, find it routed in the staff queue, answer it through the service, read it back
    closed with the answer as status_notes: with the georeport client, in JSON and XML."""
    raw_key = keys.issue_open311_key("120 다산콜센터")[1]
    base = f"{live_server.url}/open311/v2"
    posted = requests.post(f"{base}/requests.{fmt}", data={
        "api_key": raw_key, "service_code": "transport", "lat": CITY_HALL[0], "long": CITY_HALL[1],
        "description": "시청역 버스 정류장 안내판이 고장났어요. 연락처 010-1234-5678", "first_name": "철용",
        "last_name": "김"}, timeout=30)
    assert posted.status_code == 201, posted.text
    if fmt == "json":
        request_id = posted.json()[0]["service_request_id"]
    else:
        request_id = ET.fromstring(posted.content).find("request/service_request_id").text
    message = Message.objects.get(pk=int(request_id))
    assert message.division is not None
    # The division's staff find it in their queue (the staff API, with a token) and answer it.
    user = factories.staff(f"o311_{fmt}", message.division.code)
    token = keys.issue_token(user, "round trip")[1]
    queue = requests.get(f"{live_server.url}/api/v1/staff/queue/", headers={"Authorization": f"Token {token}"},
                         timeout=30).json()
    assert int(request_id) in [m["id"] for m in queue["results"]]
    assert perms.can(user, perms.ANSWER, message)
    handling.answer(message, actor=user, text="안내판을 고쳤습니다. 김철용 님 감사합니다.")
    client = GeoReport(base, output_format=fmt)
    found = client.get_service_request(request_id)
    assert found["service_request_id"] == request_id
    assert found["status"] == "closed"
    assert found["status_notes"] == "안내판을 고쳤습니다. 김*용 님 감사합니다."
    assert "010-1234-5678" not in found["description"]
    assert found["description"] == masked("시청역 버스 정류장 안내판이 고장났어요. 연락처 010-1234-5678", "김철용")
    assert found["service_code"] == "transport"  # as posted, whatever topic the routing chose
    assert found["agency_responsible"] == message.division.name_ko
    assert ISO.match(found["requested_datetime"])
    assert str(found["lat"]) == "37.566" and str(found["long"]) == "126.978"
    listed = client.get_service_requests(status="closed")
    listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one element is not a list
    assert request_id in [r["service_request_id"] for r in listed]
    services = client.get_service_list()
    assert "transport" in [s["service_code"] for s in services]
    assert client.get_service_definition("housing")["service_code"] == "housing"
    message.refresh_from_db()
    assert message.status == Status.ANSWERED


def test_post_is_rate_limited_per_key(client, api_key, settings):
    settings.SMC_RATE_OPEN311_POST = "2/h"  # an hour: no window boundary falls between the posts
    codes = [post(client, api_key, description=f"민원 {i} 정류장").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    other = keys.issue_open311_key("다른 기관")[1]
    assert post(client, other).status_code == 201


def test_failed_api_keys_lock_the_address(client, api_key, settings):
    settings.SMC_LOGIN_FAILURE_LIMIT = 3
    assert [post(client, "guess").status_code for _ in range(3)] == [403, 403, 403]
    assert post(client, api_key).status_code == 429


def test_revoked_key_is_refused(client, seeded):
    key, raw = keys.issue_open311_key("폐기될 기관")
    keys.revoke(key)
    assert post(client, raw).status_code == 403


@pytest.mark.slow
def test_no_input_makes_open311_answer_500(client, api_key):
    """Any query, path segment or form: an Open311 answer or error array, never a server error."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = st.sampled_from(["service_request_id", "service_code", "start_date", "end_date", "status",
                             "jurisdiction_id", "lat", "long", "address_string", "description", "api_key",
                             "attribute[message_type]", "first_name", "email"])
    values = st.one_of(st.text(max_size=40), st.sampled_from(["open", "closed", "transport", "2026-01-01T00:00:00Z",
                                                              "37.56", "126.97", api_key, "1,2,x", "-1", "1e400"]))
    paths = st.sampled_from(["requests", "requests/{x}", "services", "services/{x}", "tokens/{x}", "discovery"])

    @given(path=paths, segment=st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and "." not in s),
           fmt=st.sampled_from(["json", "xml"]), params=st.dictionaries(names, values, max_size=6),
           method=st.sampled_from(["get", "post"]))
    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(path, segment, fmt, params, method):
        from urllib.parse import quote
        url = f"/open311/v2/{path.format(x=quote(segment, safe=''))}.{fmt}"
        response = getattr(client, method)(url, params)
        assert response.status_code < 500, (method, url, params)
        if response.status_code in (400, 403, 404, 429) and response.get("Content-Type", "").startswith(
                ("application/json", "text/xml")):
            assert b"code" in response.content

    run()


@pytest.fixture
def anon_rate():
    """The API's anonymous rate, set for one test (DRF reads it once, at import)."""
    from api.throttles import AnonThrottle
    original = AnonThrottle.THROTTLE_RATES

    def set_rate(rate):
        AnonThrottle.THROTTLE_RATES = {**original, "api_anon": rate}

    yield set_rate
    AnonThrottle.THROTTLE_RATES = original


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_gets_are_throttled_per_address_on_the_apis_counter(client, seeded, anon_rate, fmt):
    """Open311's GETs are the API's public data in another format: one anonymous budget per address
    for both, so neither door doubles it (issue 22.5)."""
    anon_rate("4/h")  # an hour: no window boundary falls between the requests
    assert client.get(f"/open311/v2/requests.{fmt}").status_code == 200
    assert client.get(f"/open311/v2/services.{fmt}").status_code == 200
    assert client.get("/api/v1/divisions/").status_code == 200
    assert client.get(f"/open311/v2/discovery.{fmt}").status_code == 200
    refused = client.get(f"/open311/v2/requests.{fmt}")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    if fmt == "json":
        [error] = refused.json()
        assert error["code"] == 429 and "too many requests" in error["description"]
    else:
        assert ET.fromstring(refused.content).find("error/code").text == "429"
    assert client.get("/api/v1/divisions/").status_code == 429  # the same counter
    assert client.get(f"/open311/v2/requests.{fmt}", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_open311_requests_come_in_small_pages(client, seeded):
    now = timezone.now()
    made = [factories.public_message(f"정류장 민원 {i}", index=False, timeline=False,
                                     posted_at=now - timedelta(minutes=i)) for i in range(27)]
    newest_first = [str(m.pk) for m in made]

    def ids(query):
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert ids("") == newest_first[:20]  # the default page is small
    assert ids("page=2") == newest_first[20:]
    assert ids("page=3") == []
    assert ids("page_size=5&page=3") == newest_first[10:15]
    assert ids("page_size=100") == newest_first
    xml = client.get("/open311/v2/requests.xml?page_size=3&page=2")
    assert [e.text for e in ET.fromstring(xml.content).findall("request/service_request_id")] == newest_first[3:6]
    for query in ("page=0", "page=-1", "page=abc", "page_size=0", "page_size=101", "page_size=x", "page=1e9",
                  "page=99999999999999999999"):
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 400, query
        assert "page" in response.json()[0]["description"]
    too_many = ",".join(str(i) for i in range(1, 102))
    response = client.get(f"/open311/v2/requests.json?service_request_id={too_many}")
    assert response.status_code == 400


class ClassifiesAsSafety:
    """The classifier's answer for this test: every text is a safety complaint (the routing files a
    posted `transport` request under `safety`)."""
    version = "test-safety"

    def predict_tokens(self, pairs_list):
        from classification.model import Prediction

        return [Prediction("complaint", "safety", 0.95) for _ in pairs_list]


def test_the_requested_service_code_is_kept_and_the_routings_topic_stored_beside_it(client, api_key, monkeypatch):
    from classification import versions

    monkeypatch.setattr(versions, "active_model", ClassifiesAsSafety)
    response = post(client, api_key, service_code="transport")
    assert response.status_code == 201, response.content
    request_id = response.json()[0]["service_request_id"]
    message = Message.objects.get(pk=int(request_id))
    stored = Open311Request.objects.get(message=message)
    assert message.topic == "safety"  # routed by what it says
    assert (stored.service_code, stored.routed_topic) == ("transport", "safety")
    [one] = client.get(f"/open311/v2/requests/{request_id}.json").json()
    assert (one["service_code"], one["service_name"]) == ("transport", "교통")  # what the client sent
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{request_id}.xml").content)
    assert xml.find("request/service_code").text == "transport"
    # The client finds its request by the code it used, and not under the routing's topic.
    def listed(code):
        return [r["service_request_id"] for r in client.get(f"/open311/v2/requests.json?service_code={code}").json()]

    by_transport, by_safety = listed("transport"), listed("safety")
    assert request_id in by_transport and request_id not in by_safety

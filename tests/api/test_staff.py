"""The staff API: personal tokens (issued and revoked in the staff screens, only a hash stored), the
same division scoping as the staff screens (a refusal is a JSON 403 and an audit entry), the actions
through the staff handling services (services/handling.py), and the login lockout on failed tokens."""

import pytest
from django.test import override_settings

from api.models import ApiToken
from messages_app.errors import AlreadyAnswered
from messages_app.models import Answer, AuditEntry, LabelCorrection, Message, Status
from tests import factories
from users import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def bus(seeded):
    return factories.staff("bus_api", "bus-policy")


@pytest.fixture
def road(seeded):
    return factories.staff("road_api", "road-management")


def auth(raw):
    return {"HTTP_AUTHORIZATION": f"Token {raw}"}


def test_queue_holds_only_the_users_division(api, bus, road, token_for):
    mine = factories.routed("bus-policy")
    theirs = factories.routed("road-management")
    response = api.get("/api/v1/staff/queue/", **auth(token_for(bus)))
    assert response.status_code == 200
    ids = [m["id"] for m in response.json()["results"]]
    assert mine.pk in ids and theirs.pk not in ids
    # Staff see the original text, as in the staff screens.
    assert response.json()["results"][0]["text"] == mine.text


def test_answer_through_the_service(api, bus, token_for):
    message = factories.routed("bus-policy", text="버스가 안 와요 010-1234-5678")
    response = api.post(f"/api/v1/staff/messages/{message.pk}/answer/", {"text": "배차를 늘렸습니다."},
                        format="json", **auth(token_for(bus)))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.ANSWERED
    assert response.json()["text"].endswith("010-1234-5678")  # staff see the original
    answer = Answer.objects.get(message=message)
    assert answer.author == bus and answer.text == "배차를 늘렸습니다."
    assert AuditEntry.objects.filter(actor=bus, message=message, action="answer", allowed=True).exists()
    again = api.post(f"/api/v1/staff/messages/{message.pk}/answer/", {"text": "또"}, format="json",
                     **auth(token_for(bus)), HTTP_ACCEPT_LANGUAGE="en")
    # A conflict with the message's state, not bad input: 409 with the one code for it.
    error = again.json()["error"]
    assert again.status_code == 409 and error["code"] == AlreadyAnswered.code == "already_answered"
    assert error["message_ko"] != error["message_en"] and "(" not in error["message_ko"]


def test_transfer_labels_and_status(api, bus, token_for):
    token = token_for(bus)
    message = factories.routed("bus-policy")
    r = api.post(f"/api/v1/staff/messages/{message.pk}/labels/", {"topic": "housing"}, format="json", **auth(token))
    assert r.status_code == 200 and r.json()["topic"] == "housing"
    assert LabelCorrection.objects.filter(message=message, topic="housing", corrected_by=bus).exists()
    r = api.post(f"/api/v1/staff/messages/{message.pk}/status/", {"status": "in_progress"}, format="json",
                 **auth(token))
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = api.post(f"/api/v1/staff/messages/{message.pk}/status/", {"status": "received"}, format="json",
                 **auth(token))
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    road = factories.division("road-management")
    r = api.post(f"/api/v1/staff/messages/{message.pk}/transfer/", {"division": road.pk, "reason": "도로 소관"},
                 format="json", **auth(token))
    assert r.status_code == 200 and r.json()["division"]["id"] == road.pk
    r = api.post(f"/api/v1/staff/messages/{message.pk}/transfer/", {"division": 999999, "reason": "x"},
                 format="json", **auth(token))
    assert r.status_code == 403  # no longer the user's division: refused before the input is looked at


@pytest.mark.parametrize("action, payload", [
    ("", None), ("answer/", {"text": "답변"}), ("transfer/", {"division": 1, "reason": "사유"}),
    ("labels/", {"topic": "housing"}), ("status/", {"status": "in_progress"}),
])
def test_another_divisions_message_is_403_and_audited(api, bus, road, token_for, action, payload):
    message = factories.routed("road-management", is_private=True)
    url = f"/api/v1/staff/messages/{message.pk}/{action}"
    response = (api.post(url, payload, format="json", **auth(token_for(bus))) if payload
                else api.get(url, **auth(token_for(bus))))
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "forbidden" and error["message_ko"] and error["message_en"] != error["message_ko"]
    assert AuditEntry.objects.filter(actor=bus, message=message, allowed=False).exists()
    message.refresh_from_db()
    assert message.status == Status.ASSIGNED and not Answer.objects.filter(message=message).exists()


def test_no_token_bad_token_revoked_token_and_non_staff(api, bus, token_for):
    message = factories.routed("bus-policy")
    url = f"/api/v1/staff/messages/{message.pk}/"
    none = api.get(url)
    assert none.status_code == 401 and none.json()["error"]["code"] == "not_authenticated"
    assert api.get(url, **auth("smc_wrong")).json()["error"]["code"] == "authentication_failed"
    raw = token_for(bus)
    assert api.get(url, **auth(raw)).status_code == 200
    token = ApiToken.objects.get(user=bus)
    assert raw not in token.key_hash and token.key_hash != raw and len(token.key_hash) == 64
    from api import keys
    keys.revoke(token)
    assert api.get(url, **auth(raw)).status_code == 401
    bus.is_staff = False
    bus.save()
    assert api.get(url, **auth(token_for(bus))).status_code == 401


@override_settings(SMC_LOGIN_FAILURE_LIMIT=3)
def test_failed_tokens_lock_the_address(api, bus, token_for):
    good = token_for(bus)
    for _ in range(3):
        assert api.get("/api/v1/staff/queue/", **auth("smc_guess")).status_code == 401
    locked = api.get("/api/v1/staff/queue/", **auth(good))
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked" and locked["Retry-After"]
    # Another address is not locked.
    assert api.get("/api/v1/staff/queue/", REMOTE_ADDR="10.1.1.1", **auth(good)).status_code == 200


def test_tokens_are_issued_once_and_revoked_in_the_staff_screens(client, bus, road):
    client.force_login(bus)
    response = client.post("/admin/api/apitoken/add/", {"name": "120 콜센터"}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(user=bus)
    shown = [str(m) for m in response.context["messages"]]
    raw = next(part for m in shown for part in m.split() if part.startswith("smc_"))
    assert raw.startswith(token.prefix)
    from api import keys
    assert keys.digest(raw) == token.key_hash
    # The list shows the prefix, never the token again.
    listing = client.get("/admin/api/apitoken/").content.decode()
    assert token.prefix in listing and raw not in listing
    # Another user's tokens are not theirs to see.
    other = keys.issue_token(road, "road")[0]
    assert client.get(f"/admin/api/apitoken/{other.pk}/change/").status_code in (302, 403, 404)
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_open311_keys_are_the_desks(client, seeded):
    desk = factories.staff("desk_api", role=roles.SMC_DESK)
    client.force_login(desk)
    response = client.post("/admin/api/open311key/add/", {"organisation": "서울 앱", "contact": "a@b.kr"},
                           follow=True)
    assert response.status_code == 200
    assert any("o311_" in str(m) for m in response.context["messages"])
    staff = factories.staff("bus_key", "bus-policy")
    client.force_login(staff)
    assert client.get("/admin/api/open311key/add/").status_code == 403


def test_staff_message_unknown_is_404(api, bus, token_for):
    response = api.get("/api/v1/staff/messages/999999999/", **auth(token_for(bus)))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert Message.objects.count() == 0


PII = "버스 정류장 표지판이 쓰러졌어요. 연락처 010-9876-5432, 메일 parkjh@example.com"


def test_another_divisions_public_message_is_read_masked(api, bus, road, token_for, seeded):
    """A public message may be read by any division's staff, but as the public reads it: its text
    masked, no handle and no link to the post. The division holding it, a division it passed through
    (transfer) and the desk read it as sent (issue 22.10)."""
    message = factories.public_message(PII, answer="박정훈 님, 010-9876-5432 로 연락드렸습니다.",
                                       author_name="박정훈", author_handle="parkjh_seoul",
                                       division=factories.division("road-management"))
    desk = factories.staff("desk_api", None, role=roles.SMC_DESK)

    def read(user):
        response = api.get(f"/api/v1/staff/messages/{message.pk}/", **auth(token_for(user)))
        assert response.status_code == 200, response.content
        return response.json(), response.content.decode()

    body, raw = read(bus)
    for secret in ("9876-5432", "parkjh", "박정훈"):
        assert secret not in raw, secret
    assert body["author_handle"] == "" and body["url"] == "" and body["author_name"] == "박*훈"
    assert body["text"].startswith("버스 정류장 표지판이 쓰러졌어요")
    for user in (road, desk):
        body, raw = read(user)
        assert body["text"] == PII and body["author_handle"] == "parkjh_seoul" and "010-9876-5432" in raw
    # Transferred from road to bus and back: bus, which held it, reads it as sent from now on.
    from messages_app.services import handling
    message.status = Status.ASSIGNED
    Message.objects.filter(pk=message.pk).update(status=Status.ASSIGNED)
    handling.transfer(message, factories.division("bus-policy"), actor=desk, reason="버스 정류장 소관")
    handling.transfer(message, factories.division("road-management"), actor=desk, reason="도로 시설물")
    body, raw = read(bus)
    assert body["text"] == PII and "010-9876-5432" in raw


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("transfer", {"division": "12", "reason": "소관"}, 400, "invalid"),      # a string is not an id
    ("transfer", {"division": True, "reason": "소관"}, 400, "invalid"),
    ("transfer", {"division": 99999, "reason": "소관"}, 404, "not_found"),   # no such division
    ("transfer", {"division": 1, "reason": "\u200b\x03 "}, 400, "invalid"),  # invisible only: no reason
    ("status", {"status": "in_progress", "note": 0}, 400, "invalid"),        # a number is not a note
    ("answer", {"text": 5}, 400, "invalid"),
    ("labels", {}, 400, "required"),
])
def test_staff_input_is_typed_as_the_schema_says(api, bus, token_for, path, body, status, code):
    message = factories.routed("bus-policy")
    r = api.post(f"/api/v1/staff/messages/{message.pk}/{path}/", body, format="json", **auth(token_for(bus)))
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.content
    assert Message.objects.get(pk=message.pk).status == message.status


def test_an_invisible_note_is_no_note_and_form_bodies_are_refused(api, bus, token_for):
    message = factories.routed("bus-policy")
    url = f"/api/v1/staff/messages/{message.pk}/status/"
    r = api.post(url, {"status": "in_progress", "note": "\u200b"}, format="json", **auth(token_for(bus)))
    assert r.status_code == 200 and r.json()["history"][-1]["note"] == ""
    form = api.post(url, {"status": "closed"}, **auth(token_for(bus)))  # multipart: JSON only
    assert form.status_code == 415 and form.json()["error"]["code"] == "unsupported_media_type"


def test_the_queue_overdue_filter_uses_the_one_definition(api, bus, token_for):
    from datetime import timedelta

    from django.utils import timezone

    marked = factories.routed("bus-policy", due_at=timezone.now() - timedelta(days=1), is_overdue=True)
    unmarked = factories.routed("bus-policy", due_at=timezone.now() - timedelta(minutes=1), is_overdue=False)
    later = factories.routed("bus-policy", due_at=timezone.now() + timedelta(days=1))
    token = token_for(bus)
    overdue = api.get("/api/v1/staff/queue/?overdue=true", **auth(token)).json()["results"]
    assert {m["id"] for m in overdue} == {marked.pk, unmarked.pk} and all(m["is_overdue"] for m in overdue)
    rest = api.get("/api/v1/staff/queue/?overdue=false", **auth(token)).json()["results"]
    assert {m["id"] for m in rest} == {later.pk} and not rest[0]["is_overdue"]

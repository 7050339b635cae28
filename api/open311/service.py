"""The Open311 side of the inbox: services are the topics; a request is a public message; POST
requests goes through messages_app's intake (classification, routing, deadline) and masking applies
to everything read back, through the portal's own filters."""

import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from messages_app.models import Message, MessageType, Status, Topic
from messages_app.services import intake
from portal import public, selectors

from ..models import Open311Key, Open311Request
from . import geo
from .wire import iso

OPEN = {Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS}
CLOSED = {Status.ANSWERED, Status.CLOSED}
DESCRIPTION_MAX = 4000
# The one attribute of every service definition: what kind of message it is.
MESSAGE_TYPE_ATTRIBUTE = {
    "variable": True, "code": "message_type", "datatype": "singlevaluelist", "required": False,
    "datatype_description": "민원·제안 또는 단순의견 (complaint or opinion)", "order": 1,
    "description": "요청의 성격 / the kind of request",
    "values": [{"key": MessageType.COMPLAINT.value, "name": MessageType.COMPLAINT.label},
               {"key": MessageType.OPINION.value, "name": MessageType.OPINION.label}],
}
KEYWORDS = {
    Topic.TRANSPORT: "버스,지하철,택시,도로,주차,bus,subway,traffic", Topic.SAFETY: "안전,재난,시설,safety",
    Topic.HOUSING: "주택,전세,아파트,housing", Topic.CULTURE: "문화,관광,축제,culture",
    Topic.WELFARE: "복지,돌봄,welfare", Topic.ENVIRONMENT: "환경,쓰레기,공기,environment",
    Topic.ECONOMY: "경제,일자리,economy", Topic.ADMINISTRATION: "행정,민원,administration",
    Topic.OTHER: "기타,other",
}


class Open311Error(Exception):
    """GeoReport v2's error: the HTTP status as its code and one description, in English like the
    standard's own (its clients are other cities' and vendors' systems); not a Korean-English pair."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def services() -> list[dict]:
    return [{"service_code": topic.value, "service_name": topic.label,
             "description": f"서울시 {topic.label} 분야 민원·제안 ({topic.value})", "metadata": True,
             "type": "realtime", "keywords": KEYWORDS.get(topic, ""), "group": "서울시 소셜미디어센터"}
            for topic in Topic]


def service_definition(code: str) -> dict:
    if code not in Topic.values:
        raise Open311Error(404, f"service_code {code!r} not found")
    return {"service_code": code, "attributes": [MESSAGE_TYPE_ATTRIBUTE]}


def public_requests() -> QuerySet[Message]:
    return selectors.any_public().select_related("open311")


def as_request(message: Message) -> dict:
    """One message as GeoReport v2's service request: masked text and notes, local times with offset."""
    answer = selectors.answer_of(message)
    extra = getattr(message, "open311", None) if hasattr(message, "open311") else None
    district = geo.by_code(extra.district if extra else getattr(message, "district", "") or "")
    address = public.text(extra.address_string, message.author_name) if extra and extra.address_string else ""
    lat = long = None
    if extra and extra.lat is not None and extra.long is not None:
        # Rounded to about 100 m: where the problem is, not which house sent it.
        lat, long = round(extra.lat, 3), round(extra.long, 3)
    # A request posted through Open311 keeps the client's code (it finds its request by it); any other
    # public message is listed under its topic.
    code = extra.service_code if extra else (message.topic or Topic.OTHER)
    return {
        "service_request_id": str(message.pk),
        "status": "closed" if message.status in CLOSED else "open",
        "status_notes": public.answer_text(answer, message) if answer else None,
        "service_name": Topic(code).label,
        "service_code": code,
        "description": public.message_text(message),
        "agency_responsible": message.division.name_ko if message.division else None,
        "service_notice": None,
        "requested_datetime": iso(message.posted_at),
        "updated_datetime": iso(max(message.updated_at, answer.updated_at) if answer else message.updated_at),
        "expected_datetime": iso(message.due_at) if message.status in OPEN else None,
        "address": address or (f"서울특별시 {district.name}" if district else None),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": long,
        "media_url": None,
    }


def find(ids: list[int] | None = None, *, service_codes: list[str] | None = None, start: datetime | None = None,
         end: datetime | None = None, statuses: list[str] | None = None, offset: int = 0,
         limit: int = 20) -> list[dict]:
    qs = public_requests()
    if ids is not None:
        qs = qs.filter(pk__in=ids)  # overrides every other filter (the spec)
    else:
        if service_codes:
            qs = qs.filter(Q(open311__service_code__in=service_codes)
                           | Q(open311__isnull=True, topic__in=service_codes))
        if start:
            qs = qs.filter(posted_at__gte=start)
        if end:
            qs = qs.filter(posted_at__lte=end)
        wanted = set()
        for status in statuses or []:
            wanted |= OPEN if status == "open" else CLOSED
        if wanted:
            qs = qs.filter(status__in=wanted)
    return [as_request(m) for m in qs.order_by("-posted_at", "-id")[offset:offset + limit]]


def token_request(token: str) -> dict:
    found = Open311Request.objects.filter(token=token).first() if token.isalnum() and token.isascii() else None
    if found is None:
        raise Open311Error(404, "token not found")
    return {"service_request_id": str(found.message_id), "token": found.token}


def create(key: Open311Key, *, service_code: str, description: str, lat: float | None, long: float | None,
           address_string: str, attributes: dict, contact: dict, author_name: str) -> Open311Request:
    """POST requests: the message through the web form's intake, then where it is."""
    if service_code not in Topic.values:
        raise Open311Error(400, f"service_code {service_code!r} not found")
    if attributes.get("message_type") not in (None, "", *(a["key"] for a in MESSAGE_TYPE_ATTRIBUTE["values"])):
        raise Open311Error(400, "attribute[message_type] must be complaint or opinion")
    district = None
    if lat is not None and long is not None:
        district = geo.district_at(lat, long)
        if district is None:
            raise Open311Error(400, "lat/long is outside Seoul")
    elif address_string:
        district = geo.district_named(address_string)
    else:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    if not description.strip():
        raise Open311Error(400, "description is required")
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"description is longer than {DESCRIPTION_MAX} characters")
    token = uuid.uuid4().hex
    location = {"lat": lat, "long": long, "address_string": address_string,
                "district": district.code if district else "", "service_code": service_code,
                "attributes": attributes}
    with transaction.atomic():
        try:
            message = intake.submit_open311_request(key.organisation, description, reference=token,
                                                    author_name=author_name, contact=contact, location=location)
        except intake.IntakeError as exc:
            raise Open311Error(400, exc.message_en) from None
        if district and selectors.has_district():
            Message.objects.filter(pk=message.pk, district="").update(district=district.code)
        return Open311Request.objects.create(
            message=message, key=key, token=token, service_code=service_code, routed_topic=message.topic,
            lat=lat, long=long,
            address_string=address_string[:300], district=district.code if district else "", attributes=attributes)

"""OASIS CAP 1.2 documents of the alerts, and the Atom feed that links to them.

One `info` per language (ko-KR, en-US), each with the same `area`: areaDesc, one simplified polygon per
chosen district (the city's outline for the whole city) and their KOSTAT geocodes (Seoul's own, 11, for
the whole city). `sent` carries Seoul's +09:00 offset, as the schema's pattern requires an offset.
Update and Cancel list every earlier message of the chain in `references` ("sender,identifier,sent").
"""

from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from . import areas, selectors, texts
from .models import Broadcast

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CONTENT_TYPE = "application/cap+xml"
SENDER = "smc@seoul.go.kr"
SENDER_NAME_KO, SENDER_NAME_EN = "서울특별시 소셜미디어센터", "Seoul Metropolitan Government, Social Media Center"
SEOUL = ZoneInfo("Asia/Seoul")


def cap_time(value) -> str:
    """2026-03-02T09:00:00+09:00 (CAP forbids "Z" and fractions of a second)."""
    return value.astimezone(SEOUL).replace(microsecond=0).isoformat()


def sent_time(broadcast: Broadcast):
    return broadcast.approved_at or broadcast.submitted_at or broadcast.drafted_at


def cap_url(broadcast: Broadcast) -> str:
    return settings.SMC_SITE_URL + reverse("alert_cap", args=[broadcast.identifier])


def _sub(parent, name: str, text: str | None = None):
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _info(alert, broadcast: Broadcast, lang: str) -> None:
    ko = lang == "ko"
    info = _sub(alert, "info")
    _sub(info, "language", "ko-KR" if ko else "en-US")
    _sub(info, "category", broadcast.category)
    _sub(info, "event", broadcast.event_ko if ko else broadcast.event_en)
    _sub(info, "urgency", broadcast.urgency)
    _sub(info, "severity", broadcast.severity)
    _sub(info, "certainty", broadcast.certainty)
    if broadcast.onset:
        _sub(info, "onset", cap_time(broadcast.onset))
    _sub(info, "expires", cap_time(broadcast.expires))
    _sub(info, "senderName", SENDER_NAME_KO if ko else SENDER_NAME_EN)
    headline = broadcast.title(lang)
    if broadcast.is_exercise:
        headline = f"{'[훈련]' if ko else '[EXERCISE]'} {headline}"
    _sub(info, "headline", headline)
    _sub(info, "description", broadcast.description_ko if ko else broadcast.description_en)
    instruction = broadcast.instruction_ko if ko else broadcast.instruction_en
    if instruction:
        _sub(info, "instruction", instruction)
    _sub(info, "web", texts.public_url(broadcast))
    area = _sub(info, "area")
    _sub(area, "areaDesc", areas.describe(broadcast.districts, lang))
    polygons, codes = areas.cap_areas(broadcast.districts)
    for polygon in polygons:
        _sub(area, "polygon", polygon)
    for code in codes:
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", areas.GEOCODE_NAME)
        _sub(geocode, "value", code)


def cap_xml(broadcast: Broadcast) -> bytes:
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", broadcast.identifier)
    _sub(alert, "sender", SENDER)
    _sub(alert, "sent", cap_time(sent_time(broadcast)))
    _sub(alert, "status", broadcast.cap_status)
    _sub(alert, "msgType", broadcast.msg_type)
    _sub(alert, "scope", "Public")
    if broadcast.is_exercise:
        _sub(alert, "note", "훈련 메시지입니다. 실제 상황이 아닙니다. (Exercise: not a real emergency.)")
    chain = selectors.references_chain(broadcast)
    if chain:
        _sub(alert, "references", " ".join(f"{SENDER},{b.identifier},{cap_time(sent_time(b))}" for b in chain))
    for lang in ("ko", "en"):
        _info(alert, broadcast, lang)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)


class CapAtomFeed(Atom1Feed):
    """Atom with, per entry, a second alternate link of type application/cap+xml (what CAP
    aggregators follow)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("link", "", {"rel": "alternate", "type": CONTENT_TYPE, "href": item["cap_url"]})


class AlertsFeed(Feed):
    feed_type = CapAtomFeed
    title = "서울특별시 긴급메시지 (Seoul emergency alerts)"
    subtitle = "서울시 소셜미디어센터가 발신한 긴급메시지와 CAP 1.2 문서"
    author_name = SENDER_NAME_KO

    def link(self):
        return reverse("alert_list")

    def items(self):
        return selectors.public_alerts()[:50]

    def item_title(self, item: Broadcast):
        mark = "[훈련] " if item.is_exercise else ""
        return f"{mark}[{item.get_msg_type_display()}] {item.title_ko} / {item.title_en}"

    def item_description(self, item: Broadcast):
        return f"{item.description_ko}\n\n{item.description_en}"

    def item_link(self, item: Broadcast):
        return reverse("alert_detail", args=[item.identifier])

    def item_guid(self, item: Broadcast):
        return cap_url(item)

    def item_pubdate(self, item: Broadcast):
        return sent_time(item)

    def item_updateddate(self, item: Broadcast):
        return item.completed_at or sent_time(item)

    def item_extra_kwargs(self, item: Broadcast):
        return {"cap_url": cap_url(item)}

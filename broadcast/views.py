"""Public alert pages: the list, one page per alert, its CAP 1.2 document and the Atom feed."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from . import areas, cap, selectors
from .models import Broadcast, MsgType

# What citizens read for a message's place in its chain (the CAP msgType stays in the CAP document).
KINDS = {MsgType.ALERT: ("긴급 안내", "Alert"), MsgType.UPDATE: ("정정 안내", "Update"),
         MsgType.CANCEL: ("해제·취소", "Cancelled")}


def kind_label(alert: Broadcast, en: bool) -> str:
    return KINDS[MsgType(alert.msg_type)][1 if en else 0]


def _context(alert: Broadcast, en: bool, now) -> dict:
    return {
        "alert": alert, "en": en, "kind": kind_label(alert, en),
        "headline": alert.title("en" if en else "ko"),
        "event": alert.event_en if en else alert.event_ko,
        "description": alert.description_en if en else alert.description_ko,
        "instruction": alert.instruction_en if en else alert.instruction_ko,
        "area": areas.describe(alert.districts, "en" if en else "ko"),
        "in_effect": alert.expires > now,
    }


def alert_list(request):
    en, now = get_language() == "en", timezone.now()
    effective = {a.pk for a in selectors.in_effect(now)}
    alerts = []
    for alert in selectors.public_alerts()[:100]:
        item = _context(alert, en, now)
        item["in_effect"] = alert.pk in effective
        alerts.append(item)
    return render(request, "broadcast/alert_list.html", {"alerts": alerts, "en": en})


def alert_detail(request, identifier: str):
    en, now = get_language() == "en", timezone.now()
    try:
        alert = selectors.public_alert(identifier)
    except Broadcast.DoesNotExist:
        raise Http404 from None
    context = _context(alert, en, now)
    context["in_effect"] = selectors.in_effect(now).filter(pk=alert.pk).exists()
    chain = selectors.chain_of(alert)
    context["chain"] = [{"alert": b, "kind": kind_label(b, en), "headline": b.title("en" if en else "ko")}
                        for b in chain]
    context["head"] = chain[-1]
    return render(request, "broadcast/alert_detail.html", context)


def alert_cap(request, identifier: str):
    try:
        alert = selectors.public_alert(identifier)
    except Broadcast.DoesNotExist:
        raise Http404 from None
    return HttpResponse(cap.cap_xml(alert), content_type=f"{cap.CONTENT_TYPE}; charset=utf-8")


alert_feed = cap.AlertsFeed()

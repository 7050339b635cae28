"""Thin views: check who asks, parse the filters, call the selectors, render or export."""

import re
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Account, Platform
from departments.models import Division, MessageType, Topic

from . import access, charts, definitions, drilldown, exports, reports, selectors
from .filters import PERIODS, BadFilter, Filters, parse

PAGES = {
    "overview": pgettext_lazy("page", "개요"),
    "mayor": pgettext_lazy("page", "시장 계정"),
    "divisions": pgettext_lazy("page", "부서"),
    "words": pgettext_lazy("page", "주제와 낱말"),
    "accounts": pgettext_lazy("page", "계정"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _guard(request):
    """(scope, filters) or an HttpResponse (login redirect, 400); raises PermissionDenied (audited)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), "admin:login")
    who = access.scope(request.user)
    if who is None:
        raise access.refuse(request.user, request.path)
    try:
        f = parse(request.GET)
    except BadFilter as exc:
        return HttpResponseBadRequest(str(exc))
    if not who.all:
        if f.division_ids and not set(f.division_ids) <= set(who.division_ids):
            raise access.refuse(request.user, request.path, "다른 부서")
        f = replace(f, division_ids=f.division_ids or who.division_ids)
    return who, f


def _figures(name: str, f: Filters, request) -> dict:
    if name == "divisions":
        sort = request.GET.get("sort", "received")
        return selectors.divisions(f, sort=sort, desc=request.GET.get("dir", "desc") != "asc")
    return selectors.PAGES[name](f)


@require_GET
def page(request, name="overview"):
    if name not in PAGES:
        raise Http404
    guarded = _guard(request)
    if isinstance(guarded, HttpResponse):
        return guarded
    who, f = guarded
    figures = _figures(name, f, request)
    tables = figures["tables"]
    query = figures.get("filters", f).query()  # the filters the figures were counted with
    scale = request.GET.get("scale", "")
    if scale not in charts.SCALES:
        return HttpResponseBadRequest("알 수 없는 눈금입니다.")
    if scale:
        query["scale"] = scale
    blocks = [{"table": t, "chart": _chart(name, t, i, query, scale),
               "rows": _rows(t, name, query), "defines": _defines(t),
               "csv": _export_url(name, t.key, "csv", query), "xlsx": _export_url(name, t.key, "xlsx", query)}
              for i, t in enumerate(tables)]
    context = {
        **_admin_context(request),
        "title": _("통계: %(page)s") % {"page": PAGES[name]}, "pages": PAGES, "current": name, "blocks": blocks,
        "cards": figures.get("cards"), "filters": f, "choices": _choices(who), "scope": who,
        "periods": PERIODS, "query": query, "sort": request.GET.get("sort", ""),
        "dir": request.GET.get("dir", "desc"), "months": _months(), "definitions": definitions.FIGURES,
        "scale": scale, "scales": [("", _("보통")), ("log", _("로그")), ("clip", _("큰 값 자르기"))],
        "card_links": {key: drill_url(name, "cards", query, params) for key, params in (
            ("today", {"day": timezone.localdate().isoformat()}), ("open", {"state": "open"}),
            ("overdue", {"state": "overdue"}), ("answered_today", {"state": "answered_today"}))},
    }
    return render(request, "dashboard/page.html", context)


def _defines(table) -> list[tuple[str, str]]:
    """The definitions of the table's figures that have one, under the table."""
    return [(c.label, definitions.FIGURES[c.key]) for c in table.columns if c.key in definitions.FIGURES]


def _cell(column, value) -> str:
    if value is None:
        return "-"
    if column.percent:
        return f"{value:,.1f}%"
    if column.numeric and isinstance(value, int):
        return f"{value:,}"
    return str(value)


def drill_url(name: str, key: str, query: dict, params: dict) -> str:
    """The list of a figure's messages: the page's filters, what the figure adds, and the way back."""
    return "/dashboard/messages/?" + urlencode({**query, **params, "from": name, "block": key,
                                                "back": urlencode(query)})


def drill_links(name: str, table, query: dict, extra: dict | None = None) -> list[str | None]:
    drill = table.drill or [None] * len(table.rows)
    return [drill_url(name, table.key, query, {**d, **(extra or {})}) if d is not None else None for d in drill]


def _chart(name: str, table, index: int, query: dict, scale: str) -> str:
    cell_links = {key: drill_links(name, table, query, extra) for key, extra in table.cell_drill.items()}
    return charts.chart_for(table, index, drill_links(name, table, query), scale, cell_links)


def _rows(table, name: str, query: dict) -> str:
    """The table body as HTML, built here: a template loop over 44 × 8 cells costs more than the
    page's queries. The first cell opens the row's messages, a drillable cell its own."""
    drill = table.drill or [None] * len(table.rows)
    out = []
    for row, params in zip(table.rows, drill, strict=True):
        first = escape(_cell(table.columns[0], row[0]))
        if params is not None:
            first = format_html('<a href="{}">{}</a>', drill_url(name, table.key, query, params), first)
        cells = []
        for c, v in zip(table.columns[1:], row[1:], strict=True):
            text = escape(_cell(c, v))
            if params is not None and c.key in table.cell_drill and v:
                text = format_html('<a href="{}">{}</a>',
                                   drill_url(name, table.key, query, {**params, **table.cell_drill[c.key]}), text)
            cells.append(f'<td class="num">{text}</td>' if c.numeric else f"<td>{text}</td>")
        out.append(f'<tr><th scope="row">{first}</th>{"".join(cells)}</tr>')
    if not out:
        out.append(f'<tr><td colspan="{len(table.columns)}">{escape(_("자료 없음"))}</td></tr>')
    return mark_safe("".join(out))


def _admin_context(request) -> dict:
    """What admin/base_site.html needs, without each_context's app list (a query and a loop over
    every registered model, for a sidebar the dashboard does not show)."""
    return {"site_header": admin.site.site_header, "site_title": admin.site.site_title,
            "site_url": admin.site.site_url, "has_permission": True, "is_nav_sidebar_enabled": False,
            "is_popup": False}


def _export_url(name, key, fmt, query):
    return f"/dashboard/{name}/export/{key}.{fmt}?{urlencode(query)}"


def _choices(who):
    divisions = Division.objects.select_related("bureau")
    if not who.all:
        divisions = divisions.filter(pk__in=who.division_ids)
    return {
        "platforms": Platform.choices, "types": MessageType.choices, "topics": Topic.choices,
        "accounts": list(Account.objects.order_by("platform", "handle").values_list("pk", "display_name", "handle")),
        "divisions": [(d.pk, d.name_ko) for d in divisions],
    }


def _months(n=12):
    today = timezone.localdate().replace(day=1)
    out = []
    for _month in range(n):
        out.append(today.strftime("%Y-%m"))
        today = (today - timedelta(days=1)).replace(day=1)
    return out


@require_GET
def export(request, name, key, fmt):
    if name not in PAGES or fmt not in ("csv", "xlsx"):
        raise Http404
    guarded = _guard(request)
    if isinstance(guarded, HttpResponse):
        return guarded
    _who, f = guarded
    tables = [t for t in _figures(name, f, request)["tables"] if t.key == key]
    if not tables:
        raise Http404
    filename = f"smc-{name}-{key}-{f.start}-{f.end}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(tables[0]), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.to_xlsx(tables, PAGES[name]), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def monthly_report(request):
    """One XLSX with a sheet per table of every page, for one calendar month."""
    guarded = _guard(request)
    if isinstance(guarded, HttpResponse):
        return guarded
    _who, f = guarded
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    if not re.fullmatch(r"\d{4}-\d{2}", month):
        return HttpResponseBadRequest("월 형식이 올바르지 않습니다 (YYYY-MM).")
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        return HttpResponseBadRequest("존재하지 않는 월입니다.")
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    f = replace(f, start=first, end=last, period="custom")
    tables = []
    for name in PAGES:
        tables += _figures(name, f, request)["tables"]
    response = HttpResponse(exports.to_xlsx(tables, f"SMC {month}"), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="smc-report-{month}.xlsx"'
    return response


@require_GET
def messages(request):
    """The messages behind a figure (drill-down), masked as on the portal; a link to the staff screen
    for who may read the message there; back to the chart with its filters."""
    guarded = _guard(request)
    if isinstance(guarded, HttpResponse):
        return guarded
    _who, f = guarded
    try:
        piece = drilldown.parse_slice(request.GET)
        rows, next_cursor = drilldown.page(f, piece, request.user, request.GET.get("after", ""))
    except BadFilter as exc:
        return HttpResponseBadRequest(str(exc))
    source = request.GET.get("from", "overview")
    source = source if source in PAGES else "overview"
    block = re.sub(r"[^a-z0-9_]", "", request.GET.get("block", ""))[:40]
    back_query = urlencode(parse_qsl(request.GET.get("back", "")[:2000]))
    back = (reverse("dashboard:overview") if source == "overview" else reverse("dashboard:page", args=[source]))
    back += (f"?{back_query}" if back_query else "") + (f"#block-{block}" if block else "")
    here = request.GET.copy()
    here.pop("after", None)
    context = {
        **_admin_context(request), "title": _("통계: 메시지 목록"), "rows": rows, "back": back,
        "title_back": _("통계: %(page)s") % {"page": PAGES[source]},
        "source_label": PAGES[source], "filters": f, "slice": piece,
        "next": f"?{here.urlencode()}&{urlencode({'after': next_cursor})}" if next_cursor else None,
        "first_page": f"?{here.urlencode()}" if request.GET.get("after") else None,
    }
    return render(request, "dashboard/messages.html", context)


@require_http_methods(["GET", "POST"])
def report_preferences(request):
    """Which scheduled reports the reader gets by e-mail."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), "admin:login")
    if access.scope(request.user) is None:
        raise access.refuse(request.user, request.path)
    pref = reports.preference(request.user)
    saved = False
    if request.method == "POST":
        pref.monthly = request.POST.get("monthly") == "on"
        pref.weekly = request.POST.get("weekly") == "on"
        pref.save(update_fields=["monthly", "weekly"])
        saved = True
    return render(request, "dashboard/reports.html", {**_admin_context(request), "title": "통계: 보고서 받기",
                                                      "pref": pref, "saved": saved,
                                                      "email": request.user.email})


@csrf_exempt  # the link in the e-mail: its token is the credential (one-click unsubscribe, RFC 8058)
@require_http_methods(["GET", "POST"])
def report_unsubscribe(request, token):
    """GET asks (a mail scanner following the link changes nothing); POST turns every report off."""
    if request.method == "POST":
        pref = reports.unsubscribe(token[:100])
        if pref is None:
            raise Http404
        return render(request, "dashboard/unsubscribed.html", {"done": True, "title": "보고서 수신 거부"})
    if not reports.ReportPreference.objects.filter(token=token[:100]).exists():
        raise Http404
    return render(request, "dashboard/unsubscribed.html", {"done": False, "title": "보고서 수신 거부"})

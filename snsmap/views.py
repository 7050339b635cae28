"""The SNS map (/map/): accounts by field, the district map with its choropleth, a district's page."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from accounts.models import Field, Platform
from textkit.places import DISTRICTS, district_name

from . import geo, selectors


def _name(code: str) -> str:
    return district_name(code, "en" if get_language() == "en" else "ko")


def _decorate(accounts):
    """What the account line shows beyond the model: a safe link and the district's name."""
    for account in accounts:
        url = account.profile_url or ""
        account.link = url if url.startswith(("https://", "http://")) else ""  # never javascript: or data:
        account.district_label = _name(account.district)
    return accounts


def district_rows(days: int) -> tuple[list[dict], list]:
    """One row per district for the SVG and its table: name, counts, colour class."""
    counts = selectors.question_counts(days)
    classes, legend = selectors.colour_classes(counts)
    accounts = selectors.accounts_per_district()
    rows = []
    for shape in geo.city_map().shapes:
        count = counts[shape.code]
        rows.append({"shape": shape, "name": _name(shape.code), "count": count, "tone": classes[shape.code],
                     "accounts": accounts.get(shape.code, 0)})
    return rows, legend


def sns_map(request):
    filters = selectors.clean_filters(request.GET)
    days = selectors.clean_period(request.GET.get("days"))
    rows, legend = district_rows(days)
    groups = selectors.accounts_by_field(filters)
    for _, _, accounts in groups:
        _decorate(accounts)
    return render(request, "snsmap/map.html", {
        "filters": filters, "days": days, "periods": selectors.PERIODS, "small": selectors.SMALL_COUNT,
        "groups": groups, "total": sum(len(accounts) for _, _, accounts in groups),
        "rows": rows, "legend": legend, "city_map": geo.city_map(),
        "field_choices": Field.choices,
        "platform_choices": [(p, Platform(p).label) for p in selectors.map_platforms()],
        "district_choices": sorted(((code, _name(code)) for code in DISTRICTS), key=lambda c: c[1]),
    })


def district(request, code: str):
    if code not in DISTRICTS:
        raise Http404
    days = selectors.clean_period(request.GET.get("days"))
    n, questions = selectors.recent_questions(code, days)
    count = selectors.DistrictCount(code, n)
    if count.suppressed:
        # Fewer than SMALL_COUNT: neither an exact count nor a list that would give it away (issue 22.10),
        # and never "< 5건" above a list of 3 (issue 26).
        questions = []
    return render(request, "snsmap/district.html", {
        "code": code, "name": _name(code), "days": days, "count": count, "small": selectors.SMALL_COUNT,
        "accounts": _decorate(selectors.district_accounts(code)), "questions": questions,
    })

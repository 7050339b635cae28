"""Generated from the URL configuration: every parameter of every URL pattern (the portal, staff
screens, dashboard, API, Open311, alerts, logins — and whatever is added later) is given crafted
values: a NUL byte, control characters, bytes that are not UTF-8, overlong and out-of-range values,
and values of the wrong type, requested anonymously and as staff. Nothing may answer 5xx; under
/api/ and /open311/ the refusal is the API's own (JSON, or Open311's XML/JSON error)."""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# What a parameter's value may be made of (percent-encoded as it travels on the wire).
FUZZ = {
    "nul": "%00",
    "nul inside": "SMC-%00-1",
    "control characters": "%0A%0D%09%1B",
    "not UTF-8": "%FF%FE%C3%28",
    "overlong": "9" * 4000,
    "out of range": "9" * 40,
    "negative": "-1",
    "wrong type": "%ED%95%9C%EA%B8%80.x",  # 한글.x
    "dots": "..%2F..%2Fetc",
}
# Values that pass for the parameters a fuzzed one appears beside.
PLAIN = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def _patterns(entries=None, prefix=""):
    for entry in get_resolver().url_patterns if entries is None else entries:
        route = prefix + str(entry.pattern).removeprefix("^")
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _parameters(route: str) -> list[tuple[str, str, str]]:
    """(placeholder as written in the route, name, a plain value) for each parameter."""
    found = [(m.group(0), m.group(2), PLAIN.get(m.group(1) or "str", "x"))
             for m in re.finditer(r"<(?:(\w+):)?(\w+)>", route)]
    for m in re.finditer(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", route):
        body = m.group(2)
        words = body.split("|")
        plain = words[0] if all(re.fullmatch(r"[\w-]+", w) for w in words) else "x"
        found.append((m.group(0), m.group(1), plain))
    return found


def _url(route: str, values: dict[str, str]) -> str:
    path = route
    for placeholder, name, _ in _parameters(route):
        path = path.replace(placeholder, values[name], 1)
    return "/" + path.replace("\\.", ".").removesuffix("$")


def _cases():
    for route in sorted(set(_patterns())):
        parameters = _parameters(route)
        for _, name, _ in parameters:
            for label, value in FUZZ.items():
                values = {n: quote(plain) for _, n, plain in parameters}
                values[name] = value
                yield route, name, label, _url(route, values)


def test_the_generator_covers_every_part_of_the_site():
    routes = {route for route, *_ in _cases()}
    for expected in ("api/v1/alerts/<str:identifier>/", "alerts/<str:identifier>/cap.xml", "m/<int:pk>/",
                     "map/district/<str:code>/", "dashboard/<slug:name>/",
                     "open311/v2/requests/(?P<request_id>[^/.]{1,40})\\.(?P<fmt>json|xml)$"):
        assert expected in routes
    assert sum(r.startswith("admin/") for r in routes) > 50


@pytest.fixture
def visitors(seeded):
    staff = factories.staff("fuzz-desk", None, superuser=True)
    division = factories.staff("fuzz-bus", "bus-policy")
    clients = {"anonymous": Client(raise_request_exception=False)}
    for user in (staff, division):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[user.username] = client
    return clients


def test_crafted_url_parameters_never_give_a_server_error(visitors):
    cases = list(_cases())
    failures, requests = [], 0
    for route, name, label, url in cases:
        for who, client in visitors.items():
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                requests += 1
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url[:120]} ({name}: {label}) as {who}: "
                                    f"{response.status_code}")
                elif route.startswith(("api/", "open311/")) and response.status_code >= 400:
                    kind = response.headers.get("Content-Type", "")
                    if not kind.startswith(("application/json", "text/xml", "application/xml")):
                        failures.append(f"{method.upper()} {url[:120]} as {who}: {kind} error, not the API's")
    print(f"url fuzz: {len({c[0] for c in cases})} URL patterns, {len(cases)} crafted URLs "
          f"× {len(visitors)} visitors × GET/POST = {requests} requests, {len(failures)} failures")
    assert not failures, "\n".join(failures[:40]) + f"\n… {len(failures)} in all"


@pytest.mark.parametrize(("url", "kind"), [("/alerts/%00/", "text/html"), ("/alerts/%00/cap.xml", "text/html"),
                                           ("/api/v1/alerts/%00/", "application/json"),
                                           ("/open311/v2/requests/%00.xml", "text/xml"),
                                           ("/m/1/?x=%00", "text/html")])
def test_a_nul_byte_in_the_url_is_refused_in_the_surfaces_own_format(client, db, url, kind):
    response = client.get(url)
    assert response.status_code == (400 if "?" in url else 404)
    assert response.headers["Content-Type"].startswith(kind)

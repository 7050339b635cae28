"""Every dashboard URL × every role, generated from the URL conf: who sees what, who is refused
(and the refusal audited), and the mayor's office landing on the dashboard."""

import pytest
from django.urls import URLPattern, get_resolver

from dashboard import selectors, views
from dashboard.filters import parse
from messages_app.models import AuditEntry
from users import roles

ALLOWED = {roles.MAYORS_OFFICE, roles.SMC_DESK, roles.DIVISION_HEAD}


def dashboard_urls() -> list[str]:
    """Every concrete URL of dashboard/urls.py: the page slugs and each page's table exports."""
    resolver = get_resolver().url_patterns
    dashboard = next(p for p in resolver if getattr(p, "namespace", None) == "dashboard")
    urls = []
    for pattern in dashboard.url_patterns:
        assert isinstance(pattern, URLPattern)
        route = "/dashboard/" + str(pattern.pattern)
        if "<str:token>" in route:
            continue  # the e-mail's unsubscribe link: its token is the credential (tests/dashboard/test_reports.py)
        if "<slug:key>" in route:
            for name in views.PAGES:
                for key in _table_keys(name):
                    for fmt in ("csv", "xlsx"):
                        urls.append(route.replace("<slug:name>", name).replace("<slug:key>", key)
                                    .replace("<slug:fmt>", fmt))
        elif "<slug:name>" in route:
            urls += [route.replace("<slug:name>", name) for name in views.PAGES]
        else:
            urls.append(route)
    return urls


def _table_keys(name):
    f = parse({})
    return [t.key for t in selectors.PAGES[name](f)["tables"]]


@pytest.mark.parametrize("role", [*roles.ALL_ROLES, "anonymous", "superuser"])
def test_every_dashboard_url_for_every_role(client, make_staff, role):
    urls = dashboard_urls()
    assert len(urls) > 20
    if role == "anonymous":
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url
        return
    if role == "superuser":
        from users.models import User

        user = User.objects.create_superuser("root", password=None)
    else:
        user = make_staff(f"u-{len(role)}", role, "bus-policy" if role in (roles.DIVISION_HEAD,
                                                                            roles.DIVISION_STAFF) else None)
    client.force_login(user)
    for url in urls:
        status = client.get(url).status_code
        if role in ALLOWED or role == "superuser":
            assert status == 200, (role, url, status)
        else:
            assert status == 403, (role, url, status)
    refusals = AuditEntry.objects.filter(actor=user, action="dashboard", allowed=False).count()
    assert refusals == (0 if role in ALLOWED or role == "superuser" else len(urls))


def test_a_citizen_who_is_not_staff_is_refused_and_audited(client, seeded):
    from users.models import User

    user = User.objects.create_user("citizen", password=None)
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 403
    assert AuditEntry.objects.filter(actor=user, allowed=False, action="dashboard").exists()


def test_a_division_head_sees_only_their_division(client, make_staff):
    from departments.models import Division

    from .factories import known_messages

    known_messages()
    head = make_staff("head", roles.DIVISION_HEAD, "housing-policy")
    client.force_login(head)
    housing = Division.objects.get(code="housing-policy")
    transport = Division.objects.get(code="transport-policy")
    page = client.get("/dashboard/divisions/").content.decode()
    assert housing.name_ko in page and transport.name_ko not in page
    overview = client.get("/dashboard/").context["cards"]
    # 1,000 known messages, every third to the housing division: 334 of them, posted 3 days ago.
    assert overview["d7"]["value"] == 334
    assert client.get(f"/dashboard/?division={transport.pk}").status_code == 403
    assert AuditEntry.objects.filter(actor=head, allowed=False, action="dashboard").count() == 1
    assert client.get(f"/dashboard/?division={housing.pk}").status_code == 200


def test_the_mayors_office_lands_on_the_dashboard(client, make_staff):
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_others_still_land_where_they_did(client, make_staff):
    client.force_login(make_staff("desk", roles.SMC_DESK, "new-media"))
    assert client.get("/admin/")["Location"] == "/admin/messages_app/message/?view=triage"  # issue 30
    client.force_login(make_staff("bus", roles.DIVISION_STAFF, "bus-policy"))
    assert client.get("/admin/")["Location"] == "/admin/messages_app/message/"


def test_bad_filters_are_explained(client, make_staff):
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    response = client.get("/dashboard/?period=custom&start=2026-05-01&end=2026-04-01")
    assert response.status_code == 400 and "시작 날짜" in response.content.decode()
    assert client.get("/dashboard/?topic=nonsense").status_code == 400
    assert client.get("/dashboard/?account=abc").status_code == 400

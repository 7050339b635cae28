"""Every staff page is axe-core clean: the changelist, the add form and one object's page of every model
registered in the admin, read from the admin's registry (a model registered tomorrow is checked the day
it is added), opened in Chromium as a superuser, who may open them all."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

from tests.factories import PASSWORD
from tests.messages_app.test_admin_smoke import world  # noqa: F401 - the fixture: one object of every model
from users import roles
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def staff_pages():
    superuser = User.objects.get(username="axe-admin")
    request = type("Request", (), {"user": superuser})()
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        yield base
        if model_admin.has_add_permission(request):
            yield base + "add/"
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is not None:
            yield f"{base}{obj.pk}/change/"


def test_every_admin_model_page_is_axe_clean(page, live_server, world, axe_check):  # noqa: F811
    user = User.objects.create_superuser("axe-admin", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.SYSADMIN))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("사용자 이름").fill("axe-admin")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    failures, opened = [], 0
    for path in staff_pages():
        response = page.goto(live_server.url + path)
        opened += 1
        if response is None or response.status != 200:
            failures.append(f"{path}: HTTP {response and response.status}")
            continue
        try:
            axe_check(path)
        except AssertionError as exc:
            failures.append(str(exc)[:600])
    assert opened > 40, opened  # the registry was read, not an empty walk
    assert not failures, f"{len(failures)} of {opened} pages:\n" + "\n".join(failures)

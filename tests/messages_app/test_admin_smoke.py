"""Every staff screen opens for every role: the changelist, add and change page of every model in
admin.site._registry, every custom admin view that answers GET and every other page of the admin,
generated from the registry and the URL configuration (admin_urls.py), as each role of users/roles.py
plus a superuser. Never a 500; 200 where the role may view, 403 where it may not, the login page for a
citizen. A model registered tomorrow is opened by this test the day it is registered.
"""

import datetime
import decimal
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Account
from api import keys as api_keys
from departments.models import Membership
from messages_app.models import (
    Answer,
    CannedAnswer,
    LabelCorrection,
    Message,
    Notice,
    Outbox,
    Status,
)
from outbound.models import Posting
from portal.models import Comment
from tests.factories import division, routed
from users import roles
from users.models import User

from .admin_urls import APP_INDEX, OBJECT, PLAIN, USER_PASSWORD, admin_urls

pytestmark = pytest.mark.django_db

SUPERUSER = "superuser"
# How each role is set up in the city; a role added to roles.py later is a staff member without a division.
ROLE_SETUP = {
    roles.CITIZEN: {"is_staff": False},
    roles.DIVISION_STAFF: {"division": "bus-policy"},
    roles.DIVISION_HEAD: {"division": "bus-policy", "head": True},
    roles.SMC_DESK: {"division": "new-media"},
    roles.SYSADMIN: {"is_superuser": True},
    SUPERUSER: {"is_superuser": True, "group": False},
}
ALL = [*roles.ALL_ROLES, SUPERUSER]
STANDARD_SUFFIXES = {"", "change", "history", "delete"}


def make_user(role) -> User:
    setup = ROLE_SETUP.get(role, {})
    user = User.objects.create_user(f"smoke-{ALL.index(role)}", password="pw", is_staff=setup.get("is_staff", True),
                                    is_superuser=setup.get("is_superuser", False))
    if setup.get("group", True):
        user.groups.add(Group.objects.get(name=role))
    if "division" in setup:
        Membership.objects.create(user=user, division=division(setup["division"]), is_head=setup.get("head", False))
    return user


def _sample(field):
    """A valid value for a required field, for models the test has no factory for."""
    if field.is_relation:
        return _first(field.related_model)
    if field.choices:
        return field.choices[0][0]
    values = [
        (models.EmailField, "smoke@example.com"), (models.URLField, "https://example.com/"),
        (models.UUIDField, uuid.uuid4()), (models.BooleanField, False), (models.DateTimeField, timezone.now()),
        (models.DateField, timezone.localdate()), (models.TimeField, datetime.time(9)),
        (models.DurationField, datetime.timedelta(days=1)), (models.DecimalField, decimal.Decimal("1")),
        (models.FloatField, 1.0), (models.IntegerField, 1), (models.JSONField, {}), (models.BinaryField, b""),
        (models.CharField, "smoke"), (models.TextField, "smoke"),
    ]
    for kind, value in values:
        if isinstance(field, kind):
            return value[: field.max_length] if isinstance(value, str) and field.max_length else value
    raise AssertionError(f"no sample value for {field!r}: add a factory for {field.model.__name__}")


def _periodic_task():
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    return PeriodicTask.objects.create(name="smoke", task="smoke", interval=_first(IntervalSchedule))


# Models whose rows need more than a value per required field.
FACTORIES = {"django_celery_beat.PeriodicTask": _periodic_task}


def _required(field) -> bool:
    optional_text = field.blank and isinstance(field, models.CharField | models.TextField)
    automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    return not (field.primary_key or field.null or field.has_default() or automatic or optional_text)


def _first(model):
    found = model._default_manager.first()
    if found is not None:
        return found
    if model._meta.label in FACTORIES:
        return FACTORIES[model._meta.label]()
    return model._default_manager.create(**{f.name: _sample(f) for f in model._meta.concrete_fields if _required(f)})


@pytest.fixture
def world(seeded):
    """One object of every registered model at least, the message ones in the bus division."""
    owner = User.objects.create_user("bus-writer", password="pw", is_staff=True)
    owner.groups.add(Group.objects.get(name=roles.DIVISION_STAFF))
    Membership.objects.create(user=owner, division=division("bus-policy"))
    public = routed("bus-policy", text="정류장 의자가 부서졌어요")
    direct = routed("bus-policy", text="비공개 쪽지입니다", kind="direct", is_private=True, author_name="김시민")
    Message.objects.create(platform="phone", external_id="phone-smoke", kind="phone", text="전화 민원",
                           author_name="이시민", posted_at=timezone.now(), status=Status.ASSIGNED,
                           division=division("bus-policy"), is_private=True, needs_triage=False,
                           raw={"channel": "phone", "caller_contact": "010-1111-2222", "reference": "A-1"})
    answer = Answer.objects.create(message=direct, division=direct.division, author=owner, text="답변드립니다")
    Outbox.objects.create(answer=answer, posting=Posting.objects.create(
        kind="answer", account=Account.objects.get(platform="x", handle="seoulmania"),
        reply_to=direct.external_id, text=answer.text))
    LabelCorrection.objects.create(message=public, text=public.text, type="complaint", topic="transport",
                                   corrected_by=owner)
    Comment.objects.create(message=public, user=owner, text="저도 봤어요", report_count=1)
    Notice.objects.create(division=public.division, message=public, step="d-1", text="처리 기한 하루 전")
    CannedAnswer.objects.create(title="짧은 접수 안내", text="감사합니다", division=public.division)
    for model in admin.site._registry:
        _first(model)
    return owner


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _in_scope(model_admin, request):
    return model_admin.get_queryset(request).order_by("pk").first()


def _get(client, path):
    try:
        return client.get(path).status_code
    except Exception as exc:  # noqa: BLE001 - reported with its path below
        return f"raised {exc!r}"


def test_every_admin_page_opens_for_every_role(client, world):
    failures = {}
    for role in ALL:  # one loop, not parametrized: the seed is loaded once for all roles
        if found := _open_everything(client, role):
            failures[role] = found
    assert not failures, "\n".join(f"{role}:\n  " + "\n  ".join(found) for role, found in failures.items())


# Models each staff member holds rows of their own (and sees only those): one per role user.
OWN_ROWS = {"api.ApiToken": lambda user: api_keys.issue_token(user, "smoke")}


def _open_everything(client, role) -> list[str]:
    user = make_user(role)
    if user.is_staff:
        for make in OWN_ROWS.values():
            make(user)
    client.force_login(user)
    request = _request(user)
    failures, opened = [], 0

    def expect(path, wanted, why=""):
        nonlocal opened
        got = _get(client, path)
        opened += 1
        if got not in wanted:
            failures.append(f"{path}: {got}, expected {sorted(wanted)} {why}")

    login_only = {302} if not user.is_staff else None
    for model, model_admin in admin.site._registry.items():
        info = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        perm = f"{model._meta.app_label}.view_{model._meta.model_name}"
        may_view = model_admin.has_view_or_change_permission(request)
        if user.is_staff and user.has_perm(perm) and not may_view:
            failures.append(f"{role} holds {perm} but {type(model_admin).__name__} refuses it")
        expect(info, login_only or ({200} if may_view else {403}), "changelist")
        expect(info + "add/", login_only or ({200} if model_admin.has_add_permission(request) else {403}), "add")
        obj = _in_scope(model_admin, request) if user.is_staff else None
        if may_view and user.is_staff and obj is None:
            failures.append(f"no {model.__name__} in the scope of {role}: add one to the fixture")
        obj = obj or _in_scope(model_admin, _request(User.objects.get(username="smoke-admin")))
        expect(f"{info}{obj.pk}/change/", login_only or ({200} if may_view else {403}), "change")

    model_pages = {f"{m._meta.app_label}_{m._meta.model_name}_{page}" for m in admin.site._registry
                   for page in ("changelist", "add")}
    for url in admin_urls():
        if url.kind == PLAIN and url.name not in model_pages:  # site pages, custom list views (CSV...)
            expect(url.build(), {200, 302, 403, 404, 405}, "page")
        elif url.kind == OBJECT and url.suffix not in STANDARD_SUFFIXES:
            obj = _in_scope(url.model_admin, request) if user.is_staff else None
            obj = obj or url.model_admin.model._default_manager.first()
            expect(url.build(**{p: obj.pk for p in url.params}), {200, 302, 403, 404}, "custom view")
        elif url.kind == USER_PASSWORD:
            expect(url.build(id=user.pk), {302} if not user.is_staff else ({200} if user.is_superuser else {403}))
        elif url.kind == APP_INDEX:
            for app_label in {m._meta.app_label for m in admin.site._registry}:
                expect(f"/admin/{app_label}/", {302} if not user.is_staff else {200, 404}, "app index")
    assert opened > 3 * len(admin.site._registry)
    return failures


@pytest.fixture(autouse=True)
def _admin_for_lookups(db):
    """A superuser whose scope is everything, to pick an object for roles that may not see any."""
    User.objects.create_superuser("smoke-admin", password="pw")

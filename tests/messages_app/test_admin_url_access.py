"""No staff URL shows another division's private message: every admin URL that takes an object id,
generated from the URL configuration (see admin_urls.py), is opened with GET and POST (plain, `_preview`,
`_load`) by the staff of another division, for division A's direct message and phone complaint and for
the rows derived from them (answer delivery, label correction, notice, comment). None may show the text
or the author; every refusal on a message URL leaves an AuditEntry(allowed=False).
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from accounts.models import Account
from messages_app.models import (
    Answer,
    AuditEntry,
    CannedAnswer,
    LabelCorrection,
    Message,
    Notice,
    Outbox,
    Status,
)
from outbound.models import Posting
from portal.models import Comment
from tests.factories import division, routed, staff

from .admin_urls import (
    APP_INDEX,
    CATCH_ALL,
    OBJECT,
    PLAIN,
    UNKNOWN,
    USER_PASSWORD,
    VIEW_ON_SITE,
    AdminUrl,
    admin_urls,
    classify,
)

pytestmark = pytest.mark.django_db

SECRET_TEXT = "비밀쪽지-본문-7731-주민번호"
SECRET_AUTHOR = "홍비밀작성자"
SECRET_ANSWER = "비밀답변-게시본-4410"
POSTS = [{}, {"_preview": "1", "text": "미리보기"}, {"_load": "1", "text": "", "canned": ""}]


@pytest.fixture
def world(seeded):
    owner = staff("bus-owner", "bus-policy")
    intruder = staff("road-staff", "road-management")
    direct = routed("bus-policy", text=f"{SECRET_TEXT} 쪽지", kind="direct", is_private=True,
                    author_name=SECRET_AUTHOR)
    phone = Message.objects.create(
        platform="phone", external_id="phone-secret", kind="phone", text=f"{SECRET_TEXT} 전화",
        author_name=SECRET_AUTHOR, posted_at=timezone.now(), status=Status.ASSIGNED,
        division=division("bus-policy"), is_private=True, type="complaint", topic="transport",
        needs_triage=False, raw={"channel": "phone", "caller_contact": "010-0000-0000"})
    answer = Answer.objects.create(message=direct, division=direct.division, author=owner, text=SECRET_ANSWER)
    Outbox.objects.create(answer=answer, posting=Posting.objects.create(
        kind="answer", account=Account.objects.get(platform="x", handle="seoulmania"),
        reply_to=direct.external_id, text=SECRET_ANSWER))
    LabelCorrection.objects.create(message=direct, text=direct.text, type="complaint", topic="transport",
                                   corrected_by=owner)
    Notice.objects.create(division=direct.division, message=direct, step="d-1",
                          text=f"처리 기한 임박: {SECRET_TEXT}")
    Comment.objects.create(message=direct, user=owner, text=f"댓글 {SECRET_TEXT}")
    CannedAnswer.objects.create(title="버스 전용 답변", text=SECRET_ANSWER, division=direct.division)
    return {"owner": owner, "intruder": intruder, "messages": [direct, phone]}


def _derived_ids(model, message_ids) -> list:
    """Rows of `model` that point at the messages, directly or through one more foreign key."""
    if issubclass(model, Message):
        return list(message_ids)
    paths = []
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey):
            if issubclass(field.related_model, Message):
                paths.append(field.name)
            else:
                for inner in field.related_model._meta.get_fields():
                    if isinstance(inner, models.ForeignKey) and issubclass(inner.related_model, Message):
                        paths.append(f"{field.name}__{inner.name}")
    ids = set()
    for path in paths:
        ids.update(model._default_manager.filter(**{f"{path}__in": message_ids}).values_list("pk", flat=True))
    return sorted(ids)


def _targets(url: AdminUrl, world) -> list[tuple[dict, Message | None, bool]]:
    """(parameters, the private message if it is a message URL, whether the object is private) for
    one URL. Message ids tried on other models are an attacker's guesses: they may open an unrelated
    object the intruder may see, so only the secrets are checked there."""
    messages = world["messages"]
    ids = [m.pk for m in messages]
    if url.kind == OBJECT:
        model = url.model_admin.model
        if issubclass(model, Message):
            return [({p: m.pk for p in url.params}, m, True) for m in messages]
        derived = set(_derived_ids(model, ids))
        return [({p: g for p in url.params}, None, g in derived) for g in sorted(derived | set(ids))]
    if url.kind == USER_PASSWORD:
        return [({"id": world["owner"].pk}, None, False)]
    if url.kind == VIEW_ON_SITE:
        ct = ContentType.objects.get_for_model(Message)
        return [({"content_type_id": ct.pk, "object_id": m.pk}, None, False) for m in messages]
    return []


def _leaks(response) -> list[str]:
    body = response.content.decode(errors="replace")
    return [s for s in (SECRET_TEXT, SECRET_AUTHOR, SECRET_ANSWER) if s in body]


def test_the_walker_understands_every_admin_url():
    """A new admin URL whose parameters the generator cannot fill must be taught to it, not skipped."""
    urls = admin_urls()
    unknown = [u.route for u in urls if u.kind == UNKNOWN]
    assert not unknown, f"admin URLs the access test cannot build (teach admin_urls.py): {unknown}"
    routes = {u.route for u in urls if u.kind == OBJECT}
    for custom in ("answer", "transfer", "reclassify", "status"):
        assert f"admin/messages_app/message/<int:pk>/{custom}/" in routes
    assert "admin/messages_app/phonecomplaint/<path:object_id>/change/" in routes
    kinds = {u.kind for u in urls}
    assert {PLAIN, OBJECT, USER_PASSWORD, VIEW_ON_SITE, APP_INDEX, CATCH_ALL} <= kinds


def test_an_unknown_parameter_is_reported():
    owner = object()
    assert classify("admin/x/y/<int:message_id>/peek/", "x_y_peek", {"message_id"}, owner) == UNKNOWN
    assert classify("admin/x/y/<int:pk>/<int:other>/", "x_y_two", {"pk", "other"}, owner) == UNKNOWN
    assert classify("admin/<int:pk>/", "loose", {"pk"}, None) == UNKNOWN


def test_no_admin_url_shows_another_divisions_private_message(client, world):
    intruder = world["intruder"]
    client.force_login(intruder)
    failures, checked = [], 0
    for url in admin_urls():
        for params, message, private in _targets(url, world):
            path = url.build(**params)
            # Message URLs get each POST branch of the message page; other URLs one POST with all keys.
            posts = POSTS if message is not None else [{k: v for d in POSTS for k, v in d.items()}]
            for method, data in [("get", None)] + [("post", d) for d in posts]:
                before = AuditEntry.objects.filter(actor=intruder, message=message, allowed=False).count()
                try:
                    response = getattr(client, method)(path, data or {}, follow=True)
                except Exception as exc:  # noqa: BLE001 - a 500 is a failure to report, not to stop on
                    failures.append(f"{method.upper()} {path} {data}: raised {exc!r}")
                    continue
                checked += 1
                where = f"{method.upper()} {path} {data or ''}"
                chain = [code for _, code in response.redirect_chain] + [response.status_code]
                if leaked := _leaks(response):
                    failures.append(f"{where}: shows {leaked} (statuses {chain})")
                final = response.request["PATH_INFO"]
                if private and response.status_code == 200 and final == path:
                    failures.append(f"{where}: 200 on the object's own page")
                if response.status_code not in (200, 403, 404, 405):
                    failures.append(f"{where}: status {chain}")
                if message is not None:
                    after = AuditEntry.objects.filter(actor=intruder, message=message, allowed=False).count()
                    if after <= before:
                        failures.append(f"{where}: refused without an AuditEntry(allowed=False)")
    assert checked > 250, checked  # the generator really walked the staff screens
    assert not failures, "\n".join(failures)


def test_the_owner_division_does_see_them(client, world):
    """The control: the secret is on the pages where it belongs, so its absence above means something."""
    client.force_login(world["owner"])
    direct, phone = world["messages"]
    page = client.get(f"/admin/messages_app/message/{direct.pk}/change/")
    assert page.status_code == 200 and SECRET_TEXT in page.content.decode()
    preview = client.post(f"/admin/messages_app/message/{direct.pk}/answer/", {"_preview": "1", "text": "네"})
    assert preview.status_code == 200 and SECRET_TEXT in preview.content.decode()
    page = client.get(f"/admin/messages_app/phonecomplaint/{phone.pk}/change/")
    assert page.status_code == 200 and SECRET_TEXT in page.content.decode()
    assert SECRET_AUTHOR in page.content.decode()


def test_a_staff_role_without_message_permissions_reads_none_of_its_division(client, world):
    """Broadcast drafters are staff and may belong to a division, but their role holds no message
    permission: not even a public message of their own division opens."""
    drafter = staff("drafter", "bus-policy", role="긴급메시지 작성자")
    public = routed("bus-policy", text="공개 민원입니다")
    client.force_login(drafter)
    assert client.get(f"/admin/messages_app/message/{public.pk}/change/").status_code == 403
    assert AuditEntry.objects.filter(actor=drafter, message=public, action="read", allowed=False).exists()
    response = client.post(f"/admin/messages_app/message/{public.pk}/answer/", {"text": "답변"})
    assert response.status_code == 403 and not Answer.objects.filter(message=public).exists()


def test_a_per_message_url_without_a_declared_action_does_not_load():
    from django.contrib import admin
    from django.core.exceptions import ImproperlyConfigured
    from django.urls import path

    from messages_app.admin.staff import MessageAdmin

    class Careless(MessageAdmin):
        def get_urls(self):
            return [path("<int:pk>/peek/", self.admin_site.admin_view(self.change_view))] + super().get_urls()

    with pytest.raises(ImproperlyConfigured, match="peek"):
        assert Careless(Message, admin.site).urls

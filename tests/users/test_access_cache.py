"""A staff member's groups, permissions and divisions are kept across requests (users.access, under a
version any change replaces) and read again as soon as one of them changes: a role, a permission or a
membership taken away refuses the very next request, in any process."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Membership
from messages_app.services import permissions as perms
from tests.factories import division, routed, staff
from users import access, roles
from users.models import User

# Transactions committed as in production: inside a test's transaction nothing is kept (core.versioned).
pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "/admin/messages_app/message/"
VIEW, CHANGE = "messages_app.view_message", "messages_app.change_message"


def next_request(user: User) -> User:
    """The user as the next request loads it (a fresh instance), inside the request's boundaries."""
    request_finished.send(sender=None)
    request_started.send(sender=None)
    return User.objects.get(pk=user.pk)


def look(user: User) -> tuple[bool, bool, set[int], bool]:
    return (user.has_perm(VIEW), user.has_perm(CHANGE), perms.division_ids(user),
            perms.has_role(user, roles.DIVISION_STAFF))


@pytest.fixture
def kim(seeded):
    yield staff("kim", "bus-policy")
    request_finished.send(sender=None)


def test_access_is_read_once_then_kept_without_a_query(kim):
    bus = division("bus-policy").pk
    assert look(next_request(kim)) == (True, True, {bus}, True)
    again = next_request(kim)
    with CaptureQueriesContext(connection) as queries:
        assert look(again) == (True, True, {bus}, True)
    assert len(queries) == 0


def test_a_role_taken_away_refuses_the_next_page(client, kim):
    client.force_login(kim)
    assert client.get(QUEUE).status_code == 200
    assert client.get(QUEUE).status_code == 200  # now read from the cache
    kim.groups.remove(Group.objects.get(name=roles.DIVISION_STAFF))
    assert client.get(QUEUE).status_code == 403
    kim.groups.add(Group.objects.get(name=roles.DIVISION_STAFF))
    assert client.get(QUEUE).status_code == 200


def test_a_permission_taken_from_the_role_refuses_the_next_page(client, kim):
    message = routed("bus-policy", is_private=True)
    page = reverse("admin:messages_app_message_change", args=[message.pk])
    client.force_login(kim)
    assert client.get(page).status_code == 200
    view = Permission.objects.get(codename="view_message", content_type__app_label="messages_app")
    Group.objects.get(name=roles.DIVISION_STAFF).permissions.remove(view)
    assert client.get(page).status_code == 403


def test_a_changed_or_removed_membership_is_seen_at_once(kim):
    bus, road = division("bus-policy"), division("road-management")
    mine = routed("bus-policy", is_private=True)
    assert perms.can(next_request(kim), perms.ANSWER, mine)
    membership = Membership.objects.get(user=kim)
    membership.division = road
    membership.save()
    moved = next_request(kim)
    assert perms.division_ids(moved) == {road.pk}
    assert not perms.can(moved, perms.ANSWER, mine)
    membership.delete()
    assert perms.division_ids(next_request(kim)) == set()
    Membership.objects.create(user=kim, division=bus)
    assert perms.can(next_request(kim), perms.ANSWER, mine)


def test_own_permissions_and_the_superuser_flag_are_seen_at_once(seeded):
    lee = staff("lee", role=None)
    assert not next_request(lee).has_perm(VIEW)
    lee.user_permissions.add(Permission.objects.get(codename="view_message",
                                                    content_type__app_label="messages_app"))
    assert next_request(lee).has_perm(VIEW)
    assert not next_request(lee).has_perm("broadcast.add_broadcast")
    lee.is_superuser = True
    lee.save()
    assert next_request(lee).get_all_permissions() >= {VIEW, "broadcast.add_broadcast"}


def test_a_change_inside_a_transaction_is_seen_after_its_commit(kim):
    assert next_request(kim).has_perm(CHANGE)
    with transaction.atomic():
        kim.groups.clear()
        # Another process reading meanwhile sees the committed rows and keeps them under the version
        # of the moment; the commit replaces that version again.
        assert access.ACCESS.get(f"user:{kim.pk}:0", lambda: None) is None  # read fresh in a transaction
    assert not next_request(kim).has_perm(CHANGE)


def test_a_flushed_cache_brings_back_no_old_version(kim):
    assert next_request(kim).has_perm(CHANGE)  # kept in this process under the current version
    cache.clear()
    assert next_request(kim).has_perm(CHANGE)  # kept under a new version
    kim.groups.clear()
    assert not next_request(kim).has_perm(CHANGE)


def test_the_kept_side_bar_follows_the_users_permissions(client, kim):
    message = routed("bus-policy", is_private=True)
    page = reverse("admin:messages_app_message_change", args=[message.pk])
    canned = f'href="{reverse("admin:messages_app_cannedanswer_changelist")}"'
    client.force_login(kim)
    assert canned in client.get(page).content.decode()
    assert canned in client.get(page).content.decode()  # now drawn from the fragment cache
    view = Permission.objects.get(codename="view_cannedanswer", content_type__app_label="messages_app")
    Group.objects.get(name=roles.DIVISION_STAFF).permissions.remove(view)
    assert canned not in client.get(page).content.decode()


# --- the session's user (users.backends): a staff member's row kept per process ---


def user_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "users_user"' in q["sql"]]


def test_a_staff_members_row_is_read_once_then_kept(client, kim):
    client.force_login(kim)
    assert client.get(QUEUE).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(QUEUE).status_code == 200
    assert user_queries(queries) == []


def test_a_deactivated_or_new_password_staff_member_is_out_at_the_next_request(client, kim):
    client.force_login(kim)
    assert client.get(QUEUE).status_code == 200
    kim.is_active = False
    kim.save()
    assert client.get(QUEUE).status_code == 302  # to the login page
    kim.is_active = True
    kim.save()
    client.force_login(kim)
    assert client.get(QUEUE).status_code == 200
    kim.set_password("새 비밀번호 2026!")
    kim.save()
    assert client.get(QUEUE).status_code == 302  # the session's hash no longer matches


def test_a_counter_updated_without_a_save_is_seen_at_once(client, kim):
    client.force_login(kim)
    client.get(QUEUE)
    User.objects.filter(pk=kim.pk).update(unread_notices=7)
    access.row_updated(kim)
    response = client.get(QUEUE)
    assert response.wsgi_request.user.unread_notices == 7


def test_a_citizens_row_is_read_on_every_request(client, seeded):
    citizen = User.objects.create_user("citizen1", "c1@example.com", "pw-2026-citizen")
    client.force_login(citizen)
    client.get("/")
    User.objects.filter(pk=citizen.pk).update(unread_notices=3)  # as portal.notify does, say nothing
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert user_queries(queries) and response.wsgi_request.user.unread_notices == 3

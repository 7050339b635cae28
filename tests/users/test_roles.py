from django.contrib.auth.models import Group

from users import roles
from users.models import User


def test_every_role_exists_as_a_group_after_migrate(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)
    assert len(roles.ALL_ROLES) == 8


def test_roles_carry_their_permissions(seeded):
    desk = User.objects.create_user("desk", is_staff=True)
    desk.groups.add(Group.objects.get(name=roles.SMC_DESK))
    mayor = User.objects.create_user("mayor", is_staff=True)
    mayor.groups.add(Group.objects.get(name=roles.MAYORS_OFFICE))
    citizen = User.objects.create_user("citizen")
    citizen.groups.add(Group.objects.get(name=roles.CITIZEN))

    assert desk.has_perm("accounts.change_account")
    assert desk.has_perm("messages_app.change_message")
    assert mayor.has_perm("messages_app.view_message")
    assert not mayor.has_perm("messages_app.change_message")
    assert not mayor.has_perm("accounts.change_account")
    assert citizen.has_perm("portal.add_comment")
    assert not citizen.has_perm("messages_app.view_message")
    assert desk.has_role(roles.SMC_DESK) and not citizen.has_role(roles.SMC_DESK)


def test_ensure_roles_is_idempotent(db):
    roles.ensure_roles()
    counts = {g.name: g.permissions.count() for g in Group.objects.all()}
    roles.ensure_roles()
    assert {g.name: g.permissions.count() for g in Group.objects.all()} == counts

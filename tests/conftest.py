import pytest

from accounts.services import seed_registry
from departments.services import seed_org_chart
from users.roles import ensure_roles


@pytest.fixture
def seeded(db):
    """The org chart, the roles and the 44 accounts, as `manage.py seed` leaves them."""
    ensure_roles()
    seed_org_chart()
    seed_registry()


@pytest.fixture
def make_staff(seeded):
    """make_staff("bus", roles.DIVISION_STAFF, "bus-policy"): a staff user with a role and a division."""
    from django.contrib.auth.models import Group

    from departments.models import Division, Membership
    from users.models import User

    def make(username, role, division_code=None):
        user = User.objects.create_user(username, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        if division_code:
            Membership.objects.create(user=user, division=Division.objects.get(code=division_code))
        return user

    return make

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

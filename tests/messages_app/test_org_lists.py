"""The org chart's lists the staff queue keeps in the cache follow every change of what they show."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from messages_app.services import org_lists
from tests.factories import division, staff

pytestmark = pytest.mark.django_db


def test_a_renamed_division_and_a_new_member_show_at_once(seeded):
    bus = division("bus-policy")
    assert org_lists.division_names()[bus.pk][1] == bus.name_ko
    bus.name_ko = "버스정책과(개편)"
    bus.save()
    assert org_lists.division_names()[bus.pk][1] == "버스정책과(개편)"

    assert org_lists.members([bus.pk]) == []
    kim = staff("kim", "bus-policy")
    assert [name for _, name in org_lists.members([bus.pk])] == ["kim (버스정책과(개편))"]
    kim.is_active = False
    kim.save()
    assert org_lists.members([bus.pk]) == []


def test_a_login_keeps_the_lists(seeded):
    kim = staff("kim", "bus-policy")
    org_lists.members(None)
    version = cache.get(org_lists.VERSION_KEY)
    kim.last_login = timezone.now()
    kim.save(update_fields=["last_login"])
    assert cache.get(org_lists.VERSION_KEY) == version
    kim.display_name = "김민원"
    kim.save()
    assert cache.get(org_lists.VERSION_KEY) != version
    assert "김민원 (" in dict(org_lists.members(None))[str(kim.pk)]

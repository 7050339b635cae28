"""permissions.readable: the batch form of can(READ) the message page's thread and earlier lists use."""

import pytest

from messages_app.models import Message, Status, StatusChange
from messages_app.services import permissions as perms
from tests.factories import citizen, division, routed, staff
from users import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(seeded):
    own = routed("bus-policy", text="우리 부서")
    other_private = routed("road-management", text="다른 부서 비공개", is_private=True)
    other_public = routed("road-management", text="다른 부서 공개")
    passed = routed("road-management", text="우리 부서를 거쳐 간 메시지", is_private=True)
    StatusChange.objects.create(message=passed, to_status=Status.ASSIGNED, division=division("bus-policy"))
    hidden = routed("road-management", text="작성자가 숨김", hidden_by_author=True)
    return [own, other_private, other_public, passed, hidden]


@pytest.mark.parametrize("who", ["member", "desk", "no-role", "citizen"])
def test_readable_is_can_read_of_each(mixed, who, django_assert_max_num_queries):
    user = {"member": lambda: staff("kim", "bus-policy"), "desk": lambda: staff("desk", role=roles.SMC_DESK),
            "no-role": lambda: staff("plain", "bus-policy", role=None), "citizen": citizen}[who]()
    messages = list(Message.objects.filter(pk__in=[m.pk for m in mixed]).order_by("pk"))
    expected = [m.pk for m in messages if perms.can(user, perms.READ, m)]
    user = type(user).objects.get(pk=user.pk)  # a fresh user: its permission caches are read again
    with django_assert_max_num_queries(5):
        got = [m.pk for m in perms.readable(user, messages)]
    assert got == expected
    if who == "member":
        texts = {m.pk: m.text for m in messages}
        assert {texts[pk] for pk in got} == {"우리 부서", "다른 부서 공개", "우리 부서를 거쳐 간 메시지"}
    if who == "desk":
        assert len(got) == 5
    if who in ("no-role", "citizen"):
        assert got == []

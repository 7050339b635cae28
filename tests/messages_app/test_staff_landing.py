from django.contrib.auth.models import Group

from departments.models import Division, Membership
from users import roles
from users.models import User


def _user(username, role, division_code=None):
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if division_code:
        Membership.objects.create(user=user, division=Division.objects.get(code=division_code))
    return user


def test_division_staff_land_on_their_queue(client, seeded):
    client.force_login(_user("bus", roles.DIVISION_STAFF, "bus-policy"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/messages_app/message/"
    assert client.get(response["Location"]).status_code == 200


def test_the_desk_and_the_mayors_office_land_on_the_index(client, seeded):
    for user in (_user("desk", roles.SMC_DESK, "new-media"), _user("mayor", roles.MAYORS_OFFICE)):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 200
        assert "업무 화면" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, seeded):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

from users import roles


def test_division_staff_land_on_their_queue(client, make_staff):
    client.force_login(make_staff("bus", roles.DIVISION_STAFF, "bus-policy"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/messages_app/message/"
    assert client.get(response["Location"]).status_code == 200


def test_the_desk_lands_on_its_triage_queue(client, make_staff):
    # The mayor's office lands on the dashboard (tests/dashboard/test_access.py).
    client.force_login(make_staff("desk", roles.SMC_DESK, "new-media"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/messages_app/message/?view=triage"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '<a href="?view=triage" aria-current="page" class="current">분류 대기</a>' in page.content.decode()


def test_a_superuser_without_a_role_lands_on_the_index(client, seeded):
    from tests.factories import staff

    client.force_login(staff("root", role=None, superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 200 and "업무 화면" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, seeded):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_queue_is_titled_with_the_users_division(client, make_staff):
    client.force_login(make_staff("bus", roles.DIVISION_STAFF, "bus-policy"))
    assert "버스정책과 메시지 대기열" in client.get("/admin/messages_app/message/").content.decode()
    client.force_login(make_staff("desk", roles.SMC_DESK, "new-media"))
    assert "메시지 대기열 (전체 부서)" in client.get("/admin/messages_app/message/").content.decode()

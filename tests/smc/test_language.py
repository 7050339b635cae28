def test_korean_is_served_first_even_to_an_english_browser(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ko"
    assert 'lang="ko"' in response.content.decode()


def test_the_language_switcher_turns_the_portal_to_english_and_back(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert 'lang="en"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert client.get("/")["Content-Language"] == "ko"


def test_the_staff_screens_are_in_korean_by_default(admin_client):
    html = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "로그아웃" in html


def test_the_switcher_needs_no_csrf_token_but_other_forms_do(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and strict.cookies["django_language"].value == "en"
    assert strict.get("/")["Content-Language"] == "en"
    assert strict.post("/ask/", {"text": "질문"}).status_code == 403  # every other form keeps its token

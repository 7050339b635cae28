from accounts.models import Account


def test_home_shows_the_registry_in_korean(client, seeded):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="ko"' in html
    for account in Account.objects.all():
        assert f"@{account.handle}" in html
    assert "운영 종료" in html and "교통" in html

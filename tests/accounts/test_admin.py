import io

import pytest
from django.contrib.auth.models import Group

from accounts.models import Account
from accounts.seed import TODAY_ACCOUNTS
from users import roles
from users.models import User


@pytest.fixture
def desk_user(seeded):
    user = User.objects.create_user("desk", password="pw-desk-123", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.SMC_DESK))
    return user


def test_registry_admin_lists_accounts_and_never_shows_credentials(client, seeded, desk_user):
    account = Account.objects.get(platform="x", handle="seoul_traffic")
    account.credentials = {"bearer_token": "TOP-SECRET-TOKEN"}
    account.save()
    client.force_login(desk_user)
    listing = client.get("/admin/accounts/account/")
    assert listing.status_code == 200
    assert "seoul_traffic" in listing.content.decode()
    page = client.get(f"/admin/accounts/account/{account.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "TOP-SECRET-TOKEN" not in html
    assert account.credentials_encrypted not in html
    assert "저장됨" in html


def test_admin_replaces_credentials_encrypted(client, seeded, desk_user):
    account = Account.objects.get(platform="facebook", handle="seoul.city")
    client.force_login(desk_user)
    data = {
        "platform": "facebook", "handle": "seoul.city", "display_name": "서울특별시",
        "profile_url": account.profile_url, "platform_user_id": "1234567890",
        "owner_division": account.owner_division_id, "field": "general", "district": "",
        "follower_count": "65000", "status": "active", "poll_interval_seconds": "120",
        "new_credentials": '{"page_access_token": "EAAB-new"}',
    }
    response = client.post(f"/admin/accounts/account/{account.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.credentials == {"page_access_token": "EAAB-new"}
    assert "EAAB-new" not in account.credentials_encrypted

    data["new_credentials"] = "not json"
    response = client.post(f"/admin/accounts/account/{account.pk}/change/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("new_credentials", code="not_json")


def test_admin_refuses_to_reactivate_a_me2day_account(client, seeded, desk_user):
    account = Account.objects.get(platform="me2day", handle="seoulcity")
    client.force_login(desk_user)
    data = {
        "platform": "me2day", "handle": "seoulcity", "display_name": account.display_name,
        "profile_url": account.profile_url, "owner_division": account.owner_division_id,
        "field": account.field, "follower_count": "1", "status": "active", "poll_interval_seconds": "60",
    }
    response = client.post(f"/admin/accounts/account/{account.pk}/change/", data)
    assert response.status_code == 200
    assert "2014" in response.content.decode()
    account.refresh_from_db()
    assert account.status == "retired"


def test_admin_csv_import_reports_row_errors_and_saves_nothing(client, seeded, desk_user):
    client.force_login(desk_user)
    upload = io.BytesIO("platform,handle,display_name,owner_division,field\nx,new_one,새 계정,nowhere,general\n"
                        .encode())
    upload.name = "accounts.csv"
    response = client.post("/admin/accounts/account/import-csv/", {"file": upload})
    assert response.status_code == 200
    assert "2행" in response.content.decode()
    assert not Account.objects.filter(handle="new_one").exists()


def test_admin_csv_export_downloads_the_registry(client, seeded, desk_user):
    client.force_login(desk_user)
    response = client.get("/admin/accounts/account/export-csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # The header, SMC's accounts and the district offices.
    assert response.content.decode("utf-8-sig").count("\n") == 1 + 44 + len(TODAY_ACCOUNTS) + 25


def test_a_citizen_cannot_open_the_registry_admin(client, seeded):
    citizen = User.objects.create_user("citizen", password="pw")
    citizen.groups.add(Group.objects.get(name=roles.CITIZEN))
    client.force_login(citizen)
    assert client.get("/admin/accounts/account/").status_code == 302
    assert client.get("/admin/accounts/account/export-csv/").status_code == 302

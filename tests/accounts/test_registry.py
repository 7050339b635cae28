from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Account, Platform, Status
from accounts.seed import TODAY_ACCOUNTS
from accounts.services import export_registry_csv, import_registry_csv, seed_registry
from departments.models import Bureau, Division
from departments.services import seed_org_chart

TODAY_PLATFORMS = {row[0] for row in TODAY_ACCOUNTS}


def _snapshot():
    return sorted(Account.objects.values_list(
        "platform", "handle", "display_name", "owner_division__code", "field", "status", "is_mayor",
        "follower_count"))


def test_the_center_has_44_accounts_42_of_the_city_and_2_of_the_mayor(seeded):
    accounts = Account.objects.filter(is_polled=True).exclude(platform__in=TODAY_PLATFORMS)
    assert accounts.count() == 44
    assert accounts.filter(is_mayor=False).count() == 42
    mayor = accounts.filter(is_mayor=True)
    assert sorted(mayor.values_list("platform", flat=True)) == [Platform.FACEBOOK, Platform.X]
    assert set(Counter(accounts.values_list("platform", flat=True))) == {"x", "facebook", "me2day"}


def test_me2day_accounts_are_retired_and_others_are_not(seeded):
    me2day = Account.objects.filter(platform=Platform.ME2DAY)
    assert me2day.exists()
    assert set(me2day.values_list("status", flat=True)) == {Status.RETIRED}
    assert not Account.objects.exclude(platform=Platform.ME2DAY).filter(status=Status.RETIRED).exists()
    assert "2014" in me2day.first().retired_reason


def test_seed_twice_leaves_the_same_rows(seeded):
    before = (_snapshot(), Division.objects.count(), Bureau.objects.count())
    call_command("seed")
    call_command("seed")
    assert (_snapshot(), Division.objects.count(), Bureau.objects.count()) == before


def test_seed_keeps_operator_changes_to_credentials_and_poll_state(seeded):
    account = Account.objects.get(platform="x", handle="seoul_traffic")
    account.credentials = {"bearer_token": "secret-token-123"}
    account.poll_cursor = "1880000000000000000"
    account.save()
    seed_registry()
    account.refresh_from_db()
    assert account.credentials == {"bearer_token": "secret-token-123"}
    assert account.poll_cursor == "1880000000000000000"


def test_credentials_are_never_stored_in_plain_text(seeded):
    account = Account.objects.get(platform="x", handle="seoulmania")
    account.credentials = {"bearer_token": "AAAA-very-secret-bearer"}
    account.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted FROM accounts_account WHERE id = %s", [account.pk])
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM accounts_account WHERE row_to_json(accounts_account)::text "
                       "LIKE %s", ["%very-secret%"])
        assert cursor.fetchone()[0] == 0
    assert stored and "very-secret" not in stored
    assert Account.objects.get(pk=account.pk).credentials == {"bearer_token": "AAAA-very-secret-bearer"}


def test_credentials_do_not_decrypt_with_another_key(seeded, settings):
    account = Account.objects.get(platform="x", handle="seoulmania")
    account.credentials = {"bearer_token": "t"}
    account.save()
    settings.CREDENTIALS_KEY = "another-key"
    from accounts.crypto import CredentialsError

    with pytest.raises(CredentialsError):
        Account.objects.get(pk=account.pk).credentials  # noqa: B018


def test_csv_export_then_import_round_trips(seeded):
    text = export_registry_csv()
    assert "credentials" not in text.splitlines()[0]
    assert len(text.strip().splitlines()) == 1 + 44 + len(TODAY_ACCOUNTS) + 25  # header, SMC's, the district offices
    before = _snapshot()
    result = import_registry_csv(text)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 44 + len(TODAY_ACCOUNTS) + 25)
    assert _snapshot() == before


HEADER = "platform,handle,display_name,owner_division,field,is_mayor,status\n"


def test_csv_import_creates_new_accounts(seeded):
    result = import_registry_csv(HEADER + "x,seoul_bike,따릉이,bus-policy,transport,0,active\n")
    assert result.ok and result.created == 1
    account = Account.objects.get(handle="seoul_bike")
    assert account.owner_division.name_ko == "버스정책과"


def test_csv_import_with_bad_rows_saves_nothing_and_names_every_bad_row(seeded):
    rows = (
        HEADER
        + "x,seoul_bike,따릉이,bus-policy,transport,0,active\n"          # good (line 2)
        + "myspace,seoul_old,옛 계정,bus-policy,transport,0,active\n"   # unknown platform (3)
        + "x,seoul_x,없는 과,no-such-division,transport,0,active\n"      # unknown division (4)
        + "me2day,seoul_new,미투,new-media,general,0,active\n"           # me2day must be retired (5)
        + "x,,이름만,new-media,general,0,active\n"                        # empty handle (6)
        + "x,seoul_bike,두 번째,bus-policy,transport,0,active\n"         # duplicate in file (7)
        + "x,seoul_y,불리언,new-media,general,maybe,active\n"            # bad boolean (8)
    )
    before = _snapshot()
    result = import_registry_csv(rows)
    assert not result.ok
    assert [error.split("행")[0] for error in result.errors] == ["3", "4", "5", "6", "7", "8"]
    assert "myspace" in result.errors[0] and "no-such-division" in result.errors[1]
    assert _snapshot() == before
    assert not Account.objects.filter(handle="seoul_bike").exists()


def test_csv_import_without_required_columns_is_refused(seeded):
    result = import_registry_csv("handle,display_name\nfoo,bar\n")
    assert not result.ok
    assert "platform" in result.errors[0]


def test_import_command_fails_loudly_on_bad_rows(seeded, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "x,seoul_bike,따릉이,nowhere,transport,0,active\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2행"):
        call_command("import_accounts", str(path))
    assert not Account.objects.filter(handle="seoul_bike").exists()


def test_org_chart_is_a_realistic_part_of_seoul(db):
    seed_org_chart()
    assert Bureau.objects.count() >= 10
    assert Division.objects.count() >= 30
    desk = Division.objects.get(is_smc_desk=True)
    assert (desk.name_ko, desk.bureau.name_ko) == ("뉴미디어담당관", "시민소통기획관")
    for name in ["교통정책과", "도로관리과", "주택정책과", "문화정책과", "복지정책과", "환경정책과", "경제정책과"]:
        assert Division.objects.filter(name_ko=name).exists(), name
    assert not Division.objects.filter(name_en="").exists()

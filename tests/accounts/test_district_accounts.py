"""District accounts on the registry: the 25 district offices SMC does not poll (they are on the SNS map
only), from the seed and from CSV files."""

import pytest

from accounts.models import Account, Field
from accounts.seed import TODAY_ACCOUNTS
from accounts.services import export_registry_csv, import_registry_csv
from textkit.places import DISTRICTS

pytestmark = pytest.mark.usefixtures("seeded")


def test_the_seed_has_one_unpolled_main_account_per_district():
    offices = Account.objects.filter(is_polled=False)
    assert offices.count() == 25
    assert sorted(offices.values_list("district", flat=True)) == sorted(DISTRICTS)
    assert set(offices.values_list("field", flat=True)) == {Field.DISTRICT}
    gangnam = offices.get(district="11230")
    assert gangnam.operator == "강남구청" and gangnam.profile_url.startswith("https://")
    # SMC's own accounts stay polled, and its district news accounts carry a district code now.
    assert Account.objects.filter(is_polled=True).count() == 44 + len(TODAY_ACCOUNTS)
    assert Account.objects.get(handle="seoul_jongno").district == "11010"


HEADER = "platform,handle,display_name,owner_division,field,district,is_mayor,status,is_polled,operator\n"


def test_csv_import_of_a_district_account():
    result = import_registry_csv(
        HEADER + "x,seocho_news,서초구 소식,local-autonomy,district,서초구,0,active,0,서초구청\n"
        + "facebook,nowon.news,노원 소식,local-autonomy,district,11110,no,active,아니오,노원구청\n")
    assert result.ok, result.errors
    seocho = Account.objects.get(platform="x", handle="seocho_news")
    assert (seocho.district, seocho.is_polled, seocho.operator) == ("11220", False, "서초구청")
    assert Account.objects.get(handle="nowon.news").district == "11110"
    # Exported and imported again, nothing changes.
    line = next(row for row in export_registry_csv().splitlines() if ",seocho_news," in row)
    assert line.endswith(",0,서초구청,") and ",11220," in line  # the English name (name_en) last, empty


def test_csv_import_refuses_an_unknown_district_and_saves_nothing():
    before = Account.objects.count()
    result = import_registry_csv(
        HEADER + "x,ok_one,좋은 계정,local-autonomy,district,마포구,0,active,0,\n"
        + "x,busan_jung,부산 중구,local-autonomy,district,해운대구,0,active,0,\n")
    assert not result.ok and "3행" in result.errors[0] and "해운대구" in result.errors[0]
    assert Account.objects.count() == before


def test_a_file_without_the_new_columns_keeps_accounts_polled():
    result = import_registry_csv("platform,handle,display_name,owner_division,field,is_mayor,status\n"
                                 "x,seoul_bike,따릉이,bus-policy,transport,0,active\n")
    assert result.ok, result.errors
    assert Account.objects.get(handle="seoul_bike").is_polled is True


def test_an_empty_is_polled_cell_keeps_polling_on_and_a_district_may_be_named_any_way():
    result = import_registry_csv(
        HEADER + "x,jongno_a,종로 소식,local-autonomy,district,종로,0,active,,종로구청\u200b\n"
        + "x,jongno_b,Jongno news,local-autonomy,district,Jongno-gu,0,active,1,\n")
    assert result.ok, result.errors
    a = Account.objects.get(handle="jongno_a")
    assert (a.is_polled, a.district, a.operator) == (True, "11010", "종로구청")  # zero-width space dropped
    assert Account.objects.get(handle="jongno_b").district == "11010"


def test_a_bad_is_polled_word_is_a_row_error_from_the_admin_form_path():
    result = import_registry_csv(
        HEADER + "x,maybe_one,아마도,local-autonomy,district,마포구,0,active,maybe,\n"
        + "x,long_operator,긴 기관,local-autonomy,district,마포구,0,active,0," + "가" * 101 + "\n")
    assert not result.ok
    assert "2행" in result.errors[0] and "is_polled" in result.errors[0] and "maybe" in result.errors[0]
    assert "3행" in result.errors[1] and "operator" in result.errors[1]  # the form's max_length, not cut silently
    assert not Account.objects.filter(handle__in=["maybe_one", "long_operator"]).exists()

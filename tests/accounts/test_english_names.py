"""Every account has an English name (the seed's), kept by the CSV export and import."""

import pytest

from accounts.models import Account
from accounts.services import export_registry_csv, import_registry_csv

pytestmark = pytest.mark.django_db


def test_every_seeded_account_has_an_english_name(seeded):
    missing = list(Account.objects.filter(name_en="").values_list("platform", "handle"))
    assert missing == []
    names = dict(Account.objects.values_list("handle", "name_en"))
    assert names["seoulmania"] == names["seoul.city"] == "Seoul Metropolitan Government"
    assert names["seoul_mayor"] == "Mayor of Seoul"
    assert names["seoul.museum"] == "Seoul Museum of History"
    assert names["gangnamgu"] == "Seoul Gangnam-gu"  # a district office: the district's romanised name
    # No Korean left in an English name.
    assert not [n for n in names.values() if any("가" <= ch <= "힣" for ch in n)]


def test_name_in_falls_back_to_the_korean_name(seeded):
    account = Account.objects.get(handle="seoulmania")
    assert account.name_in("en") == "Seoul Metropolitan Government"
    assert account.name_in("ko") == "서울특별시"
    account.name_en = ""
    assert account.name_in("en") == "서울특별시"


def test_csv_round_trip_keeps_english_names(seeded):
    text = export_registry_csv()
    assert text.splitlines()[0].endswith(",name_en")
    Account.objects.filter(handle="seoulmania").update(name_en="changed")
    assert import_registry_csv(text).ok
    assert Account.objects.get(handle="seoulmania").name_en == "Seoul Metropolitan Government"


def test_a_file_without_the_english_column_keeps_the_english_names(seeded):
    header = "platform,handle,display_name,owner_division,field,is_mayor,status\n"
    result = import_registry_csv(header + "x,seoulmania,서울시,new-media,general,0,active\n"
                                          "x,seoul_bike,따릉이,bus-policy,transport,0,active\n")
    assert result.ok, result.errors
    assert Account.objects.get(handle="seoulmania").name_en == "Seoul Metropolitan Government"
    assert Account.objects.get(handle="seoul_bike").name_en == ""

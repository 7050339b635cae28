"""In English mode divisions show their English names (feed, message page, filters, 내 민원)."""

import pytest
from django.urls import reverse

from departments.models import Division
from tests.factories import citizen, public_message


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0


def test_division_names_follow_the_language(client, seeded):
    division = Division.objects.get(code="transport-policy")
    division.name_en = "Transport Policy Division"
    division.save(update_fields=["name_en"])
    user = citizen()
    m = public_message("버스 노선을 늘려 주세요", answer="검토하겠습니다", division=division, citizen=user)
    client.force_login(user)
    pages = [reverse("home"), reverse("message", args=[m.pk]), reverse("my_questions"),
             reverse("my_question", args=[m.pk])]
    for url in pages:
        korean = client.get(url).content.decode()
        assert division.name_ko in korean and "Transport Policy Division" not in korean, url
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in pages:
        english = client.get(url).content.decode()
        assert "Transport Policy Division" in english, url
    # The division filter of the feed too.
    assert '>Transport Policy Division</option>' in client.get(reverse("home")).content.decode()


def test_platform_names_follow_the_language_on_the_registry_and_the_sns_map(client, seeded):
    """Today's platforms (issue 29) are named in Korean, and in English in English mode, with their badge."""
    korean = client.get(reverse("registry")).content.decode()
    assert '<span class="platform platform-instagram">인스타그램</span>' in korean
    assert '<span class="platform platform-youtube">유튜브</span>' in korean
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(reverse("registry")).content.decode()
    assert '<span class="platform platform-instagram">Instagram</span>' in english
    assert '<span class="platform platform-youtube">YouTube</span>' in english
    assert '<span class="platform platform-facebook">Facebook</span>' in english
    sns_map = client.get(reverse("snsmap")).content.decode()
    assert '<option value="instagram">Instagram</option>' in sns_map and "YouTube" in sns_map


def test_account_names_follow_the_language(client, seeded):
    """The receiving account's English name (the seed's: Seoul Metropolitan Government) in English
    mode on the feed, the message page, the account list and the feed's account filter."""
    from accounts.models import Account

    account = Account.objects.get(platform="x", handle="seoulmania")
    assert (account.display_name, account.name_en) == ("서울특별시", "Seoul Metropolitan Government")
    m = public_message("버스 노선을 늘려 주세요", answer="검토하겠습니다", account=account)
    pages = [reverse("home"), reverse("message", args=[m.pk]), reverse("registry")]
    for url in pages:
        korean = client.get(url).content.decode()
        assert "서울특별시" in korean and "Seoul Metropolitan Government" not in korean, url
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in pages:
        english = client.get(url).content.decode()
        assert "Seoul Metropolitan Government" in english, url
    assert f'<option value="{account.pk}">Seoul Metropolitan Government</option>' in client.get(
        reverse("home")).content.decode()
    # The platform is named in English beside it.
    assert "Seoul Metropolitan Government (X (Twitter))" in client.get(reverse("message", args=[m.pk])).content.decode()
    assert ">Facebook</span>" in client.get(reverse("registry")).content.decode()
    # An account without an English name keeps its Korean one rather than showing nothing.
    Account.objects.filter(pk=account.pk).update(name_en="")
    assert "서울특별시" in client.get(reverse("message", args=[m.pk])).content.decode()


def test_the_sns_map_names_accounts_in_the_pages_language(client, seeded):
    from accounts.models import Account

    museum = Account.objects.get(handle="seoul.museum")
    office = Account.objects.get(handle="mapogu")
    assert office.name_en == "Seoul Mapo-gu"
    korean = client.get(reverse("snsmap")).content.decode()
    assert "서울역사박물관" in korean and "Seoul Museum of History" not in korean
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(reverse("snsmap")).content.decode()
    assert "Seoul Museum of History" in english and ">서울역사박물관<" not in english
    assert museum.name_en in english
    district = client.get(reverse("snsmap_district", args=[office.district])).content.decode()
    assert "Seoul Mapo-gu" in district
    # The map's search finds an account by its English name too.
    found = client.get(reverse("snsmap"), {"q": "Museum of History"}).content.decode()
    assert "Seoul Museum of History" in found and "Seoul Culture" not in found

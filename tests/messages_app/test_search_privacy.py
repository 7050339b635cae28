"""Public search is no oracle for masked data: the index holds what the page shows (the masked
text), searches are throttled, staff still search the raw text (issue 8, part 2)."""

import re

import pytest
from django.contrib.postgres.search import SearchVector
from django.core.management import call_command
from django.db.models import TextField, Value
from django.urls import reverse

from accounts.models import Account
from messages_app.models import Message, MessageType, Status
from messages_app.services import ingest
from tests.factories import public_message
from textkit import korean
from users import roles

from .ingest_fakes import install_classifier_model, make_item

# Written the ways Kiwi indexes them (a hyphenated number or an e-mail is one token it drops).
PII = ("연락처 010 1234 5678 또는 01098765432, 주민번호 900101 1234567 (9001011234567), "
       "메일 hong.gildong@naver.com, 여권 M12345678, 차량 12가3456, 래미안 101동 1203호. "
       "홍길동 씨가 정류장 안내판 수리를 부탁했어요")
HIDDEN_QUERIES = ["010 1234 5678", "1234 5678", "01098765432", "900101 1234567", "1234567", "9001011234567",
                  "hong.gildong@naver.com", "홍길동", "M12345678", "12345678", "12가3456", "3456", "1203호",
                  "010 9876 5432", "9876"]


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0
    settings.SMC_RATE_SEARCH = "1000/m"  # the throttle has its own tests below


def found(client, q, **extra) -> set[int]:
    response = client.get(reverse("search"), {"q": q}, **extra)
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'href="/m/(\d+)/"', response.content.decode())}


def test_anonymous_search_finds_nothing_the_page_hides(client, seeded):
    m = public_message(PII, answer="답변: 담당자가 010 9876 5432로 연락드렸습니다. 안내판을 고쳤습니다")
    page = client.get(reverse("message", args=[m.pk])).content.decode()
    assert "010 **** ****" in page and "1234 5678" not in page and "홍*동 씨" in page
    for q in HIDDEN_QUERIES:
        assert m.pk not in found(client, q), q
    # What the page does show is found: the index works, it just holds the masked text.
    assert m.pk in found(client, "안내판 수리")
    assert m.pk in found(client, "연락처")


def test_messages_ingested_from_a_platform_are_indexed_masked(client, seeded):
    install_classifier_model()
    account = Account.objects.filter(platform="x").order_by("pk").first()
    ingest.insert_items(account.pk, [make_item("x", 1, prefix="pii-", text=PII)])
    m = Message.objects.get(external_id="pii-1")
    # Routed and public, as the pipeline leaves a complaint once triaged.
    Message.objects.filter(pk=m.pk).update(status=Status.ASSIGNED, type=MessageType.COMPLAINT, is_private=False,
                                           division_id=public_message().division_id)
    for q in HIDDEN_QUERIES:
        assert m.pk not in found(client, q), q
    assert m.pk in found(client, "안내판")


def test_enumerating_the_hidden_digits_tells_nothing(client, seeded):
    """An RRN's last digit, a phone number's last digit: every guess gets the same answer."""
    m = public_message(PII)
    for template in ("900101 123456{}", "900101123456{}", "010 1234 567{}", "0109876543{}", "12가345{}"):
        answers = [found(client, template.format(d)) for d in range(10)]
        assert all(a == answers[0] for a in answers) and m.pk not in answers[0], template


def test_reindex_command_rebuilds_the_masked_index(client, seeded):
    m = public_message(PII, index=False)
    # The index as it was built before: from the raw text, an oracle.
    raw = korean.search_document(m.text)
    Message.objects.filter(pk=m.pk).update(
        search_vector=SearchVector(Value(raw, output_field=TextField()), config="simple"))
    assert m.pk in found(client, "010 1234 5678") and m.pk in found(client, "홍길동")
    call_command("reindex_search")
    for q in HIDDEN_QUERIES:
        assert m.pk not in found(client, q), q
    assert m.pk in found(client, "안내판")


def test_staff_search_the_raw_text(client, make_staff):
    m = public_message(PII)
    client.force_login(make_staff("bus-staff", roles.DIVISION_STAFF, "transport-policy"))
    response = client.get(reverse("admin:messages_app_message_changelist"), {"q": "010 1234 5678"})
    assert response.status_code == 200
    assert [x.pk for x in response.context["cl"].result_list] == [m.pk]


# --- throttle -----------------------------------------------------------------------------------

def test_the_search_after_the_limit_is_refused_in_korean(client, seeded, settings):
    settings.SMC_RATE_SEARCH = "30/h"  # the default count; per hour, so no window boundary falls inside the test
    public_message("정류장 안내판이 부서졌어요")
    for n in range(30):
        assert client.get(reverse("search"), {"q": f"안내판 {n}"}).status_code == 200, n
    refused = client.get(reverse("search"), {"q": "안내판"})
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "잠시 후 다시 시도해 주세요" in body and "요청이 너무 많았습니다" in body
    # The feed's own search box counts too; browsing without a query does not.
    assert client.get(reverse("home"), {"q": "안내판"}).status_code == 429
    assert client.get(reverse("home")).status_code == 200
    # Another visitor (another address) still searches.
    assert client.get(reverse("search"), {"q": "안내판"}, REMOTE_ADDR="10.9.8.7").status_code == 200


def test_a_cached_result_page_is_throttled_too(client, seeded, settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 30
    settings.SMC_RATE_SEARCH = "3/h"
    public_message("정류장 안내판이 부서졌어요")
    statuses = [client.get(reverse("search"), {"q": "안내판"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]



def test_the_migration_rebuilds_indexes_built_before_masking_read_spellings(client, seeded):
    """An index built by the older masking holds what it missed (010~4827~3316, 공일공 …): the
    migration that came with the new masking builds every vector again."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("messages_app.migrations.0008_reindex_search_after_masking_spellings")
    m = public_message("정류장 안내판 고장, 연락처 010~4827~3316", index=False)
    Message.objects.filter(pk=m.pk).update(search_vector=SearchVector(
        Value(korean.search_document(m.text), output_field=TextField()), config="simple"))
    assert m.pk in found(client, "4827")
    migration.reindex(apps, None)
    assert m.pk not in found(client, "4827") and m.pk not in found(client, "3316")
    assert m.pk in found(client, "안내판")

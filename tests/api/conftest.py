import pytest
from rest_framework.test import APIClient

from api import keys
from tests import factories

# A message with every kind of personal data the portal hides, and each value as it must never
# appear in any public response.
PII_TEXT = ("김철용입니다. 제 번호 010-1234-5678, 주민번호 900101-1234567, 메일 kimcy@example.com, "
            "차량 12가3456 이 불법주차 신고를 무시당했어요. 지하철 엘리베이터 고장")
# (Long enough not to occur by chance in ids, counts or timestamps.)
PII_VALUES = ["1234-5678", "900101-1234567", "-1234567", "kimcy@example.com", "kimcy@", "12가3456", "가3456",
              "김철용"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def pii_message(seeded):
    return factories.public_message(
        PII_TEXT, answer="김철용 님, 010-1234-5678 로 연락드렸습니다. 12가3456 차량은 단속했습니다.",
        author_name="김철용")


@pytest.fixture
def token_for():
    def make(user):
        return keys.issue_token(user, "test")[1]
    return make


def assert_no_pii(content: bytes):
    text = content.decode()
    for value in PII_VALUES:
        assert value not in text, value

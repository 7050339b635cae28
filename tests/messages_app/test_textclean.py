"""One sanitiser for every text that enters or is shown (issue 8, part 6): control characters,
bidi controls and zero-width characters are gone from what is stored and what is shown, on every
path: connector ingest, the web form, comments, staff answers and reasons, phone intake, and
rows stored before the sanitiser existed."""

from pathlib import Path

import pytest
from django.urls import reverse

from accounts.connectors.base import Batch
from accounts.models import Account
from messages_app.models import Answer, Message, Outbox, StatusChange
from messages_app.services import handling, ingest, intake
from portal import services as portal
from portal.models import Comment, CommentReport
from tests.factories import citizen, division, public_message, routed, staff
from textkit import korean, textclean
from textkit.textclean import sanitize_text

from .ingest_fakes import install_classifier_model, make_item

RLO, DEL = "\u202e", "\x7f"
# Everything the sanitiser must remove, one of each class.
INVISIBLE = ["\x00", "\x07", "\x1b", "\x0b", "\x0c", DEL, "\x85", "\x9b", RLO, "\u202a", "\u202b", "\u202c",
             "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u200c",
             "\u2060", "\ufeff", "\u00ad", "\u180e", "\u034f", "\u206a", "\ufff9", "\ufffe", "\U000e0041"]


def _nothing_invisible(text: str) -> bool:
    return sanitize_text(text) == text and not any(ch in text for ch in INVISIBLE)


# --- the function --------------------------------------------------------------------------------

@pytest.mark.parametrize("ch", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_each_invisible_or_control_character_is_removed(ch):
    assert sanitize_text(f"민원{ch}접수 010{ch}1234") == "민원접수 0101234"


@pytest.mark.parametrize("text", [
    "탭\t과 줄\n바꿈", "가족 👨\u200d👩\u200d👧\u200d👦", "깃발 🏳️\u200d🌈", "달리기 🏃\u200d♀️", "👍🏻",
    "잉글랜드 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", "아랍어 مرحبا", "히브리어 שלום",
    "한글 ㄱㄴㄷ 가나다", "１２３ ｆｕｌｌ", "emoji ♥️", "",
])
def test_what_people_can_see_is_kept(text):
    assert sanitize_text(text) == text


def test_line_breaks_are_normalised_and_lone_surrogates_replaced():
    assert sanitize_text("a\r\nb\rc\u2028d\u2029e") == "a\nb\nc\nd\ne"
    assert sanitize_text("끝 \ud800") == "끝 \ufffd"
    assert sanitize_text(None) == "" and sanitize_text(12) == "12"


def test_a_joiner_outside_an_emoji_is_removed():
    assert sanitize_text("가\u200d나 1\u200d2 👍\u200d가") == "가나 12 👍가"


def test_the_sanitiser_is_plain_python():
    # It lives in textkit, the framework-free package: no Django in it.
    imports = [line for line in Path(textclean.__file__).read_text().splitlines()
               if line.startswith(("import ", "from "))]
    assert imports == ["import re", "import unicodedata"]


# --- every path that accepts text -----------------------------------------------------------------

def test_connector_ingest(seeded):
    install_classifier_model()
    account = Account.objects.filter(platform="x").order_by("pk").first()
    item = make_item("x", 1, prefix="rlo-", text=f"정류장{RLO} 안내판{DEL}이 부서졌어요\u200b")
    item = item.__class__(**{**item.__dict__, "author_name": f"{RLO}김철수", "author_handle": f"kim{DEL}"})
    ingest.ingest_batch(account, Batch(items=[item], next_cursor="c"))
    m = Message.objects.get(external_id="rlo-1")
    assert m.text == "정류장 안내판이 부서졌어요"
    assert m.author_name == "김철수" and m.author_handle == "kim"


def test_web_form_question(client, seeded):
    user = citizen()
    client.force_login(user)
    response = client.post(reverse("ask"), {"text": f"한강 {RLO}자전거도로{DEL} 포장이 깨졌어요", "client_token": "t1",
                                            "ask_required": "on"})
    assert response.status_code == 302
    assert Message.objects.get(citizen=user).text == "한강 자전거도로 포장이 깨졌어요"
    # Nothing but invisible characters is an empty question: a form error, not a 500.
    response = client.post(reverse("ask"), {"text": RLO * 5 + DEL * 5, "client_token": "t2", "ask_required": "on"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert Message.objects.filter(citizen=user).count() == 1


def test_comments_edits_and_reports(client, seeded):
    m = public_message()
    author, reporter = citizen(), citizen()
    client.force_login(author)
    client.post(reverse("add_comment", args=[m.pk]), {"text": f"좋은 {RLO}의견{DEL}입니다"})
    comment = Comment.objects.get(message=m)
    assert comment.text == "좋은 의견입니다"
    client.post(reverse("edit_comment", args=[comment.pk]), {"text": f"고친{RLO} 댓글\u2066"})
    comment.refresh_from_db()
    assert comment.text == "고친 댓글"
    portal.report_comment(reporter, comment, reason=f"욕설{RLO}{DEL}")
    assert CommentReport.objects.get(comment=comment).reason == "욕설"


def test_staff_answer_and_reasons(client, seeded):
    bus = staff("bus-clean", "bus-policy")
    m = routed("bus-policy", text="버스 정류장 의자가 부서졌어요")
    client.force_login(bus)
    response = client.post(reverse("admin:messages_app_message_answer", args=[m.pk]),
                           {"text": f"의자를 {RLO}이번 주에{DEL} 교체하겠습니다.\u200f"})
    assert response.status_code == 302
    answer = Answer.objects.get(message=m)
    assert answer.text == "의자를 이번 주에 교체하겠습니다."
    assert all(_nothing_invisible(o.posting.text) for o in Outbox.objects.filter(answer=answer))
    other = routed("bus-policy")
    handling.transfer(other, division("parking").pk, actor=bus, reason=f"주차{RLO} 담당{DEL}")
    assert StatusChange.objects.filter(message=other).last().note.endswith("사유: 주차 담당")


def test_phone_intake(seeded):
    desk = staff("desk-clean", "new-media", role="SMC 데스크")
    m = intake.record_phone_complaint(desk, f"가로등이 {RLO}꺼졌어요{DEL}", caller_name=f"이영희{RLO}")
    assert m.text == "가로등이 꺼졌어요" and m.author_name == "이영희"


def test_analysis_and_search_ignore_them():
    assert korean.clean(f"버스{RLO}정류장{DEL}") == "버스정류장"
    assert korean.search_query(f"정류장{RLO}") == korean.search_query("정류장")


def test_rows_stored_before_are_shown_clean(client, seeded):
    """Text stored before the sanitiser (or by any path that forgot it) is cleaned when shown."""
    m = public_message(f"exe.{RLO}gpj 파일{DEL} 열어보세요", answer=f"확인{RLO}했습니다{DEL}",
                       author_name=f"{RLO}김철수")
    user = citizen(display_name=f"박{RLO}영희")
    Comment.objects.create(message=m, user=user, text=f"댓글{RLO}입니다{DEL}")
    for url in (reverse("home"), reverse("message", args=[m.pk]), reverse("search") + "?q=파일"):
        page = client.get(url).content.decode()
        assert RLO not in page and DEL not in page, url
        assert "exe.gpj 파일 열어보세요" in page and "확인했습니다" in page, url

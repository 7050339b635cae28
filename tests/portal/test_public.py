"""portal/public.py is the one public form of a message: the templates' filters and the API's
serializers give exactly what it gives, and it hides the author's name and contact details."""

from types import SimpleNamespace

from django.template import Context, Template

from api.serializers import PublicAnswer
from portal import public

TEXT = "김철용입니다. 010-1234-5678로 연락 주세요. 정류장 안내판이 부서졌어요"


def test_the_public_form_hides_the_authors_name_and_phone():
    shown = public.text(TEXT, "김철용")
    assert "김철용" not in shown and "010-1234-5678" not in shown and "정류장 안내판" in shown
    assert public.name("김철용") != "김철용" and public.name("김철용").startswith("김")


def test_template_filters_render_what_public_gives():
    page = Template("{% load portal %}{{ t|masked:n }}|{{ t|masked_preview:n }}|{{ n|masked_name }}").render(
        Context({"t": TEXT, "n": "김철용"}))
    assert page == "|".join([public.text(TEXT, "김철용"), public.preview(TEXT, "김철용"), public.name("김철용")])


def test_the_api_answer_is_the_public_form():
    message = SimpleNamespace(author_name="김철용")
    answer = SimpleNamespace(text="김철용 님, 010-1234-5678로 안내드렸습니다.", message=message)
    assert PublicAnswer().get_text(answer) == public.answer_text(answer) != answer.text

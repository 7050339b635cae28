import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from messages_app.models import Topic
from textkit.textclean import sanitize_text

from .selectors import PUBLIC_STATUSES
from .services import COMMENT_MAX

ANSWERED_CHOICES = [("", _("전체")), ("yes", _("답변 완료")), ("no", _("답변 대기"))]


class FeedFilterForm(forms.Form):
    """GET filters of the feed. Ids are not checked against the database: an unknown id finds nothing."""

    q = forms.CharField(label=_("검색어"), required=False, max_length=200)
    account = forms.IntegerField(label=_("계정"), required=False, min_value=1)
    topic = forms.ChoiceField(label=_("주제"), required=False, choices=[("", _("전체"))] + Topic.choices)
    division = forms.IntegerField(label=_("담당 부서"), required=False, min_value=1)
    status = forms.ChoiceField(label=_("상태"), required=False,
                               choices=[("", _("전체"))] + [(s.value, s.label) for s in PUBLIC_STATUSES])
    answered = forms.ChoiceField(label=_("답변"), required=False, choices=ANSWERED_CHOICES)

    def filters(self) -> dict:
        """Cleaned filters, or none at all when the query string is invalid."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class CommentForm(forms.Form):
    text = forms.CharField(label=_("댓글"), max_length=COMMENT_MAX,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}))


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("신고 사유"), max_length=200, required=False)


class QuestionForm(forms.Form):
    # A fresh token per form shown: a double submit of the same form stores one question.
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    text = forms.CharField(label=_("질문 내용"), min_length=5, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6, "maxlength": 5000}),
                           help_text=_("전화번호 등 개인정보는 공개 화면에서 가려집니다."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client_token"].initial = uuid.uuid4().hex

    def clean_text(self):
        # What remains once invisible characters are gone must still be a question.
        text = sanitize_text(self.cleaned_data["text"]).strip()
        if len(text) < self.fields["text"].min_length:
            raise forms.ValidationError(_("질문 내용을 5자 이상 써 주세요. (At least 5 characters.)"))
        return text


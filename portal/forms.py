import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from messages_app.models import MessageType, Topic
from textkit.masking import find_spans
from textkit.places import DISTRICT_CHOICES
from textkit.textclean import sanitize_text

from . import consent
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
    # The search page's chips: the stream (type) and the district.
    type = forms.ChoiceField(label=_("종류"), required=False, choices=[("", _("전체"))] + MessageType.choices)
    district = forms.ChoiceField(label=_("자치구"), required=False, choices=[("", _("전체"))] + DISTRICT_CHOICES)

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
        self.fields.update(consent.fields_for(consent.ASK))

    def clean_text(self):
        # What remains once invisible characters are gone must still be a question.
        text = sanitize_text(self.cleaned_data["text"]).strip()
        if len(text) < self.fields["text"].min_length:
            raise forms.ValidationError(_("질문 내용을 5자 이상 써 주세요."), code="min_length")
        return text



# Words a nickname may not contain (compared without spaces, case-folded). Short on purpose: the
# desk hides what slips through by the comment reports.
SLURS = ("시발", "씨발", "ㅅㅂ", "병신", "ㅂㅅ", "개새끼", "좆", "지랄", "미친놈", "미친년", "fuck", "shit", "bitch")
NICKNAME_MIN, NICKNAME_MAX = 2, 20


def clean_nickname(value: str, *, exclude_user_id=None) -> str:
    """A nickname others see beside comments: no personal data (what masking would hide is refused),
    no e-mail, no slur, unique regardless of case."""
    from users.models import User

    nickname = sanitize_text(value).strip()
    if not NICKNAME_MIN <= len(nickname) <= NICKNAME_MAX:
        raise forms.ValidationError(_("별명은 2자에서 20자 사이로 지어 주세요."))
    if "@" in nickname or find_spans(nickname):
        raise forms.ValidationError(_("별명에 전화번호·이메일·이름 같은 개인정보를 쓸 수 없습니다."))
    folded = "".join(nickname.split()).casefold()
    if any(word in folded for word in SLURS):
        raise forms.ValidationError(_("별명에 쓸 수 없는 말이 들어 있습니다."))
    taken = User.objects.filter(nickname__iexact=nickname).exclude(pk=exclude_user_id)
    if taken.exists():
        raise forms.ValidationError(_("이미 쓰이는 별명입니다."))
    return nickname


class CitizenSignupForm(forms.Form):
    """Extra sign-up fields (allauth ACCOUNT_SIGNUP_FORM_CLASS): a nickname and the consents.
    allauth calls signup() inside its own save; nothing is stored unless this form is valid."""

    nickname = forms.CharField(label=_("별명"), max_length=NICKNAME_MAX,
                               help_text=_("댓글 옆에 보이는 이름입니다. 개인정보는 쓸 수 없습니다."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(consent.fields_for(consent.SIGNUP))

    def clean_nickname(self):
        return clean_nickname(self.cleaned_data["nickname"])

    def signup(self, request, user):
        user.nickname = self.cleaned_data["nickname"]
        user.save(update_fields=["nickname"])
        consent.record(user, consent.SIGNUP, self.cleaned_data)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("만족도"), coerce=int, widget=forms.RadioSelect,
                                   choices=[(i, str(i)) for i in range(5, 0, -1)])
    remark = forms.CharField(label=_("의견 (선택)"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}))

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from textkit.textclean import sanitize_text

from .models import RETIRED_PLATFORMS, Account, Status

# Polls are dispatched every 10 seconds: a shorter interval would mean nothing.
MIN_POLL_SECONDS = 10


class AccountAdminForm(forms.ModelForm):
    """Credentials are write-only: staff may replace them, nobody can read them back.

    The CSV import (accounts.services.import_registry_csv) checks every row with this form too.
    """

    new_credentials = forms.CharField(
        label="새 자격 증명 (JSON)", required=False, strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text='입력하면 기존 자격 증명을 암호화하여 교체합니다. 예: {"bearer_token": "…"}. '
                  "저장된 값은 화면에 다시 표시되지 않습니다.",
    )
    clear_credentials = forms.BooleanField(label="자격 증명 삭제", required=False)

    class Meta:
        model = Account
        fields = ["platform", "handle", "display_name", "name_en", "profile_url", "platform_user_id", "owner_division",
                  "field", "district", "is_mayor", "follower_count", "status", "poll_interval_seconds",
                  "is_polled", "operator"]

    def clean_poll_interval_seconds(self):
        value = self.cleaned_data["poll_interval_seconds"]
        if value is not None and value < MIN_POLL_SECONDS:
            raise forms.ValidationError(_("수집 주기는 %(min)s초 이상이어야 합니다."), code="min_value",
                                        params={"min": MIN_POLL_SECONDS})
        return value

    def clean_operator(self):
        # Free text shown on the public SNS map: no invisible or control characters.
        return sanitize_text(self.cleaned_data["operator"]).strip()

    def clean_new_credentials(self):
        raw = self.cleaned_data["new_credentials"]
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("JSON 형식이 아닙니다: %(error)s"), code="not_json",
                                        params={"error": exc.msg}) from None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise forms.ValidationError(_('{"이름": "값"} 형태의 JSON 객체여야 합니다.'), code="not_object")
        return value

    def clean(self):
        cleaned = super().clean()
        platform, status = cleaned.get("platform"), cleaned.get("status")
        if platform in RETIRED_PLATFORMS and status != Status.RETIRED:
            self.add_error("status", RETIRED_PLATFORMS[platform])
        return cleaned

    def save(self, commit=True):
        account = super().save(commit=False)
        if self.cleaned_data.get("clear_credentials"):
            account.credentials = {}
        elif self.cleaned_data.get("new_credentials"):
            account.credentials = self.cleaned_data["new_credentials"]
        if commit:
            account.save()
        return account


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV 파일",
                           help_text="UTF-8, 첫 행은 열 이름입니다. 내보내기 파일과 같은 형식입니다.")

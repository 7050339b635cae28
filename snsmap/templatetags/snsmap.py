"""{% district_name code %}: a district's name in the page's language (마포구 / Mapo-gu);
{{ account|account_name }}: an account's (서울특별시 / Seoul Metropolitan Government)."""

from django import template
from django.utils.translation import get_language

from textkit.places import district_name as _district_name

register = template.Library()


@register.simple_tag
def district_name(code):
    return _district_name(code, "en" if get_language() == "en" else "ko")


@register.filter
def account_name(account) -> str:
    return account.name_in(get_language())

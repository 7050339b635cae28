"""Template filters of the public pages: every citizen text and name passes through masking here."""

from django import template

from messages_app import masking

register = template.Library()


@register.filter
def masked(text, author_name=""):
    """The public form of a text (autoescaping still applies afterwards); the author's name inside
    the text is masked too: {{ m.text|masked:m.author_name }}."""
    return masking.mask_text(text, names=[author_name])


@register.filter
def masked_name(user_or_name):
    """A citizen's name as the public sees it (김*용); users show their display name or username."""
    if hasattr(user_or_name, "get_username"):
        user_or_name = getattr(user_or_name, "display_name", "") or user_or_name.get_username()
    return masking.mask_name(user_or_name)

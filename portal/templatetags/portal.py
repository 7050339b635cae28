"""Template filters of the public pages: every citizen text and name passes through masking here."""

import functools
import hashlib
import inspect

from django import template
from django.core.cache import cache
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from portal import public
from textkit import masking

register = template.Library()

# A rendered feed item is keyed by everything it shows, so it is never stale; this only bounds memory.
ITEM_SECONDS = 600
ITEM_TEMPLATE = "portal/_item.html"


@register.filter
def masked(text, author_name=""):
    """The public form of a text (autoescaping still applies afterwards); the author's name inside
    the text is masked too: {{ m.text|masked:m.author_name }}."""
    return public.text(text, author_name)


@register.filter
def masked_preview(text, author_name=""):
    """`masked` cut to public.PREVIEW_CHARS (with "…"), masking only the head of a long text."""
    return public.preview(text, author_name)


@register.filter
def masked_name(user_or_name):
    """A citizen's name as the public sees it (김*용)."""
    return public.name(user_or_name)


WITHDRAWN = public.WITHDRAWN


@register.filter
def commenter(user) -> str:
    """The name beside a comment (portal.public.commenter, which the API uses too)."""
    return public.commenter(user)


@register.simple_tag
def options(choices, selected):
    """<option>s of a filter from (value, label, …) rows, the selected one marked: the account and
    division lists are long, and a template loop over them cost more than the rest of the form."""
    selected = str(selected or "")
    return format_html_join("", "<option value=\"{}\"{}>{}</option>",
                            ((pk, mark_safe(" selected") if str(pk) == selected else "", label)
                             for pk, label, *_ in choices))


@functools.cache
def _item_fingerprint(engine) -> str:
    """Changes when the item template or the masking rules change (a deploy): old copies go unused."""
    source = engine.get_template(ITEM_TEMPLATE).source + inspect.getsource(masking) + inspect.getsource(public)
    return hashlib.sha1(source.encode()).hexdigest()[:12]


def _row(obj) -> tuple:
    """Every loaded column of a model instance (None when absent)."""
    if obj is None:
        return ()
    deferred = obj.get_deferred_fields()
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in deferred)


def _item_key(engine, m) -> str:
    answer = m.public_answer
    content = (_row(m), _row(m.account), _row(m.division), _row(answer),
               _row(answer.division if answer else None), getattr(m, "answered_in_workdays", None))
    digest = hashlib.sha1(repr(content).encode()).hexdigest()
    return f"portal:item:{_item_fingerprint(engine)}:{get_language()}:{digest}"


@register.simple_tag(takes_context=True)
def feed_items(context, items):
    """The feed's items, each rendered from portal/_item.html once per content and language and then
    reused by every visitor, logged in or not: an item shows nothing personal to the viewer (no
    liked state, no user), and its cache key digests every column it can show (text, counts,
    status, answer, names), so any change makes a new key instead of a stale copy."""
    engine = context.template.engine
    keys = [_item_key(engine, m) for m in items]
    found = cache.get_many(keys)
    missing = {}
    html = []
    for key, m in zip(keys, items, strict=True):
        if key not in found:
            found[key] = missing[key] = engine.get_template(ITEM_TEMPLATE).render(context.new({"m": m}))
        html.append(found[key])
    if missing:
        cache.set_many(missing, ITEM_SECONDS)
    return mark_safe("".join(html))


@register.filter
def consent_fields(form) -> list:
    """The bound consent checkboxes of a form (those carrying a portal.consent notice), in order."""
    return [form[name] for name, field in form.fields.items() if getattr(field, "notice", None)]


UNREAD_MARK = "<!--smc:unread-->"


def unread_html(user) -> str:
    from portal.selectors import unread_count

    n = unread_count(user)
    if not n:
        return ""
    return str(format_html('<span class="unread-count" data-unread="{}" aria-label="{}">{}</span>',
                           n, f"새 알림 {n}건", n))


@register.simple_tag(takes_context=True)
def unread_badge(context) -> str:
    """The counter of unread notices in the header; a shared page copy gets a mark instead, filled
    per request by portal.personal."""
    if context.get("shared"):
        return mark_safe(UNREAD_MARK)
    return mark_safe(unread_html(context["request"].user))


@register.filter
def localname(named) -> str:
    """A division's or an account's name in the page's language: its English name in English mode,
    when it has one (a division's Korean name is name_ko, an account's its display_name)."""
    if named is None:
        return ""
    if hasattr(named, "name_in"):
        return named.name_in(get_language())
    if get_language() == "en" and named.name_en:
        return named.name_en
    return named.name_ko

"""Public portal: thin views that parse, call a selector or service, render."""

import functools
import hashlib
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from accounts.selectors import accounts_by_field
from messages_app.models import Message
from messages_app.services import kakao as kakao_chats

from . import generations, limits, pagecache, personal, selectors
from . import services as portal
from .errors import PortalError
from .forms import CommentForm, FeedFilterForm, QuestionForm, RatingForm, ReportForm
from .models import Comment

PAGE_SIZE = 20
# The registry section is keyed by a fingerprint of what it shows; this only bounds memory.
REGISTRY_SECONDS = 600


# --- helpers ------------------------------------------------------------------------------------

def rate_limited(group: str, setting: str):
    """Refuse with a clear Korean (and English) 429 page once the user's rate is used up."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            rate = getattr(settings, setting)
            if request.method == "POST" and is_ratelimited(
                    request, group=group, key="user_or_ip", rate=rate, increment=True):
                return render(request, "portal/429.html", {"rate": rate}, status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _search_refused(request) -> HttpResponse | None:
    """The 429 page once this visitor has searched SMC_RATE_SEARCH times on any search path (portal.limits,
    shared with the API). Checked before any cached copy."""
    if limits.search_wait(request, request.GET.get("q", "")):
        return render(request, "portal/429.html", {"rate": settings.SMC_RATE_SEARCH}, status=429)
    return None


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _page(request, qs, count_key=None, shared=False, number=1):
    page = selectors.FeedPaginator(qs, PAGE_SIZE, count_key).get_page(number)
    items = list(page.object_list)
    selectors.annotate_workdays(items)
    # A shared copy knows no one's likes (portal.personal presses them per request).
    liked_messages, liked_answers = (set(), set()) if shared else selectors.liked_ids(request.user, items)
    for m in items:
        m.liked = m.pk in liked_messages
        answer = selectors.answer_of(m)
        m.public_answer = answer
        if answer:
            answer.liked = answer.pk in liked_answers
    return page, items


def _page_number(request) -> int:
    """The page asked for, as the paginator reads it: anything but a positive number is the first."""
    value = request.GET.get("page", "")
    return max(1, int(value)) if value.isascii() and value.isdigit() and len(value) <= 9 else 1


# --- pages --------------------------------------------------------------------------------------

def home(request):
    """The feed of public complaints and opinions, with the registry of the city's accounts."""
    return _feed(request, "feed", selectors.public_messages, title=_("시민의 질문과 서울시의 답변"),
                 with_registry=True)


def support(request):
    return _feed(request, "support", selectors.support_messages, title=_("격려·응원 메시지"))


def search(request):
    return _feed(request, "search", selectors.public_messages, title=_("검색"), is_search=True)


def _feed(request, name, queryset, *, title, with_registry=False, is_search=False):
    refused = _search_refused(request)
    if refused:
        return refused
    form = FeedFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    number = _page_number(request)
    # What the page reads, normalised: the cache key and the page's own links are made of this and
    # nothing else of the query string (pagecache). An invalid filter is rendered, not kept.
    read = {k: str(v) for k, v in filters.items()}
    params = {**read, **({"page": str(number)} if number > 1 else {})}
    if request.GET and not form.is_valid() or number > pagecache.MAX_CACHED_PAGE:
        params = None
    else:
        form = FeedFilterForm(read or None)

    def build(shared):
        query = filters.get("q", "").strip()
        if is_search:
            results = (selectors.search_public(filters).only(*selectors.FEED_ITEM_FIELDS) if query
                       else selectors.any_public().none())
        else:
            results = selectors.filter_feed(queryset(), filters)
            if query:
                results = selectors.search(results, query)
        count_key = "portal:count:" + hashlib.sha256(repr((name, sorted(filters.items()))).encode()).hexdigest()[:32]
        page, items = _page(request, results, count_key, shared, number)
        choices = selectors.filter_choices()
        context = {
            "page": page, "items": items, "form": form, "filters": filters, "query": query,
            "is_search": is_search, "title": title, "choices": choices,
            "querystring": urlencode(sorted(read.items())), "list_url": request.path,
            "with_registry": with_registry,
            "chips": _chips(read, form) if is_search and query else [],
        }
        if with_registry:
            # Lazy: the template calls these only when its cached copy of the registry has expired.
            groups = functools.cache(accounts_by_field)
            context.update(groups=groups, total=lambda: sum(len(a) for _, a in groups()),
                           registry_version=choices["registry_version"], registry_seconds=REGISTRY_SECONDS)
        return context

    return pagecache.cached_page(request, name, "portal/feed.html", build, [generations.FEED], params)


CHIP_FIELDS = ("type", "status", "district")


def _chips(read: dict, form) -> list[dict]:
    """The search page's chips: per field (stream, status, district) a link per value that keeps
    the other choices (`read`: the page's normalised filters), the chosen one marked."""
    groups = []
    for name in CHIP_FIELDS:
        chosen = read.get(name, "")
        links = []
        for value, label in form.fields[name].choices:
            params = {k: v for k, v in read.items() if k != name}
            if value:
                params[name] = str(value)
            links.append({"label": label, "url": "?" + urlencode(sorted(params.items())),
                          "active": str(value) == chosen})
        groups.append({"name": name, "label": form.fields[name].label, "links": links})
    return groups


def registry(request):
    groups = accounts_by_field()
    return render(request, "portal/registry.html",
                  {"groups": groups, "total": sum(len(a) for _, a in groups)})


def message_page(request, pk: int):
    def build(shared):
        try:
            message = selectors.message_detail(pk)
        except Message.DoesNotExist:
            raise Http404 from None
        selectors.annotate_workdays([message])
        viewer = AnonymousUser() if shared else request.user  # a shared copy is nobody's
        liked_messages, liked_answers = selectors.liked_ids(viewer, [message])
        answer = selectors.answer_of(message)
        if answer:
            answer.liked = answer.pk in liked_answers
        return {
            "message": message, "answer": answer, "liked": message.pk in liked_messages,
            "pending": message.status in selectors.PENDING_STATUSES,
            "share_url": request.build_absolute_uri(reverse("message", args=[message.pk])),
            "comment_form": CommentForm(), "is_author": portal.is_author(viewer, message),
            "page_facts": personal.facts_of(message, answer),
        }

    # The page reads no query parameter: any query string gets the same copy.
    return pagecache.cached_page(request, "message", "portal/message.html", build, [generations.message_key(pk)],
                                 params={})


# --- actions (POST, login, CSRF, rate-limited) --------------------------------------------------

def _public_message(pk):
    return get_object_or_404(selectors.any_public(), pk=pk)


@require_POST
@login_required
@rate_limited("like", "SMC_RATE_LIKE")
def like_message(request, pk: int):
    message = _public_message(pk)
    portal.toggle_like(request.user, message=message)
    return _back(request, reverse("message", args=[pk]))


@require_POST
@login_required
@rate_limited("like", "SMC_RATE_LIKE")
def like_answer(request, pk: int):
    message = _public_message(pk)
    answer = selectors.answer_of(message)
    if answer is None:
        raise Http404
    portal.toggle_like(request.user, answer=answer)
    return _back(request, reverse("message", args=[pk]))


@require_POST
@login_required
@rate_limited("comment", "SMC_RATE_COMMENT")
def add_comment(request, pk: int):
    message = _public_message(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            portal.add_comment(request.user, message, form.cleaned_data["text"])
        except PortalError as e:
            flash.error(request, str(e), extra_tags=f"code-{e.code}")
        else:
            flash.success(request, _("댓글을 등록했습니다."))
    else:
        flash.error(request, _("댓글 내용을 확인해 주세요."))
    return redirect(reverse("message", args=[pk]) + "#comments")


def _own_visible_comment(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("message"), pk=pk, is_deleted=False)
    if not selectors.any_public().filter(pk=comment.message_id).exists():
        raise Http404
    return comment


@login_required
@rate_limited("comment", "SMC_RATE_COMMENT")
def edit_comment(request, pk: int):
    comment = _own_visible_comment(request, pk)
    if comment.user_id != request.user.pk:
        raise PermissionDenied
    form = CommentForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            portal.edit_comment(request.user, comment, form.cleaned_data["text"])
        except PortalError as e:
            form.add_error("text", forms.ValidationError(str(e), code=e.code))
        else:
            flash.success(request, _("댓글을 고쳤습니다."))
            return redirect(reverse("message", args=[comment.message_id]) + f"#comment-{comment.pk}")
    return render(request, "portal/comment_edit.html", {"form": form, "comment": comment})


@require_POST
@login_required
def delete_comment(request, pk: int):
    comment = _own_visible_comment(request, pk)
    portal.delete_comment(request.user, comment)
    flash.success(request, _("댓글을 지웠습니다."))
    return redirect(reverse("message", args=[comment.message_id]) + "#comments")


@require_POST
@login_required
@rate_limited("report", "SMC_RATE_REPORT")
def report_comment(request, pk: int):
    comment = _own_visible_comment(request, pk)
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if portal.report_comment(request.user, comment, reason):
        flash.success(request, _("신고를 접수했습니다. SMC 데스크가 검토합니다."))
    else:
        flash.info(request, _("이미 신고한 댓글입니다."))
    return redirect(reverse("message", args=[comment.message_id]) + "#comments")


@require_POST
@login_required
def hide_message(request, pk: int):
    message = _public_message(pk)
    portal.hide_my_message(request.user, message)
    flash.success(request, _("글을 공개 화면에서 숨겼습니다."))
    return redirect("home")


@login_required
@rate_limited("question", "SMC_RATE_QUESTION")
def ask(request):
    """The web form: a logged-in citizen sends a question (with the consents, portal.consent); it
    enters the same pipeline as SNS messages, and the citizen lands on their question's own page."""
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        message = portal.ask_question(request.user, form.cleaned_data["text"], form.cleaned_data,
                                      client_token=form.cleaned_data["client_token"])
        flash.success(request, _("질문을 접수했습니다."))
        return redirect("my_question", pk=message.pk)
    return render(request, "portal/ask.html", {"form": form})


# --- 내 민원 ---------------------------------------------------------------------------------------

@login_required
def my_questions(request):
    items = list(selectors.my_messages(request.user)[:200])
    return render(request, "portal/me.html", {"items": items,
                                              "unread": selectors.unread_count(request.user)})


@login_required
def my_question(request, pk: int):
    try:
        message = selectors.my_message(request.user, pk)
    except Message.DoesNotExist:
        raise Http404 from None
    portal.mark_notifications_read_for(request.user, message)
    answer = getattr(message, "answer", None)
    rating = getattr(message, "rating", None)
    initial = {"score": rating.score, "remark": rating.remark} if rating else None
    return render(request, "portal/my_question.html", {
        "message": message, "answer": answer, "rating": rating,
        "rating_form": RatingForm(initial=initial), "is_public": selectors.any_public().filter(pk=pk).exists(),
    })


@require_POST
@login_required
@rate_limited("rating", "SMC_RATE_COMMENT")
def rate(request, pk: int):
    try:
        message = selectors.my_message(request.user, pk)
    except Message.DoesNotExist:
        raise Http404 from None
    form = RatingForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("만족도를 1에서 5 사이로 골라 주세요."))
    else:
        try:
            portal.rate_answer(request.user, message, form.cleaned_data["score"], form.cleaned_data["remark"])
        except PortalError as e:
            flash.error(request, str(e), extra_tags=f"code-{e.code}")
        else:
            flash.success(request, _("평가해 주셔서 고맙습니다."))
    return redirect(reverse("my_question", args=[pk]) + "#rating")


@login_required
def my_data(request):
    """Download my data: everything the portal holds about the citizen, as one JSON file."""
    from django.http import JsonResponse

    from . import datarights

    response = JsonResponse(datarights.export(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="smc-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete_account(request):
    """Leave: a page that says what goes and what stays, and a confirmed POST."""
    from django.contrib.auth import logout

    from . import datarights

    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            datarights.delete_account(request.user)
            logout(request)
            flash.success(request, _("탈퇴했습니다. 개인정보를 지웠습니다."))
            return redirect("home")
        error = _("탈퇴하려면 확인란에 표시해 주세요.")
    return render(request, "portal/delete_account.html", {"error": error})


def unsubscribe(request, token: str):
    """The e-mail's unsubscribe link: a page with one button (a GET changes nothing, so a mail
    scanner following the link does not unsubscribe anyone)."""
    from django.core import signing

    from . import notify

    try:
        user = notify.user_of_token(token)
    except (signing.BadSignature, ObjectDoesNotExist):
        raise Http404 from None
    done = False
    if request.method == "POST":
        portal.unsubscribe_email(user)
        done = True
    return render(request, "portal/unsubscribe.html", {"done": done})


def ping(request):
    """A trivial view for the benchmark (mounted only when SMC_BENCH is set)."""
    return HttpResponse("ok", content_type="text/plain")


# --- a KakaoTalk chat's status (the link in the chatbot's answers) --------------------------------

def kakao_status(request, token: str):
    """A private KakaoTalk question's status and answer, for whoever holds the signed link the chatbot
    gave its asker (the chat has no public page and the asker no portal login). Never cached, never
    indexed, and the link is not sent on as a referrer."""
    try:
        message = kakao_chats.message_of_token(token)
    except Message.DoesNotExist:
        raise Http404 from None
    timeline = message.history.filter(is_public=True).select_related("division")
    response = render(request, "portal/kakao_status.html", {
        "message": message, "answer": getattr(message, "answer", None), "timeline": list(timeline),
        "pending": message.status in selectors.PENDING_STATUSES,
    })
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response

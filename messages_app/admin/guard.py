"""One door for every staff URL about one message.

A ModelAdmin whose objects are messages mixes in MessageGuard: every URL it serves that takes an object
id (Django's change/history/delete/bare-id redirect and any custom view added to get_urls()) is wrapped so
that `permissions.message_for` runs before the view: a GET must be allowed to read the message, a POST
the action declared for that URL in `message_actions`. A refusal is audited and answers 403 before the
view runs, so a view cannot render a message it forgot to check. A new per-message URL whose action is
not declared stops the URL configuration from loading (ImproperlyConfigured) instead of going unguarded.
"""

from functools import wraps

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import URLPattern

from core.errors import ApplicationError

from ..models import Message
from ..services import permissions as perms

FORBIDDEN_TEMPLATE = "admin/messages_app/message/forbidden.html"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
OBJECT_PARAMS = ("object_id", "pk")


class MessageGuard:
    # What a POST to each per-message URL may do, by what follows the id in the route. A GET only reads.
    message_actions = {"": perms.READ, "change": perms.READ, "history": perms.READ, "delete": perms.DELETE}

    @property
    def urls(self):
        # `urls`, not get_urls(): it wraps whatever get_urls() of any subclass returns.
        return [self._guarded(pattern) for pattern in self.get_urls()]

    def _guarded(self, pattern: URLPattern) -> URLPattern:
        converters = getattr(pattern.pattern, "converters", None) or {}
        params = set(converters) or set(pattern.pattern.regex.groupindex)
        if not params:
            return pattern
        route = str(pattern.pattern)
        param = next((p for p in OBJECT_PARAMS if params == {p}), None)
        suffix = route.split(">/", 1)[1].strip("/") if ">/" in route else None
        if param is None or suffix not in self.message_actions:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: URL {route!r} takes a message but declares no action in "
                "message_actions (메시지 화면의 권한 동작을 선언하세요).")
        view = self._guard(pattern.callback, param, self.message_actions[suffix])
        return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)

    def _guard(self, view, param: str, action: str):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not self.admin_site.has_permission(request):
                return view(request, *args, **kwargs)  # the admin's own redirect to its login page
            need = perms.READ if request.method in SAFE_METHODS else action
            try:
                request.smc_message = perms.message_for(request.user, kwargs[param], need)
            except Message.DoesNotExist:
                raise Http404("메시지가 없습니다.") from None
            except perms.Forbidden as exc:
                return self.forbidden(request, say(exc))
            return view(request, *args, **kwargs)

        return guarded

    def forbidden(self, request, text):
        context = {**self.admin_site.each_context(request), "title": "권한 없음", "reason": text,
                   "opts": self.model._meta}
        return TemplateResponse(request, FORBIDDEN_TEMPLATE, context, status=403)


def say(error: ApplicationError) -> str:
    """An error in the language of the page: one language at a time, never both side by side."""
    return str(error)  # translated with the page's active language


def guarded_message(request) -> Message:
    """The message the guard let through for this request."""
    message = getattr(request, "smc_message", None)
    if message is None:
        raise ImproperlyConfigured("a per-message staff view was reached without MessageGuard")
    return message

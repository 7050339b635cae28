"""Every URL of the staff screens, read from the URL configuration (never listed by hand), so a screen
added tomorrow is tested the day it is added.

`admin_urls()` walks the resolver below `admin/` and sorts each pattern into one kind; a pattern with a
parameter the walker does not know comes back as UNKNOWN, and a test fails on it (see
test_admin_url_access.py): a new kind of URL must be taught here before it can pass unseen.
"""

from dataclasses import dataclass

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

# The kinds of admin URL.
PLAIN = "plain"  # no parameter: index, login, password change, a ModelAdmin's changelist/add/custom list view
OBJECT = "object"  # one object of a ModelAdmin: <object_id> or <pk> (change, history, delete, answer, ...)
USER_PASSWORD = "user_password"  # UserAdmin's <id>/password/
VIEW_ON_SITE = "view_on_site"  # r/<content_type_id>/<object_id>/: a redirect to the object's public page
APP_INDEX = "app_index"  # <app_label>/
CATCH_ALL = "catch_all"  # the admin's final catch-all (a 404, or a redirect adding a slash)
UNKNOWN = "unknown"

OBJECT_PARAMS = ({"object_id"}, {"pk"})


@dataclass(frozen=True)
class AdminUrl:
    route: str  # e.g. "admin/messages_app/message/<int:pk>/answer/"
    name: str | None
    params: frozenset
    kind: str
    model_admin: admin.ModelAdmin | None  # the ModelAdmin whose get_urls() made it, if any

    @property
    def suffix(self) -> str:
        """What follows the object id: "change", "history", "answer", "" (the bare-id redirect)."""
        rest = self.route.split(">/", 1)[1] if ">/" in self.route else ""
        return rest.strip("/")

    def build(self, **values) -> str:
        """The path with each parameter filled in."""
        path = "/" + self.route
        for param in self.params:
            for converter in ("path", "int", "str", "slug"):
                path = path.replace(f"<{converter}:{param}>", str(values[param]))
            path = path.replace(f"<{param}>", str(values[param]))
        return path


def _params(pattern) -> set[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None and converters:
        return set(converters)
    return set(pattern.pattern.regex.groupindex)


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _owner(route: str):
    """The ModelAdmin whose URLs start with admin/<app_label>/<model_name>/."""
    for model, model_admin in admin.site._registry.items():
        if route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model_admin
    return None


def classify(route: str, name: str | None, params: set[str], model_admin) -> str:
    if not params:
        return PLAIN
    if model_admin is not None and params in OBJECT_PARAMS:
        return OBJECT
    if model_admin is not None and params == {"id"} and name == "auth_user_password_change":
        return USER_PASSWORD
    if params == {"content_type_id", "object_id"} and name == "view_on_site":
        return VIEW_ON_SITE
    if params == {"app_label"} and name == "app_list":
        return APP_INDEX
    if params == {"url"} and name is None and model_admin is None:
        return CATCH_ALL
    return UNKNOWN


def admin_urls() -> list[AdminUrl]:
    found = []
    for route, pattern in _walk(get_resolver()):
        if not route.startswith("admin/"):
            continue
        params = _params(pattern)
        owner = _owner(route)
        found.append(AdminUrl(route, pattern.name, frozenset(params),
                              classify(route, pattern.name, params, owner), owner))
    return found

"""The staff site: Django's AdminSite, with the list of apps drawn only where a page shows it and kept
per user, and the navigation side bar kept drawn."""

import hashlib
import re

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.functional import SimpleLazyObject


class StaffAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        # Django builds this list (a permission check and two URLs per model) for every page's context,
        # though only the index and the navigation side bar draw it; the staff queue hides the side bar.
        return SimpleLazyObject(lambda: self._app_list(request, app_label))

    def _app_list(self, request, app_label):
        # What it holds follows from the user's permissions and flags alone: kept in the process under
        # the version of users.access, which any change of them replaces.
        from users import access  # a model module: not before the apps are loaded

        user = request.user
        if not user.is_authenticated:
            return super().get_app_list(request, app_label)
        return access.ACCESS.get(f"app-list:{_user_key(user)}:{app_label}",
                                 lambda: super(StaffAdminSite, self).get_app_list(request, app_label), shared=False)

    def each_context(self, request):
        context = super().each_context(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # The navigation side bar (admin/nav_sidebar.html) is drawn from the app list and marks the
            # page's app and model: kept in the process's fragment cache under this key.
            from users import access

            path = re.sub(r"/\d+/", "/0/", request.path)  # every object's pages mark the same model
            raw = f"{access.ACCESS.version()}:{_user_key(user)}:{path}"
            context["nav_sidebar_key"] = hashlib.sha256(raw.encode()).hexdigest()[:32]
        return context


def _user_key(user) -> str:
    return (f"{user.pk}:{user.is_active}:{user.is_staff}:{user.is_superuser}:{translation.get_language()}:"
            f"{get_script_prefix()}")


class StaffAdminConfig(AdminConfig):
    default_site = "smc.admin_site.StaffAdminSite"

"""The staff site: Django's AdminSite, with the list of apps drawn only where a page shows it."""

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
        item = f"app-list:{user.pk}:{user.is_active}:{user.is_staff}:{user.is_superuser}:" \
               f"{translation.get_language()}:{get_script_prefix()}:{app_label}"
        return access.ACCESS.get(item, lambda: super(StaffAdminSite, self).get_app_list(request, app_label),
                                 shared=False)


class StaffAdminConfig(AdminConfig):
    default_site = "smc.admin_site.StaffAdminSite"

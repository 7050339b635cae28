"""The staff site: Django's AdminSite, with the list of apps drawn only where a page shows it."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.functional import SimpleLazyObject


class StaffAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        # Django builds this list (a permission check and two URLs per model) for every page's context,
        # though only the index and the navigation side bar draw it; the staff queue hides the side bar.
        return SimpleLazyObject(lambda: super(StaffAdminSite, self).get_app_list(request, app_label))


class StaffAdminConfig(AdminConfig):
    default_site = "smc.admin_site.StaffAdminSite"

"""Where staff land after login: division staff on their division's queue, the SMC desk on its
triage view (분류 대기); superusers without a role on the index."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from users import roles

from ..selectors import TRIAGE_VIEW
from ..services import permissions


def staff_home(request):
    user = request.user
    if request.method == "GET" and not request.GET and user.is_active and user.is_staff:
        queue = reverse("admin:messages_app_message_changelist")
        if permissions.has_role(user, roles.SMC_DESK):
            return redirect(f"{queue}?view={TRIAGE_VIEW}")
        if not permissions.reads_all(user) and permissions.division_ids(user):
            return redirect(queue)
    return admin.site.index(request)

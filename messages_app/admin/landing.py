"""Where staff land after login: division staff go straight to their division's queue."""

from django.contrib import admin
from django.shortcuts import redirect

from ..services import permissions


def staff_home(request):
    user = request.user
    if (request.method == "GET" and not request.GET and user.is_active and user.is_staff
            and not permissions.reads_all(user) and permissions.division_ids(user)):
        return redirect("admin:messages_app_message_changelist")
    return admin.site.index(request)

"""The mayor's office lands on the dashboard after login; everyone else as before."""

from django.shortcuts import redirect

from messages_app.admin.landing import staff_home as messages_staff_home
from messages_app.services import permissions
from users import roles


def staff_home(request):
    user = request.user
    if (request.method == "GET" and not request.GET and user.is_active and user.is_staff
            and not user.is_superuser and permissions.has_role(user, roles.MAYORS_OFFICE)):
        return redirect("dashboard:overview")
    return messages_staff_home(request)

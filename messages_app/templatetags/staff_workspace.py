"""{% staff_notifications %}: the header's notification counter of the staff screens."""

from django import template

from .. import selectors
from ..services import notifications

register = template.Library()


@register.inclusion_tag("admin/includes/staff_notifications.html", takes_context=True)
def staff_notifications(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_active and user.is_staff
            and user.has_perm("messages_app.view_message")):
        return {"show": False}
    return {"show": True, "count": notifications.header_count(user, selectors.notification_count)}

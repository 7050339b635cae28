"""The approvers' pending count in the staff header (templates/admin/base_site.html includes it)."""

from django import template
from django.urls import reverse

from .. import selectors
from ..models import Broadcast
from ..services.permissions import can_approve

register = template.Library()


@register.inclusion_tag("broadcast/_pending_badge.html", takes_context=True)
def pending_broadcasts(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not can_approve(user):
        return {"count": 0}
    url = reverse("admin:broadcast_broadcast_changelist") + f"?state__exact={Broadcast.State.SUBMITTED}"
    return {"count": selectors.pending_approval(user).count(), "url": url}

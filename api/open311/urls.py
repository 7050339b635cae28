from django.urls import path, re_path

from . import views

F = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("open311/v2/", views.root, name="open311-root"),
    re_path(r"^open311/v2/discovery" + F, views.discovery, name="open311-discovery"),
    re_path(r"^open311/v2/services" + F, views.services, name="open311-services"),
    re_path(r"^open311/v2/services/(?P<code>[^/.]{1,40})" + F, views.service_definition, name="open311-service"),
    re_path(r"^open311/v2/requests" + F, views.requests, name="open311-requests"),
    re_path(r"^open311/v2/requests/(?P<request_id>[^/.]{1,40})" + F, views.request_detail, name="open311-request"),
    re_path(r"^open311/v2/tokens/(?P<token_id>[^/.]{1,40})" + F, views.token, name="open311-token"),
    re_path(r"^open311/(?P<rest>.*)$", views.not_found),
]

from django.middleware.http import ConditionalGetMiddleware
from django.urls import include, path, re_path
from django.utils.decorators import decorator_from_middleware
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import errors
from .views import public, staff

# ETag on every public GET, and 304 to a matching If-None-Match.
etag = decorator_from_middleware(ConditionalGetMiddleware)

urlpatterns = [
    path("api/v1/messages/", etag(public.MessageList.as_view()), name="api-messages"),
    path("api/v1/messages/<int:pk>/", etag(public.MessageDetail.as_view()), name="api-message"),
    path("api/v1/accounts/", etag(public.AccountList.as_view()), name="api-accounts"),
    path("api/v1/divisions/", etag(public.DivisionList.as_view()), name="api-divisions"),
    path("api/v1/alerts/", etag(public.AlertList.as_view()), name="api-alerts"),
    path("api/v1/alerts/<str:identifier>/", etag(public.AlertDetail.as_view()), name="api-alert"),
    path("api/v1/stats/", etag(public.Statistics.as_view()), name="api-stats"),
    path("api/v1/staff/queue/", staff.Queue.as_view(), name="api-staff-queue"),
    path("api/v1/staff/messages/<int:pk>/", staff.StaffMessageView.as_view(), name="api-staff-message"),
    path("api/v1/staff/messages/<int:pk>/answer/", staff.AnswerView.as_view(), name="api-staff-answer"),
    path("api/v1/staff/messages/<int:pk>/transfer/", staff.TransferView.as_view(), name="api-staff-transfer"),
    path("api/v1/staff/messages/<int:pk>/labels/", staff.LabelsView.as_view(), name="api-staff-labels"),
    path("api/v1/staff/messages/<int:pk>/status/", staff.StatusView.as_view(), name="api-staff-status"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^api/", errors.not_found),
    path("", include("api.open311.urls")),
]

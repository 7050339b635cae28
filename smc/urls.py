from django.contrib import admin
from django.urls import include, path

from messages_app.admin.landing import staff_home

from . import health

admin.site.site_header = "서울시 소셜미디어센터 (SMC) 관리"
admin.site.site_title = "SMC 관리"
admin.site.index_title = "업무 화면"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.admin_view(staff_home), name="staff-home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # allauth at auth/: "accounts/" would read as our SNS account registry.
    path("auth/", include("allauth.urls")),
    path("alerts/", include("broadcast.urls")),
    path("", include("messages_app.urls")),
]

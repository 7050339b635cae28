from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language

from dashboard.landing import staff_home
from messages_app import kakao as kakao_skill
from messages_app import webhooks
from messages_app.admin.login import StaffLoginForm

from . import health, metrics

admin.site.site_header = "서울시 소셜미디어센터 (SMC) 관리"
admin.site.site_title = "SMC 관리"
admin.site.index_title = "업무 화면"
admin.site.login_form = StaffLoginForm  # locks after repeated failures, like the citizen login

# PostgreSQL or Redis gone mid-request: a 503 page with Retry-After instead of a 500 (smc/errors.py).
handler500 = "smc.errors.server_error"

MOVED_ADMIN = {"comment": "portal", "classifiermodel": "classification"}


def _moved_admin(request, model, rest):
    return RedirectView.as_view(url=f"/admin/{MOVED_ADMIN[model]}/{model}/{rest}", query_string=True)(request)


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.admin_view(staff_home), name="staff-home"),
    # Staff bookmarks of the screens whose models moved out of messages_app (issue 9).
    re_path(r"^admin/messages_app/(?P<model>comment|classifiermodel)/(?P<rest>.*)$", _moved_admin),
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    # The language switcher posts without a CSRF token: the worst a forged post can do is switch the
    # language, and it lets the anonymous pages be one identical copy for every visitor (no token in them).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # allauth at auth/: "accounts/" would read as our SNS account registry.
    path("auth/", include("allauth.urls")),
    path("webhooks/facebook/", webhooks.facebook, name="webhook_facebook"),
    # The KakaoTalk channel's chatbot skill (Open Builder), one per channel account.
    path("kakao/skill/<int:account_id>/", kakao_skill.skill, name="kakao_skill"),
    path("", include("api.urls")),
    path("", include("snsmap.urls")),
    path("alerts/", include("broadcast.urls")),
    path("", include("portal.urls")),
]

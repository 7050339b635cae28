from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.page, {"name": "overview"}, name="overview"),
    path("report/", views.monthly_report, name="report"),
    path("messages/", views.messages, name="messages"),
    path("reports/", views.report_preferences, name="report_preferences"),
    path("reports/unsubscribe/<str:token>/", views.report_unsubscribe, name="report_unsubscribe"),
    path("<slug:name>/", views.page, name="page"),
    path("<slug:name>/export/<slug:key>.<slug:fmt>", views.export, name="export"),
]

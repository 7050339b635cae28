from django.urls import path

from . import views

urlpatterns = [
    path("", views.alert_list, name="alert_list"),
    path("feed.atom", views.alert_feed, name="alert_feed"),
    path("<str:identifier>/", views.alert_detail, name="alert_detail"),
    path("<str:identifier>/cap.xml", views.alert_cap, name="alert_cap"),
]

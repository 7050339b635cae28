from django.urls import path

from . import views, webhooks

urlpatterns = [
    path("", views.home, name="home"),
    path("webhooks/facebook/", webhooks.facebook, name="webhook_facebook"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("map/", views.sns_map, name="snsmap"),
    path("map/district/<str:code>/", views.district, name="snsmap_district"),
]

from django.conf import settings
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("support/", views.support, name="support"),
    path("search/", views.search, name="search"),
    path("accounts/", views.registry, name="registry"),
    path("m/<int:pk>/", views.message_page, name="message"),
    path("m/<int:pk>/like/", views.like_message, name="like_message"),
    path("m/<int:pk>/answer-like/", views.like_answer, name="like_answer"),
    path("m/<int:pk>/comments/", views.add_comment, name="add_comment"),
    path("m/<int:pk>/hide/", views.hide_message, name="hide_message"),
    path("comments/<int:pk>/edit/", views.edit_comment, name="edit_comment"),
    path("comments/<int:pk>/delete/", views.delete_comment, name="delete_comment"),
    path("comments/<int:pk>/report/", views.report_comment, name="report_comment"),
    path("ask/", views.ask, name="ask"),
    path("me/", views.my_questions, name="my_questions"),
    path("me/q/<int:pk>/", views.my_question, name="my_question"),
    path("me/q/<int:pk>/rate/", views.rate, name="rate"),
    path("me/data.json", views.my_data, name="my_data"),
    path("me/delete/", views.delete_account, name="delete_account"),
    path("me/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # A KakaoTalk chat's status: the signed link the channel's chatbot gives its asker.
    path("kakao/q/<str:token>/", views.kakao_status, name="kakao_status"),
]

if settings.SMC_BENCH:
    urlpatterns.append(path("bench/ping", views.ping, name="bench_ping"))

from django.urls import path

from interplay.portal import group_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.request_link, name="request_link"),
    path("sign-in/<str:token>/", views.link, name="link"),
    path("code/", views.code, name="code"),
    path("authenticator/", views.authenticator, name="authenticator"),
    path("authenticator/remove/", views.remove_authenticator, name="remove_authenticator"),
    path(
        "sessions/<uuid:public_id>/questionnaires/<slug:code>/",
        views.questionnaire,
        name="questionnaire",
    ),
    path("sessions/<uuid:public_id>/answered/", views.answered, name="answered"),
    path("problems/<uuid:public_id>/rate/", views.rate_problem, name="rate_problem"),
    path("tasks/<uuid:public_id>/note/", views.note_task, name="note_task"),
    path("letters/<uuid:public_id>/pdf", views.letter_pdf, name="letter_pdf"),
    path("closeness-circle/", views.closeness_circle, name="circle"),
    path("group/", group_views.group, name="group"),
    path("group/<uuid:public_id>/answer/", group_views.answer, name="group_answer"),
    path("sign-out/", views.sign_out, name="sign_out"),
]

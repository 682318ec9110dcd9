from django.urls import path

from interplay.today import views

app_name = "today"

urlpatterns = [
    path("", views.screens, name="screens"),
    path("therapist/", views.therapist, name="therapist"),
    path("triage/", views.triage, name="triage"),
]

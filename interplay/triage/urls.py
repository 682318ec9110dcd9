from django.urls import path

from interplay.triage import views

app_name = "triage"

urlpatterns = [
    path("", views.queue, name="queue"),
]

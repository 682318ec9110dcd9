from django.urls import path

from interplay.today import admin_views, views

app_name = "today"

urlpatterns = [
    path("", views.screens, name="screens"),
    path("therapist/", views.therapist, name="therapist"),
    path("triage/", views.triage, name="triage"),
    path("administrator/", admin_views.day, name="administrator"),
    path("administrator/jobs/<uuid:job_id>/retry/", admin_views.retry_job, name="retry_job"),
    path("administrator/lockouts/<int:pk>/unlock/", admin_views.unlock, name="unlock"),
]

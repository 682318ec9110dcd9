from django.urls import path

from interplay.triage import views

app_name = "waiting_list"

urlpatterns = [
    path("", views.waiting_lists, name="index"),
    path("<slug:modality>/", views.waiting_list, name="modality"),
]

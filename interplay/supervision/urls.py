from django.urls import path

from interplay.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("courses/<uuid:public_id>/note/", views.note, name="note"),
]

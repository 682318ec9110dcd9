from django.urls import path

from interplay.courses import views

app_name = "courses"

urlpatterns = [
    path("start/<uuid:public_id>/", views.start, name="start"),
    path("start/<uuid:public_id>/confirm/", views.confirm, name="confirm"),
    path("<uuid:public_id>/", views.detail, name="detail"),
]

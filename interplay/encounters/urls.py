from django.urls import path

from interplay.encounters import views

app_name = "encounters"

urlpatterns = [
    path("<uuid:public_id>/", views.record_page, name="record"),
    path("<uuid:public_id>/save/", views.save, name="save"),
    path("<uuid:public_id>/sign/", views.sign, name="sign"),
    path("<uuid:public_id>/addenda/", views.addendum, name="addendum"),
]

from django.urls import path

from interplay.groups import views

app_name = "groups"

urlpatterns = [
    path("", views.index, name="index"),
    path("form/", views.form, name="form"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/invite/", views.invite, name="invite"),
    path("<uuid:public_id>/start/", views.start, name="start"),
    path("<uuid:public_id>/end/", views.end, name="end"),
    path("sessions/<uuid:public_id>/", views.session, name="session"),
    path("sessions/<uuid:public_id>/attendance/", views.attendance_view, name="attendance"),
    path("sessions/<uuid:public_id>/record/", views.save_record, name="record"),
    path("sessions/<uuid:public_id>/sign/", views.sign, name="sign"),
    path("members/<uuid:public_id>/leave/", views.leave, name="leave"),
]

from django.urls import path

from interplay.courses import views

app_name = "courses"

urlpatterns = [
    path("start/<uuid:public_id>/", views.start, name="start"),
    path("start/<uuid:public_id>/confirm/", views.confirm, name="confirm"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/end/", views.end, name="end"),
    path("<uuid:public_id>/shift/", views.shift, name="shift"),
    path("sessions/<uuid:public_id>/", views.session, name="session"),
    path("sessions/<uuid:public_id>/attendance/", views.attendance_view, name="attendance"),
    path("sessions/<uuid:public_id>/reschedule/", views.reschedule_view, name="reschedule"),
    path("tasks/<uuid:public_id>/done/", views.task_done, name="task_done"),
]

from django.urls import path

from interplay.accounts import hours_views as views

app_name = "hours"

# Mounted at the site's root: an administrator's pages sit under /settings/, a therapist's
# own under /account/.
urlpatterns = [
    path("settings/staff/", views.staff, name="staff"),
    path("settings/staff/<uuid:public_id>/hours/", views.week, name="week"),
    path("settings/staff/<uuid:public_id>/leave/", views.leave, name="leave"),
    path(
        "settings/staff/<uuid:public_id>/leave/<int:pk>/cancel/",
        views.cancel_leave,
        name="cancel_leave",
    ),
    path("account/hours/", views.my_week, name="my_week"),
    path("account/leave/", views.my_leave, name="my_leave"),
    path("account/leave/<int:pk>/cancel/", views.my_cancel_leave, name="my_cancel_leave"),
]

from django.urls import path

from interplay.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("alerts/", views.inbox, name="alerts"),
    path("alerts/<uuid:public_id>/", views.alert, name="alert"),
    path("sessions/<uuid:public_id>/answers/<slug:code>/", views.enter, name="enter"),
]

from django.urls import path

from interplay.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.events, name="events"),
    path(
        "referrals/<uuid:public_id>/access/",
        views.access,
        {"subject": views.REFERRAL},
        name="referral_access",
    ),
]

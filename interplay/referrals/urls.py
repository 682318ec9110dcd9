from django.urls import path

from interplay.referrals import views

app_name = "referrals"

urlpatterns = [
    path("refer/", views.start, name="start"),
    path("refer/urgent-help/", views.urgent_help, name="urgent_help"),
    path("refer/eligibility/", views.eligibility, name="eligibility"),
    path("refer/not-eligible/<slug:reason>/", views.not_eligible, name="not_eligible"),
    path("refer/details/", views.details, name="details"),
    path("refer/confirmation/<str:token>/", views.confirmation, name="confirmation"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="detail"),
]

from django.urls import path

from interplay.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.find, name="find"),
    path("referrals/<uuid:public_id>/erase/", views.erase, name="erase"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/consents/", views.consent, name="consent"),
    path("<uuid:public_id>/export.json", views.export_json, name="export_json"),
    path("<uuid:public_id>/export.pdf", views.export_pdf, name="export_pdf"),
]

"""Interplay's URLs: each app under its own prefix, each with its own app_name."""

from django.contrib import admin
from django.urls import include, path

from interplay.pages import views as pages

admin.site.site_header = "Interplay administration"
admin.site.site_title = "Interplay"

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("accounts/", include("interplay.accounts.urls")),
    path("triage/", include("interplay.triage.urls")),
    path("", include("interplay.referrals.urls")),
    path("admin/", admin.site.urls),
]

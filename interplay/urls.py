"""Interplay's URLs: each app under its own prefix, each with its own app_name."""

from django.contrib import admin
from django.urls import include, path

from interplay.accounts.admin_site import InterplayAdminSite
from interplay.courses import calendar_views as calendar
from interplay.courses import views as courses
from interplay.pages import views as pages

admin.site.__class__ = InterplayAdminSite

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("accounts/", include("interplay.accounts.urls")),
    path("triage/", include("interplay.triage.urls")),
    path("waiting-list/", include("interplay.triage.waiting_urls")),
    path("courses/", include("interplay.courses.urls")),
    path("encounters/", include("interplay.encounters.urls")),
    path("monitoring/", include("interplay.monitoring.urls")),
    path("portal/", include("interplay.portal.urls")),
    path("formulation/", include("interplay.formulation.urls")),
    path("progress/", include("interplay.progress.urls")),
    path("supervision/", include("interplay.supervision.urls")),
    path("groups/", include("interplay.groups.urls")),
    path("caseload/", courses.caseload, name="caseload"),
    path("calendar/", calendar.week, name="calendar"),
    path("calendar/feed/", calendar.issue_feed, name="calendar_issue"),
    path("calendar/feed/stop/", calendar.revoke_feed, name="calendar_revoke"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),
    path("audit/", include("interplay.audit.urls")),
    path("letters/", include("interplay.letters.urls")),
    path("measures/", include("interplay.measures.urls")),
    path("patients/", include("interplay.patients.urls")),
    path("settings/", include("interplay.clinic.urls")),
    path("reports/", include("interplay.reports.urls")),
    path("today/", include("interplay.today.urls")),
    path("account/tokens/", include("interplay.api.account_urls")),
    path("api/", include("interplay.api.urls")),
    path("fhir/R4/", include("interplay.api.fhir.urls")),
    path("", include("interplay.accounts.hours_urls")),
    path("", include("interplay.referrals.urls")),
    path("admin/", admin.site.urls),
]

# Not found: the page, or problem details under /api/ and an OperationOutcome under /fhir/.
handler404 = "interplay.api.errors.not_found"

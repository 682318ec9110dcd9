from django.urls import path

from interplay.measures import views

app_name = "measures"

urlpatterns = [
    path("instruments/", views.instruments, name="instruments"),
    path("instruments/import/", views.import_view, name="import"),
    path("instruments/<slug:code>/<str:version>/active/", views.set_active, name="active"),
    path(
        "instruments/<slug:code>/<str:version>/questionnaire.json",
        views.export,
        name="export",
    ),
]

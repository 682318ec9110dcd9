"""FHIR R4 at /fhir/R4/: Interplay's records as FHIR resources, built and validated with
``fhir.resources``; one module per resource type (``kinds.KINDS``)."""

from django.urls import path, re_path

from interplay.api.fhir import views

app_name = "fhir"

TYPE = r"(?P<kind>[A-Z][A-Za-z]+)"
ID = r"(?P<resource_id>[A-Za-z0-9\-\.]{1,64})"

urlpatterns = [
    path("", views.root, name="root"),
    path("metadata", views.metadata, name="metadata"),
    re_path(rf"^Patient/{ID}/\$everything$", views.everything, name="everything"),
    re_path(rf"^{TYPE}$", views.search_type, name="search"),
    re_path(rf"^{TYPE}/{ID}$", views.read_instance, name="read"),
]

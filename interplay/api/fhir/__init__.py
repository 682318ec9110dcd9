"""FHIR R4 at /fhir/R4/: Interplay's records as FHIR resources, built and validated with
``fhir.resources``; one module per resource type."""

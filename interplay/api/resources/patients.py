"""Patients: the people referred."""

from ninja import Router

router = Router(tags=["patients"])

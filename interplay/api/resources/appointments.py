"""Appointments."""

from ninja import Router

router = Router(tags=["appointments"])

"""Triage decisions."""

from ninja import Router

router = Router(tags=["triage"])

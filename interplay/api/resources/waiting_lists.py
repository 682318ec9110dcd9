"""Waiting lists per modality."""

from ninja import Router

router = Router(tags=["waiting lists"])

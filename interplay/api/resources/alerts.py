"""Risk alerts: list, acknowledge."""

from ninja import Router

router = Router(tags=["alerts"])

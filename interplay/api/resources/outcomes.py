"""The outcome of a course."""

from ninja import Router

router = Router(tags=["outcomes"])

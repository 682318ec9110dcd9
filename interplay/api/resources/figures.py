"""The service figures."""

from ninja import Router

router = Router(tags=["figures"])

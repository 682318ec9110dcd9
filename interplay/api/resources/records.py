"""Session records; notes only for a token that carries them, never for managers."""

from ninja import Router

router = Router(tags=["records"])

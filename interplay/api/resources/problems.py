"""Problems and goals with their ratings."""

from ninja import Router

router = Router(tags=["problems"])

"""Questionnaire responses: submit and list."""

from ninja import Router

router = Router(tags=["responses"])

"""Referrals: create (idempotent), read, list by status."""

from ninja import Router

router = Router(tags=["referrals"])

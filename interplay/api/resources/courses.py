"""Courses with their sessions (session N of M, phase)."""

from ninja import Router

router = Router(tags=["courses"])

"""API of the care app."""

from ninja import Router

router = Router(tags=["care"])

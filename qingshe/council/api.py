"""API of the council app."""

from ninja import Router

router = Router(tags=["council"])

"""Exportable lists of the credit pages registered after issue 9's first round (see specs.py for
the rules: the columns the page shows, the rows its own selector gives)."""

from __future__ import annotations

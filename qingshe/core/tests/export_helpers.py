"""Reading an exported list in a test: the rows of the .xlsx a list page answered."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook


def sheet(response: Any) -> list[list[Any]]:
    """Header and rows of the answered workbook (fails unless the answer is an .xlsx file)."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment;" in response["Content-Disposition"]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]

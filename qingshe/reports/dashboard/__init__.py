"""Dashboards (统计看板, issue 9 item 1–2): figures per organisation over a period of whole months.

The figures are read from rollups (models.py) that `refresh.refresh_rollups` rebuilds from the
records, month by month, for the months touched since its watermark; `naive.py` computes the
same figures straight from the raw rows, for the test that compares them and for the bench.
"""

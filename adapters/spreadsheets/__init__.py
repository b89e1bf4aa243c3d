"""Spreadsheets in and out: reading what Excel and LibreOffice write (.xlsx, .ods, .xls, CSV)
and writing .xlsx and CSV that they open with real dates and no formulas (ADR 0050)."""

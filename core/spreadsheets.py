"""CSV files the server writes, safe to open in a spreadsheet (CSV or formula injection).

Following OWASP, a text cell that starts with ``= + - @``, a tab or a carriage return is
written with a leading single quote, so a spreadsheet shows it as text instead of running
it (``=cmd|' /C calc'!A0``, ``=HYPERLINK(...)``, ``@SUM(1+1)``). Numbers are not formulas:
a cell written from an ``int`` or ``float`` (an amount of ``-1200``, a count) and a text cell
that is only a number (``-1200``, ``+821012345678``, ``-3.5``) are written as they are, so
negative amounts stay numbers a spreadsheet can add up. Every CSV export goes through
``SafeCsvWriter``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def formula_like(text: str) -> bool:
    """Would a spreadsheet take this text for a formula?"""
    return text.startswith(FORMULA_STARTS) and PLAIN_NUMBER.fullmatch(text) is None


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as written."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """A ``csv.writer`` that neutralises formula-like text cells and counts them."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)
        self.neutralised = 0

    def writerow(self, row: Iterable[Any]) -> None:
        cells = []
        for value in row:
            cell = safe_cell(value)
            self.neutralised += cell is not value
            cells.append(cell)
        self._writer.writerow(cells)

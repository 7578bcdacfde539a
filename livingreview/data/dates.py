"""Dates as the evidence tables hold them: full ISO dates or partial ones (YYYY, YYYY-MM)."""

from __future__ import annotations

import calendar
import re
from datetime import date

PARTIAL = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_partial(text: str) -> tuple[int, ...] | None:
    """``(year,)``, ``(year, month)`` or ``(year, month, day)`` for a real date, else None."""
    text = str(text).strip()
    if not PARTIAL.match(text):
        return None
    parts = tuple(int(p) for p in text.split("-"))
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return None
    return parts


def parse_iso(text: str) -> date | None:
    """A full YYYY-MM-DD calendar date, or None."""
    parts = parse_partial(text) if ISO.match(str(text).strip()) else None
    return date(*parts) if parts else None


def is_iso(text: str) -> bool:
    return parse_iso(text) is not None


def in_order(values: list[str]) -> bool | None:
    """Whether partial dates ascend, compared on their common precision (None: a bad date)."""
    keys = [parse_partial(v) for v in values if str(v).strip()]
    if None in keys:
        return None
    pairs = zip(keys, keys[1:], strict=False)
    return all(a[: min(len(a), len(b))] <= b[: min(len(a), len(b))] for a, b in pairs)


def to_date(text: str | None, end_of_period: bool = False) -> date | None:
    """A partial date as a day: '2021-12' -> 2021-12-01, or 2021-12-31 with ``end_of_period``.

    Blank or missing -> None; a malformed date raises ValueError (validation catches it first).
    """
    if not isinstance(text, str):  # None, or pandas' missing markers (NaN, NA) from a table
        if text is None or str(text) in ("nan", "<NA>", "NaT"):
            return None
        text = str(text)
    if not text.strip():
        return None
    parts = parse_partial(str(text))
    if parts is None:
        raise ValueError(f"not a date: {text!r}")
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if end_of_period else 1)
    if len(parts) > 2:
        return date(year, month, parts[2])
    return date(year, month, calendar.monthrange(year, month)[1] if end_of_period else 1)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; a day past the end of the month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

"""Numbers as people read them: currency, percentages, KPI units, signs, intervals,
p-values. Every figure of the report goes through one of these."""

from __future__ import annotations

import math
from typing import Any

MISSING = "–"
MINUS = "−"  # a real minus sign: "−4.1", not "-4.1"
NBSP = "\u00a0"
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CHF": "CHF" + NBSP}


def missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


def _signed(text: str, value: float, sign: bool) -> str:
    if value < 0:
        return MINUS + text.lstrip("-")
    return ("+" if sign and value > 0 else "") + text


def number(value: Any, digits: int = 1, sign: bool = False) -> str:
    if missing(value):
        return MISSING
    value = float(value)
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return "0" if digits == 0 else f"{0:.{digits}f}"
    return _signed(text, value, sign)


def integer(value: Any) -> str:
    return MISSING if missing(value) else f"{int(value):,}"


def money(value: Any, currency: str | None, sign: bool = False) -> str:
    if missing(value):
        return MISSING
    code = (currency or "").upper()
    text = f"{abs(float(value)):,.0f}"
    text = f"{SYMBOLS[code]}{text}" if code in SYMBOLS else f"{text}{NBSP}{code}".rstrip()
    return _signed(text, float(value), sign)


def percent(value: Any, digits: int = 0, sign: bool = False) -> str:
    """A value already in % (roi_pct, progress_pct)."""
    if missing(value):
        return MISSING
    return number(value, digits, sign) + NBSP + "%"


def share(value: Any, digits: int = 0, sign: bool = False) -> str:
    """A share 0-1 (completion rate, pass rate) as %."""
    return MISSING if missing(value) else percent(100 * float(value), digits, sign)


def _digits(unit: str | None) -> int:
    return {"minutes": 1, "days": 1, "hours": 1, "score 1-5": 2}.get(unit or "", 2)


def kpi_value(value: Any, unit: str | None) -> str:
    """A level of a KPI in its unit: 24.1 hours, 31 %, 4.2 of 5."""
    if missing(value):
        return MISSING
    if unit == "share":
        return share(value, 1)
    if unit == "score 1-5":
        return f"{number(value, 2)} of 5"
    return f"{number(value, _digits(unit))}{NBSP}{unit or ''}".rstrip()


def kpi_change(value: Any, unit: str | None) -> str:
    """A change of a KPI, signed: −4.1 hours, +15.8 percentage points, +0.30 points (1–5)."""
    if missing(value):
        return MISSING
    if unit == "share":
        return f"{number(100 * float(value), 1, sign=True)}{NBSP}percentage points"
    if unit == "score 1-5":
        return f"{number(value, 2, sign=True)}{NBSP}points (1–5 scale)"
    return f"{number(value, _digits(unit), sign=True)}{NBSP}{unit or ''}".rstrip()


def kpi_number(value: Any, unit: str | None, sign: bool = False) -> str:
    """The bare number of a KPI value or change in its display scale (shares in %)."""
    if missing(value):
        return MISSING
    if unit == "share":
        return number(100 * float(value), 1, sign)
    return number(value, _digits(unit), sign)


def unit_word(unit: str | None) -> str:
    return {"share": "percentage points", "score 1-5": "points (1–5 scale)"}.get(unit or "", unit or "")


def interval(low: Any, high: Any, unit: str | None) -> str:
    if missing(low) or missing(high):
        return MISSING
    return f"{kpi_number(low, unit, sign=True)} to {kpi_number(high, unit, sign=True)}"


def p_value(value: Any) -> str:
    if missing(value):
        return MISSING
    value = float(value)
    if value < 0.001:
        return "p < 0.001"
    return f"p = {value:.3f}" if value < 0.1 else f"p = {value:.2f}"


def fewer_than(min_group_size: int, what: str = "people") -> str:
    return f"fewer than {min_group_size} {what}"

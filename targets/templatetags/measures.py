"""How a measure reads on a page: rates as percentages, counts with thousands separators, yuan with cents.

The JSON API keeps rates as fractions (its contract); only the HTML shows them the way people read them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def measure(value: float | Decimal | int | None, kind: str) -> str:
    if value is None or value == "":
        return "—"
    # Decimal with half-up rounding, as a reader computing by hand would: 0.8765 reads 87.7%, not 87.6%.
    number = Decimal(str(value))
    if kind == "rate":
        return f"{(number * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if kind == "average":
        return f"{number.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    return f"{number.quantize(Decimal('1'), ROUND_HALF_UP):,}"

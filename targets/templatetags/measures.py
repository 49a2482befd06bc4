"""How a measure reads on a page: rates as percentages, counts with thousands separators, yuan with cents,
and a target's assessment as its completion or the reason there is none (基数未设置, 无数据).

The JSON API keeps rates as fractions (its contract); only the HTML shows them the way people read them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from targets.assessment import Status

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


@register.filter
def percent(value: float | Decimal | None) -> str:
    """A fraction as a percentage to one place (0.3611 → 36.1%); — when there is none."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _status(figures: dict) -> str | None:
    return figures.get("status") if isinstance(figures, dict) else None


@register.filter
def completion(figures: dict) -> str:
    """The judged completion, or why it cannot be judged. Reads both the current figures and reports
    frozen before statuses existed (those have a completion or none)."""
    status = _status(figures)
    if status in (Status.NO_BASELINE, Status.NO_DATA):
        return str(Status(status).label)
    value = figures.get("completion") if isinstance(figures, dict) else None
    return percent(value)


@register.filter
def tone(figures: dict) -> str:
    """The tone class of a target's figures: tone-good / tone-warn / tone-bad / tone-none ('' without one)."""
    value = figures.get("tone") if isinstance(figures, dict) else None
    if value:
        return f"tone-{value}"
    if isinstance(figures, dict) and figures.get("behind") is not None:  # a report frozen before tones
        return "tone-bad" if figures["behind"] else "tone-good"
    return ""


@register.filter
def status_badge(figures: dict) -> str:
    """The status as a coloured badge; nothing where the target has none."""
    status = _status(figures)
    if not status:
        if isinstance(figures, dict) and figures.get("behind") is not None:
            label, value = (_("滞后"), "bad") if figures["behind"] else (_("正常"), "good")
            return format_html('<span class="badge badge-tone tone-{}">{}</span>', value, label)
        return ""
    return format_html(
        '<span class="badge badge-tone tone-{}" data-status="{}">{}</span>',
        figures.get("tone") or "none",
        status,
        Status(status).label,
    )

"""An entry's status as a badge in the status's own colour, the same on every page that shows one."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from enrolment.models import EntryStatus

register = template.Library()

# One Bootstrap colour per status: the queue, the entry page and the funnel use these and no others.
STATUS_COLOURS = {
    EntryStatus.PENDING: "secondary",
    EntryStatus.ENROLLED: "success",
    EntryStatus.NOT_DUE: "info",
    EntryStatus.REFUSED: "danger",
    EntryStatus.UNREACHABLE: "warning",
}


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.simple_tag
def entry_status_badge(status: str, label: str = "") -> SafeString:
    """``{% entry_status_badge entry.status %}``: the label of the status on its colour."""
    if not label:
        label = str(EntryStatus(status).label) if status in EntryStatus.values else status
    return format_html(
        '<span class="badge text-bg-{}" data-status="{}">{}</span>', status_colour(status), status, label
    )

"""Reads for reports: statuses per unit and period, a unit's periods, a town's figures, start-page panels.

Every function runs a constant number of queries whatever the number of units.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Department, Role, Town, User
from reporting.models import Notice, Report, ReportUrge, SupervisionVisit
from reporting.schedule import SHANGHAI, Period, all_periods, current_period

# The API statuses (public contract) and their Chinese labels.
STATUS_LABELS: dict[str, str] = {
    "not_started": _("未开始"),
    "draft": _("草稿"),
    "missing": _("未报"),
    "submitted": _("已报"),
    "late": _("迟报"),
    "returned": _("退回"),
    "accepted": _("已审核"),
}
STATUS_STYLES = {
    "not_started": "secondary",
    "draft": "info",
    "missing": "danger",
    "submitted": "success",
    "late": "warning",
    "returned": "danger",
    "accepted": "primary",
}

Unit = Town | Department


def unit_kind(unit: Unit) -> str:
    return "town" if isinstance(unit, Town) else "department"


def unit_filter(unit: Unit) -> dict[str, Unit]:
    return {unit_kind(unit): unit}


def report_status(report: Report | None, period: Period, *, now: datetime.datetime) -> str:
    """The derived status: the stored one, refined by the deadline (missing, late)."""
    if report is None or report.status == Report.Status.DRAFT:
        if period.is_late(now):
            return "missing"
        return "draft" if report is not None else "not_started"
    if report.status == Report.Status.SUBMITTED:
        return "late" if period.is_late(report.first_submitted_at) else "submitted"
    return report.status  # returned, accepted


@dataclass(frozen=True)
class UnitStatus:
    period: Period
    unit: Unit
    report: Report | None
    status: str

    @property
    def kind(self) -> str:
        return unit_kind(self.unit)

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def style(self) -> str:
        return STATUS_STYLES[self.status]

    @property
    def first_submitted_at(self) -> datetime.datetime | None:
        return self.report.first_submitted_at if self.report else None

    @property
    def shown_status(self) -> str:
        """What the overview shows: a draft is 草稿 even past the deadline (the API and bulletins say 未报)."""
        if self.status == "missing" and self.report is not None:
            return "draft"
        return self.status

    @property
    def shown_label(self) -> str:
        return str(STATUS_LABELS[self.shown_status])

    @property
    def shown_style(self) -> str:
        return STATUS_STYLES[self.shown_status]

    @property
    def late(self) -> bool | None:
        return self.period.is_late(self.first_submitted_at)

    def as_json(self) -> dict[str, object]:
        submitted = self.first_submitted_at
        return {
            "unit": self.unit.name,
            "kind": self.kind,
            "status": self.status,
            "submitted_at": submitted.astimezone(SHANGHAI).isoformat(timespec="seconds") if submitted else None,
            "late": self.late,
        }


@dataclass(frozen=True)
class OverviewRow:
    """One unit on the overview: this period, the period before it, and today's 催报 if any."""

    current: UnitStatus
    previous: UnitStatus | None
    urged_at: datetime.datetime | None

    @property
    def urgeable(self) -> bool:
        return self.current.first_submitted_at is None


def previous_period(period: Period) -> Period | None:
    periods = all_periods(period.campaign)
    index = next((i for i, p in enumerate(periods) if p.kind == period.kind and p.start == period.start), None)
    return periods[index - 1] if index else None


def overview_rows(*, period: Period, now: datetime.datetime, user: User) -> list[OverviewRow]:
    """The overview's rows in a constant number of queries: units once, two periods' reports, today's urges."""
    units = reporting_units(period.campaign, user=user)
    current = period_statuses(period=period, now=now, user=user, units=units)
    before = previous_period(period)
    previous = period_statuses(period=before, now=now, user=user, units=units) if before else [None] * len(units)
    today = now.astimezone(SHANGHAI).date()
    urges = ReportUrge.objects.filter(
        campaign=period.campaign, report_kind=period.kind, period=period.start, day=today
    ).values_list("town_id", "department_id", "created_at")
    urged = {("town", t) if t else ("department", d): at for t, d, at in urges}
    return [
        OverviewRow(current=row, previous=prev, urged_at=urged.get((row.kind, row.unit.pk)))
        for row, prev in zip(current, previous, strict=True)
    ]


def reporting_units(campaign: Campaign, *, user: User | None = None) -> list[Unit]:
    """Every town, then every department, of the campaign's county; only the user's own unit for unit staff."""
    towns = Town.objects.filter(county=campaign.county_id)
    departments = Department.objects.filter(county=campaign.county_id)
    if user is not None and not user.sees_all_towns:
        towns = towns.filter(pk=user.town_id) if user.town_id else towns.none()
        departments = departments.filter(pk=user.department_id) if user.department_id else departments.none()
    return [*towns, *departments]


def period_statuses(
    *, period: Period, now: datetime.datetime, user: User | None = None, units: list[Unit] | None = None
) -> list[UnitStatus]:
    """Each unit's status for one period (three queries; one with ``units`` already read by
    `reporting_units`). With ``user``, only what that user may see."""
    units = reporting_units(period.campaign, user=user) if units is None else units
    reports = Report.objects.for_period(period)
    if user is not None:
        reports = reports.for_user(user)
    by_unit = {(("town", r.town_id) if r.town_id else ("department", r.department_id)): r for r in reports}
    result = []
    for unit in units:
        report = by_unit.get((unit_kind(unit), unit.pk))
        if report is not None:
            report.campaign = period.campaign  # spare a query per row when the template asks for the period
        result.append(UnitStatus(period, unit, report, report_status(report, period, now=now)))
    return result


@dataclass(frozen=True)
class PeriodRow:
    period: Period
    report: Report | None
    status: str
    today: datetime.date

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def style(self) -> str:
        return STATUS_STYLES[self.status]

    @property
    def days_left(self) -> int:
        """Days to the due day (0 on the day itself); negative once overdue."""
        return (self.period.due_date - self.today).days

    @property
    def days_overdue(self) -> int:
        """Days past the due day (once overdue), counted no further than the campaign's end: years later the
        page says how late the report was when the campaign closed, not how long ago that was."""
        if self.days_left >= 0:
            return 0
        last = min(self.today, self.period.campaign.target_date)
        return max(1, (last - self.period.due_date).days)


def unit_periods(*, campaign: Campaign, unit: Unit, now: datetime.datetime) -> list[PeriodRow]:
    """All of a unit's periods, monthly then the summary, with the status of each (one query)."""
    reports = {
        (r.kind, r.period): r
        for r in Report.objects.filter(campaign=campaign, **unit_filter(unit)).only(
            "id", "kind", "period", "status", "first_submitted_at", "submitted_at", "town_id", "department_id"
        )
    }
    today = now.astimezone(SHANGHAI).date()
    rows = []
    for period in all_periods(campaign):
        report = reports.get((period.kind, period.start))
        rows.append(PeriodRow(period, report, report_status(report, period, now=now), today))
    return rows


def town_figures(*, period: Period, town: Town) -> dict[str, object]:
    """The town's rows of the progress engine as of the period's figures day, as the API serialises them.

    Round-tripped through JSON so the frozen copy equals ``/api/progress/?as_of=...`` byte for byte.
    """
    from targets.selectors import campaign_progress

    payload = campaign_progress(campaign=period.campaign, as_of=period.figures_as_of)
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    indicators = []
    for indicator in payload.get("indicators", []):
        for row in indicator.get("towns", []):
            if row.get("town") == town.name:
                indicators.append(
                    {
                        "code": indicator.get("code"),
                        "name": indicator.get("name"),
                        "unit": indicator.get("unit"),
                        "kind": indicator.get("kind"),
                        "figures": row,
                    }
                )
    return {"as_of": payload.get("as_of"), "time_progress": payload.get("time_progress"), "indicators": indicators}


def report_display_figures(*, report: Report | None, period: Period, unit: Unit) -> tuple[dict | None, bool]:
    """What a report page shows: the frozen figures once submitted, else a live preview; (figures, frozen)."""
    if not isinstance(unit, Town):
        return None, False
    if report is not None and report.figures is not None and report.status != Report.Status.DRAFT:
        return report.figures, True
    return town_figures(period=period, town=unit), False


def unit_notices(*, user: User, campaign: Campaign, limit: int = 5) -> list[Notice]:
    return list(Notice.objects.for_unit_user(user).filter(campaign=campaign, dismissed_at__isnull=True)[:limit])


def reporting_panel(*, user: User, campaign: Campaign | None, now: datetime.datetime) -> dict[str, object]:
    """The start-page panel: open notices, and the current period (the unit's status, or the office's counts)."""
    if campaign is None:
        return {}
    period = current_period(campaign, now=now)
    panel: dict[str, object] = {"notices": unit_notices(user=user, campaign=campaign), "period": period}
    if period is None:
        return {"reporting_panel": panel}
    if user.sees_all_towns:
        counts: dict[str, int] = {}
        for status in period_statuses(period=period, now=now):
            counts[status.status] = counts.get(status.status, 0) + 1
        panel["counts"] = [(str(STATUS_LABELS[k]), STATUS_STYLES[k], counts[k]) for k in STATUS_LABELS if k in counts]
    elif user.unit is not None:
        statuses = period_statuses(period=period, now=now, user=user)
        panel["status"] = statuses[0] if statuses else None
        panel["days_left"] = (period.due_date - now.astimezone(SHANGHAI).date()).days
    return {"reporting_panel": panel}


def supervision_visits(*, user: User, campaign: Campaign, quarter: int | None = None) -> list[SupervisionVisit]:
    visits = (
        SupervisionVisit.objects.for_user(user)
        .filter(campaign=campaign)
        .select_related("town", "department", "recorded_by")
    )
    if quarter:
        visits = visits.filter(quarter=quarter)
    return list(visits)


def office_recipients(campaign: Campaign) -> list[str]:
    """E-mail addresses of the campaign's office staff (those of its county, or of no county)."""
    return list(
        User.objects.filter(role=Role.OFFICE, is_active=True)
        .filter(Q(county=campaign.county_id) | Q(county__isnull=True))
        .exclude(email="")
        .values_list("email", flat=True)
    )

"""Reads for bulletins: which months a campaign bulletins, the snapshot a bulletin freezes, the rule's candidates,
and the lists the pages show.

The figures are those of the progress engine (``targets.selectors.campaign_progress``) at the month's end, and the
report statuses those of ``reporting.selectors.period_statuses`` for the month's period: nothing is recomputed here.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bulletins.models import AccountabilityLead, Bulletin, BulletinSettings, BulletinUnit, Verdict
from campaigns.dates import add_months, month_end
from campaigns.models import Campaign, Department, Town, User
from reporting.schedule import SHANGHAI, Period, monthly_periods
from reporting.selectors import period_statuses, reporting_units
from targets.assessment import LAGGING, NOT_ASSESSED
from targets.selectors import campaign_progress

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

# Report statuses that count as submitted on time when the first submission was before the deadline.
_SUBMITTED = ("submitted", "late", "returned", "accepted")


def campaign_months(campaign: Campaign) -> list[datetime.date]:
    """The first day of every month from the campaign's start to its target date."""
    months, month = [], campaign.start.replace(day=1)
    while month <= campaign.target_date:
        months.append(month)
        month = add_months(month, 1)
    return months


def month_from_key(campaign: Campaign, key: str) -> datetime.date:
    """``"2021-06"`` → 2021-06-01 when it is a month of the campaign; Http404 otherwise."""
    match = _MONTH_RE.match(key or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise Http404(_("通报月份格式应为 YYYY-MM"))
    month = datetime.date(int(match.group(1)), int(match.group(2)), 1)
    if month not in campaign_months(campaign):
        raise Http404(_("该月份不在专项行动期间"))
    return month


def month_as_of(campaign: Campaign, month: datetime.date) -> datetime.date:
    """The day a month's bulletin takes its figures: the month's last day, within the campaign."""
    return campaign.clamp(month_end(month))


def month_period(campaign: Campaign, month: datetime.date) -> Period | None:
    """The monthly report period of the month, if the campaign asks for one."""
    return next((period for period in monthly_periods(campaign) if period.start == month), None)


def month_label(month: datetime.date) -> str:
    return _("%(year)d年%(month)d月") % {"year": month.year, "month": month.month}


def settings_for(campaign: Campaign) -> BulletinSettings:
    """The campaign's bulletin settings, or unsaved defaults derived from its county's name."""
    found = BulletinSettings.objects.filter(campaign=campaign).first()
    if found is not None:
        return found
    county = campaign.county.name
    return BulletinSettings(
        campaign=campaign,
        issuer=_("%(county)s专项扩面工作领导小组办公室") % {"county": county},
        number_pattern=_("%(short)s扩面办通报〔{year}〕{number}号") % {"short": county[:1]},
    )


# --- the snapshot ------------------------------------------------------------------------------------


def _report_row(status: object) -> dict[str, object]:
    submitted = status.first_submitted_at
    return {
        "kind": status.kind,
        "id": status.unit.pk,
        "name": status.unit.name,
        "status": status.status,
        "label": status.label,
        "submitted_at": submitted.astimezone(SHANGHAI).isoformat(timespec="minutes") if submitted else None,
        "late": status.late,
    }


def bulletin_snapshot(*, campaign: Campaign, month: datetime.date, now: datetime.datetime | None = None) -> dict:
    """Everything a bulletin of ``month`` shows, as JSON: the month-end figures of every indicator, the towns
    ranked with what they lag on, and each town's and department's report for the month."""
    now = now or timezone.now()
    as_of = month_as_of(campaign, month)
    progress = json.loads(json.dumps(campaign_progress(campaign=campaign, as_of=as_of), cls=DjangoJSONEncoder))
    units = reporting_units(campaign)
    towns_by_name = {unit.name: unit for unit in units if isinstance(unit, Town)}
    period = month_period(campaign, month)
    # The statuses as they stand when the bulletin is generated, never later than the campaign's last day.
    moment = min(now, datetime.datetime.combine(campaign.target_date, datetime.time.max, tzinfo=SHANGHAI))
    reports = (
        [_report_row(status) for status in period_statuses(period=period, now=moment, units=units)] if period else []
    )

    cells: dict[str, dict[str, dict]] = {}
    for item in progress["indicators"]:
        for row in item["towns"]:
            cells.setdefault(row["town"], {})[item["code"]] = row
    towns = []
    for summary in progress["towns_overall"]:
        town = towns_by_name.get(summary["town"])
        if town is None:
            continue
        own = cells.get(town.name, {})
        assessed, lagging = [], []
        for item in progress["indicators"]:
            figures = own.get(item["code"])
            if not figures or figures.get("target") is None or figures.get("status") in (None, *NOT_ASSESSED):
                continue
            assessed.append(item["name"])
            if figures["status"] in LAGGING:
                lagging.append(item["name"])
        towns.append(
            {
                "id": town.pk,
                "name": town.name,
                "composite": summary["composite"],
                "rank": summary["rank"],
                "behind": summary["behind"],
                "assessed": assessed,
                "lagging": lagging,
            }
        )
    return {
        "month": f"{month:%Y-%m}",
        "label": month_label(month),
        "as_of": as_of.isoformat(),
        "time_progress": progress["time_progress"],
        "computed_at": progress["computed_at"],
        "generated_at": now.isoformat(),
        "indicators": progress["indicators"],
        "towns": towns,
        "departments": [{"id": unit.pk, "name": unit.name} for unit in units if isinstance(unit, Department)],
        "period": ({"key": period.key, "label": period.label, "due": period.due_date.isoformat()} if period else None),
        "reports": reports,
    }


# --- the rule ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    kind: str
    id: int
    name: str
    verdict: str
    reasons: list[str]


def _report_reasons(report: dict | None, period: dict | None) -> tuple[bool, list[str], list[str]]:
    """(on time, reasons to praise, reasons to criticise) of a unit's report of the month."""
    if period is None:  # the campaign asks no report for this month: nothing to hold against anyone
        return True, [], []
    status = (report or {}).get("status")
    if status == "missing":
        return False, [], [_("%(period)s月报逾期未报") % {"period": period["label"]}]
    if status in _SUBMITTED and report.get("late"):
        day = (report.get("submitted_at") or "")[:10]
        return False, [], [_("%(period)s月报迟报（%(day)s 报送）") % {"period": period["label"], "day": day}]
    if status in _SUBMITTED:
        return True, [_("%(period)s月报按时报送") % {"period": period["label"]}], []
    return False, [], []  # not yet due: neither on time nor late


def candidates(snapshot: dict) -> list[Candidate]:
    """Who the rule proposes, with why, towns in rank order then departments.

    Praise: every assessed target met or on track (at least one assessed) and the report on time.
    Criticism: behind or below target on at least half of its assessed targets, or the report late or missing.
    Departments have no targets: they are judged on their report alone, and so never praised by rule.
    """
    period = snapshot.get("period")
    reports = {(row["kind"], row["id"]): row for row in snapshot.get("reports", [])}
    found = []
    for town in snapshot["towns"]:
        on_time, praise, criticism = _report_reasons(reports.get(("town", town["id"])), period)
        assessed, lagging = len(town["assessed"]), len(town["lagging"])
        if assessed and lagging * 2 >= assessed:
            criticism.insert(
                0,
                _("已评估的 %(assessed)d 项目标中 %(lagging)d 项滞后或未达标：%(names)s")
                % {"assessed": assessed, "lagging": lagging, "names": "、".join(town["lagging"])},
            )
        if criticism:
            found.append(Candidate("town", town["id"], town["name"], Verdict.CRITICISM, criticism))
        elif assessed and not lagging and on_time:
            reasons = [_("已评估的 %(assessed)d 项目标均已完成或进度正常") % {"assessed": assessed}, *praise]
            found.append(Candidate("town", town["id"], town["name"], Verdict.PRAISE, reasons))
        else:
            found.append(Candidate("town", town["id"], town["name"], Verdict.NONE, []))
    for department in snapshot.get("departments", []):
        _on_time, _praise, criticism = _report_reasons(reports.get(("department", department["id"])), period)
        verdict = Verdict.CRITICISM if criticism else Verdict.NONE
        found.append(Candidate("department", department["id"], department["name"], verdict, criticism))
    return found


# --- pages ---------------------------------------------------------------------------------------------


def bulletin_for(*, user: User, campaign: Campaign, month: datetime.date) -> Bulletin | None:
    return Bulletin.objects.for_user(user).filter(campaign=campaign, month=month).first()


def bulletin_units(bulletin: Bulletin) -> list[BulletinUnit]:
    return list(bulletin.units.select_related("town", "department", "decided_by"))


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date
    bulletin: Bulletin | None

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def label(self) -> str:
        return month_label(self.month)


def bulletin_months(*, user: User, campaign: Campaign, today: datetime.date | None = None) -> list[MonthRow]:
    """The office: every month that has begun, with its bulletin if any; others: the published bulletins."""
    bulletins = {
        b.month: b for b in Bulletin.objects.for_user(user).filter(campaign=campaign).select_related("published_by")
    }
    if not user.has_perm("bulletins.manage_bulletin"):
        return [MonthRow(month, bulletin) for month, bulletin in sorted(bulletins.items(), reverse=True)]
    today = today or timezone.localdate()
    months = [month for month in campaign_months(campaign) if month <= today or month in bulletins]
    return [MonthRow(month, bulletins.get(month)) for month in reversed(months)]


def latest_published(*, user: User, campaign: Campaign | None) -> Bulletin | None:
    if campaign is None:
        return None
    return Bulletin.objects.for_user(user).published().filter(campaign=campaign).order_by("-month").first()


def campaign_leads(*, user: User, campaign: Campaign) -> list[AccountabilityLead]:
    return list(
        AccountabilityLead.objects.for_user(user)
        .filter(campaign=campaign)
        .select_related("town", "department", "raised_by", "decided_by", "created_by")
        .prefetch_related("bulletins")
    )

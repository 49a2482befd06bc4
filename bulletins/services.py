"""Writes for bulletins: open (generate the draft), regenerate, update, publish; confirm or dismiss a lead.

Each checks its own rules: only the office (``bulletins.manage_bulletin``) of the bulletin's county writes, and a
published bulletin never changes. Every step is on record twice: in the rows' history (who, when, what changed)
and through the audit door (``Action.BULLETIN``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Action, audit_record
from bulletins.models import MANAGE_PERMISSION, AccountabilityLead, Bulletin, BulletinSettings, BulletinUnit, Verdict
from bulletins.selectors import bulletin_snapshot, candidates, month_label, settings_for
from campaigns.models import Campaign, User


def _check_writer(user: User, campaign: Campaign) -> None:
    if not user.has_perm(MANAGE_PERMISSION):
        raise PermissionDenied
    if not Campaign.objects.for_user(user).filter(pk=campaign.pk).exists():
        raise PermissionDenied


def _audit(bulletin: Bulletin, step: str, user: User, detail: str = "") -> None:
    audit_record(action=Action.BULLETIN, what=f"bulletin:{bulletin.pk}:{bulletin.key}:{step}", user=user, detail=detail)


def _default_title(campaign: Campaign, month: datetime.date) -> str:
    return _("关于%(month)s社会保险全民参保扩面专项行动工作进展情况的通报") % {"month": month_label(month)}


def _units_write(bulletin: Bulletin, snapshot: dict, *, user: User) -> None:
    """The rule's candidates as the bulletin's unit rows: new rows take the rule's verdict; existing ones take the
    new candidate too unless the office departed from the rule with a reason (its decision stands)."""
    existing = {(row.kind, row.town_id or row.department_id): row for row in bulletin.units.all()}
    for order, candidate in enumerate(candidates(snapshot)):
        row = existing.pop((candidate.kind, candidate.id), None)
        if row is None:
            row = BulletinUnit(bulletin=bulletin, **{f"{candidate.kind}_id": candidate.id})
        row.order = order
        row.candidate = candidate.verdict
        row.candidate_reasons = candidate.reasons
        if not row.reason.strip():
            row.verdict = candidate.verdict
        row._history_user = user
        row.save()
    for row in existing.values():  # a unit no longer in the county
        row._history_user = user
        row.delete()


def bulletin_open(
    *, campaign: Campaign, month: datetime.date, user: User, now: datetime.datetime | None = None
) -> Bulletin:
    """The month's bulletin, generated as a draft the first time the office opens it (two offices opening it
    at once get the same one: the month is unique per campaign)."""
    _check_writer(user, campaign)
    found = Bulletin.objects.filter(campaign=campaign, month=month).first()
    if found is not None:
        return found
    now = now or timezone.now()
    snapshot = bulletin_snapshot(campaign=campaign, month=month, now=now)
    with transaction.atomic():
        bulletin, created = Bulletin.objects.get_or_create(
            campaign=campaign,
            month=month,
            defaults={
                "snapshot": snapshot,
                "title": _default_title(campaign, month),
                "generated_at": now,
                "generated_by": user,
            },
        )
        if created:
            _units_write(bulletin, snapshot, user=user)
            _audit(bulletin, "generated", user)
    return bulletin


def _locked_draft(bulletin: Bulletin, user: User) -> Bulletin:
    _check_writer(user, bulletin.campaign)
    locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if locked.is_published:
        raise ValidationError(_("通报已发布，不能再修改。"), code="published")
    return locked


@transaction.atomic
def bulletin_regenerate(*, bulletin: Bulletin, user: User, now: datetime.datetime | None = None) -> Bulletin:
    """Take the figures and report statuses afresh (until published); the office's departures from the rule
    and its commentary stay."""
    bulletin = _locked_draft(bulletin, user)
    now = now or timezone.now()
    snapshot = bulletin_snapshot(campaign=bulletin.campaign, month=bulletin.month, now=now)
    bulletin.snapshot = snapshot
    bulletin.generated_at = now
    bulletin.generated_by = user
    bulletin._history_user = user
    bulletin.save()
    _units_write(bulletin, snapshot, user=user)
    _audit(bulletin, "regenerated", user)
    return bulletin


def _decision_errors(rows: list[BulletinUnit]) -> list[str]:
    return [
        _("%(unit)s：与规则建议不同（规则：%(rule)s，决定：%(verdict)s），请填写调整理由。")
        % {"unit": row.unit.name, "rule": row.get_candidate_display(), "verdict": row.get_verdict_display()}
        for row in rows
        if row.overridden and not row.reason.strip()
    ]


@transaction.atomic
def bulletin_update(
    *,
    bulletin: Bulletin,
    user: User,
    title: str | None = None,
    commentary: str | None = None,
    decisions: Mapping[int, tuple[str, str]] | None = None,
    now: datetime.datetime | None = None,
) -> Bulletin:
    """Edit a draft: its title, its commentary, and the office's verdict on units (``{row id: (verdict,
    reason)}``). A verdict other than the rule's needs a written reason; all or nothing (ValidationError)."""
    bulletin = _locked_draft(bulletin, user)
    now = now or timezone.now()
    rows = {row.pk: row for row in bulletin.units.select_related("town", "department")}
    changed = []
    for pk, (verdict, reason) in (decisions or {}).items():
        row = rows.get(pk)
        if row is None or verdict not in Verdict.values:
            raise ValidationError(_("提交的通报单位无效，请刷新页面后重试。"), code="invalid_unit")
        reason = (reason or "").strip()
        if row.verdict != verdict or row.reason != reason:
            row.verdict, row.reason = verdict, reason
            row.decided_by, row.decided_at = user, now
            changed.append(row)
    errors = _decision_errors(changed)
    if errors:
        raise ValidationError(errors, code="reason_required")
    for row in changed:
        row._history_user = user
        row.save()
    fields = []
    if title is not None and title.strip() and title.strip() != bulletin.title:
        bulletin.title = title.strip()[:200]
        fields.append("title")
    if commentary is not None and commentary.strip() != bulletin.commentary:
        bulletin.commentary = commentary.strip()
        fields.append("commentary")
    if fields:
        bulletin._history_user = user
        bulletin.save(update_fields=[*fields, "updated_at"])
    if fields or changed:
        _audit(bulletin, "updated", user, detail=", ".join([*fields, *(f"unit:{row.pk}" for row in changed)]))
    return bulletin


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, user: User, now: datetime.datetime | None = None) -> Bulletin:
    """Freeze, number and publish a draft; then raise the accountability leads it completes."""
    bulletin = _locked_draft(bulletin, user)
    now = now or timezone.now()
    rows = list(bulletin.units.select_related("town", "department"))
    errors = _decision_errors(rows)
    if errors:
        raise ValidationError(errors, code="reason_required")
    settings = settings_for(bulletin.campaign)
    if settings.pk is None:
        settings.save()
    # Numbers are handed out one publication at a time per campaign.
    settings = BulletinSettings.objects.select_for_update().get(pk=settings.pk)
    published = Bulletin.objects.filter(campaign=bulletin.campaign, status=Bulletin.Status.PUBLISHED).count()
    bulletin.sequence = settings.first_number + published
    # The year of the month reported on: a campaign's bulletins form one series, December's included.
    bulletin.number = settings.number_for(year=bulletin.month.year, sequence=bulletin.sequence)
    bulletin.snapshot = {**bulletin.snapshot, "issuer": settings.issuer}
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_at = now
    bulletin.published_by = user
    bulletin._history_user = user
    bulletin.save()
    _audit(bulletin, "published", user, detail=bulletin.number)
    leads_raise(bulletin=bulletin, user=user, now=now)
    return bulletin


# --- accountability leads ----------------------------------------------------------------------------------


def _evidence(unit_key: tuple[str, int], published: list[Bulletin], verdicts: dict) -> dict:
    """The unit in every published bulletin of the campaign: criticised or not, why, its standing, its report."""
    kind, unit_id = unit_key
    months = []
    for bulletin in published:
        row = verdicts.get((bulletin.pk, unit_key))
        if row is None:
            continue
        snapshot = bulletin.snapshot
        town = next((item for item in snapshot.get("towns", []) if kind == "town" and item["id"] == unit_id), None)
        report = next(
            (item for item in snapshot.get("reports", []) if item["kind"] == kind and item["id"] == unit_id), None
        )
        months.append(
            {
                "bulletin": bulletin.pk,
                "month": bulletin.key,
                "label": snapshot.get("label"),
                "number": bulletin.number,
                "verdict": row.verdict,
                "criticised": row.verdict == Verdict.CRITICISM,
                "reasons": row.candidate_reasons if not row.reason else [*row.candidate_reasons, row.reason],
                "composite": town["composite"] if town else None,
                "rank": town["rank"] if town else None,
                "assessed": len(town["assessed"]) if town else 0,
                "lagging": town["lagging"] if town else [],
                "report_status": report["label"] if report else None,
                "report_submitted_at": report["submitted_at"] if report else None,
                "report_late": report["late"] if report else None,
            }
        )
    return {"months": months}


def leads_raise(*, bulletin: Bulletin, user: User, now: datetime.datetime) -> list[AccountabilityLead]:
    """For each unit this bulletin criticises: a lead when the previous or next published bulletin criticised it
    too (two consecutive), or when three published bulletins of the campaign have. An open lead of the unit
    takes the new evidence instead of a second lead."""
    published = list(
        Bulletin.objects.filter(campaign=bulletin.campaign, status=Bulletin.Status.PUBLISHED).order_by("month")
    )
    verdicts = {
        (row.bulletin_id, (row.kind, row.town_id or row.department_id)): row
        for row in BulletinUnit.objects.filter(bulletin__in=published).select_related("town", "department")
    }
    criticised = {key for key, row in verdicts.items() if row.verdict == Verdict.CRITICISM}
    position = next(index for index, item in enumerate(published) if item.pk == bulletin.pk)
    neighbours = [published[index] for index in (position - 1, position + 1) if 0 <= index < len(published)]
    raised = []
    for (bulletin_id, unit_key), row in verdicts.items():
        if bulletin_id != bulletin.pk or row.verdict != Verdict.CRITICISM:
            continue
        times = [item for item in published if (item.pk, unit_key) in criticised]
        rules = []
        if any((item.pk, unit_key) in criticised for item in neighbours):
            rules.append(AccountabilityLead.Rule.CONSECUTIVE)
        if len(times) >= 3:
            rules.append(AccountabilityLead.Rule.THREE)
        if not rules:
            continue
        unit_field = {f"{unit_key[0]}_id": unit_key[1]}
        lead = (
            AccountabilityLead.objects.select_for_update()
            .filter(campaign=bulletin.campaign, status=AccountabilityLead.Status.OPEN, **unit_field)
            .first()
        )
        if lead is None:
            lead = AccountabilityLead(campaign=bulletin.campaign, created_at=now, created_by=user, **unit_field)
        lead.raised_by = bulletin
        lead.rules = sorted(set(lead.rules) | {str(rule) for rule in rules})
        lead.evidence = _evidence(unit_key, published, verdicts)
        lead._history_user = user
        lead.save()
        lead.bulletins.add(*times)
        audit_record(action=Action.BULLETIN, what=f"lead:{lead.pk}:raised", user=user, detail=bulletin.number)
        raised.append(lead)
    return raised


def _lead_decide(*, lead: AccountabilityLead, user: User, note: str, status: str) -> AccountabilityLead:
    _check_writer(user, lead.campaign)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请填写处理意见。")})
    lead = AccountabilityLead.objects.select_for_update().get(pk=lead.pk)
    if lead.status != AccountabilityLead.Status.OPEN:
        raise ValidationError(_("该线索已处理。"), code="decided")
    lead.status, lead.note = status, note
    lead.decided_at, lead.decided_by = timezone.now(), user
    lead._history_user = user
    lead.save()
    audit_record(action=Action.BULLETIN, what=f"lead:{lead.pk}:{status}", user=user)
    return lead


@transaction.atomic
def lead_confirm(*, lead: AccountabilityLead, user: User, note: str) -> AccountabilityLead:
    """确认: the lead goes to the discipline inspection body (its xlsx)."""
    return _lead_decide(lead=lead, user=user, note=note, status=AccountabilityLead.Status.CONFIRMED)


@transaction.atomic
def lead_dismiss(*, lead: AccountabilityLead, user: User, note: str) -> AccountabilityLead:
    """排除: the office found a reason the criticism does not call for accountability."""
    return _lead_decide(lead=lead, user=user, note=note, status=AccountabilityLead.Status.DISMISSED)


@transaction.atomic
def bulletin_settings_save(*, campaign: Campaign, user: User, issuer: str, number_pattern: str, first_number: int):
    """The issuing office's name and the number pattern of the campaign's bulletins."""
    _check_writer(user, campaign)
    issuer, number_pattern = issuer.strip(), number_pattern.strip()
    if not issuer or "{number}" not in number_pattern:
        raise ValidationError(_("请填写发文机关，文号格式须含 {number}（序号）。"), code="settings")
    settings = settings_for(campaign)
    settings.issuer, settings.number_pattern, settings.first_number = issuer, number_pattern, max(1, first_number)
    settings._history_user = user
    settings.save()
    audit_record(action=Action.BULLETIN, what=f"bulletin-settings:{campaign.pk}", user=user)
    return settings

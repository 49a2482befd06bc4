"""Matching the push lists against the departments' current reference lists and the business system's records.

Set-based: one ``DELETE`` drops the open matches (`EntryMatch`) of the lists that are no longer current, and one
``INSERT … SELECT`` of one join per current list (side by side, ``UNION ALL``) attaches an open match to every
open entry whose ID number or credit code a current list holds and that has neither an open match nor a decided
suggestion of the kind; never a query per entry. So a re-run writes only the difference. One statement rather
than one per kind: its rows reach the matches' key in key order (about a quarter less time spent writing them).
Decided suggestions (accepted, dismissed: `EntrySuggestion`) are history, never touched, never suggested again.

Runs are coalesced per campaign (`MatchingState`): every reference upload and every push-list import asks for
one (`matching_request`, after its commit); a request arriving during a run causes exactly one more run.

The business system is the system of record: an open person entry whose ID number has a pension enrolment
(企业职工 or 城乡居民基本养老保险) dated within the campaign is closed as 已参保 without anyone accepting it
(`entries_close_by_records`), with no person as the one who changed it (the queue shows 系统比对) and the
record, hence the import's file and time, linked to it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from campaigns.models import Campaign
from enrolment.models import (
    DataImport,
    EnrolmentRecord,
    EntryMatch,
    EntryStatus,
    EntrySuggestion,
    Insurance,
    ListKind,
    MatchingState,
    PushEntry,
    ReferenceKind,
    ReferenceList,
    ReferenceRow,
)
from enrolment.services._progress import progress_changed

logger = logging.getLogger(__name__)

STALE_CLAIM = datetime.timedelta(minutes=getattr(settings, "PROGRESS_STALE_CLAIM_MINUTES", 30))
CLOSED_STATUSES = (EntryStatus.ENROLLED, EntryStatus.NOT_DUE)
PERSON_KINDS = (ListKind.EMPLOYED_PERSON, ListKind.PERSON, ListKind.INTERRUPTED)
EMPLOYER_KINDS = (ListKind.EMPLOYER, ListKind.PNEUMOCONIOSIS_EMPLOYER)
PENSIONS = (Insurance.EMPLOYEE_PENSION, Insurance.RESIDENT_PENSION)


def entry_kinds_for(reference_kind: str) -> tuple[str, ...]:
    """The push-list kinds a reference kind is matched against: employers by credit code, persons by ID."""
    return EMPLOYER_KINDS if reference_kind in ReferenceKind.employer_kinds() else PERSON_KINDS


# --- the matching itself ----------------------------------------------------------------------------------


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in(values: Iterable[str]) -> tuple[str, list[str]]:
    values = list(values)
    return ", ".join(["%s"] * len(values)), values


def match_kind_sql(*, campaign_id: int, kind: str, list_id: int) -> tuple[str, list[object]]:
    """The open matches of one kind: the join of open entries and the list, less the entries that already have
    an open match or a decided suggestion of the kind."""
    floor, floor_params = match_kind_floor_sql(campaign_id=campaign_id, kind=kind, list_id=list_id)
    match, decided = _table(EntryMatch), _table(EntrySuggestion)
    sql = (
        f"SELECT e.id AS entry_id, r.reference_list_id, r.id AS reference_row_id, CAST(%s AS varchar(30)) AS kind "
        f"{floor.removeprefix('SELECT e.id, r.id ')} "
        f"AND NOT EXISTS (SELECT 1 FROM {match} m WHERE m.entry_id = e.id AND m.kind = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {decided} s WHERE s.entry_id = e.id AND s.kind = %s)"
    )
    return sql, [kind, *floor_params, kind, kind]


def matches_sql(*, campaign_id: int, lists: dict[str, int]) -> tuple[str, list[object]]:
    """One statement for every current list: the kinds' joins (`match_kind_sql`) side by side, written in the
    order of the matches' key (entry, kind)."""
    parts, params = [], []
    for kind, list_id in lists.items():
        sql, kind_params = match_kind_sql(campaign_id=campaign_id, kind=kind, list_id=list_id)
        parts.append(sql)
        params += kind_params
    sql = (
        f"INSERT INTO {_table(EntryMatch)} (entry_id, reference_list_id, reference_row_id, kind) "
        f"SELECT * FROM ({' UNION ALL '.join(parts)}) found ORDER BY 1, 4"
    )
    return sql, params


def match_kind_floor_sql(*, campaign_id: int, kind: str, list_id: int) -> tuple[str, list[object]]:
    """The bare join `match_kind_sql` is built on (what the benchmark measures it against)."""
    entry_kinds, entry_kind_params = _in(entry_kinds_for(kind))
    closed, closed_params = _in(CLOSED_STATUSES)
    sql = (
        f"SELECT e.id, r.id FROM {_table(PushEntry)} e JOIN {_table(ReferenceRow)} r ON r.key = e.key "
        f"WHERE r.reference_list_id = %s AND e.campaign_id = %s AND e.kind IN ({entry_kinds}) "
        f"AND e.status NOT IN ({closed})"
    )
    return sql, [list_id, campaign_id, *entry_kind_params, *closed_params]


def _stale_sql(list_ids: Iterable[int]) -> tuple[str, list[object]]:
    """Open matches from lists that are no longer current: the current list suggests afresh what it holds."""
    placeholders, ids = _in(list_ids)
    return f"DELETE FROM {_table(EntryMatch)} WHERE reference_list_id IN ({placeholders})", ids


@transaction.atomic
def entries_match(*, campaign: Campaign) -> int:
    """Match every open entry of a campaign against the current lists; returns the open matches written."""
    lists = list(ReferenceList.objects.filter(campaign=campaign).values_list("id", "kind", "is_current"))
    current = {kind: pk for pk, kind, is_current in lists if is_current}
    earlier = [pk for pk, _kind, is_current in lists if not is_current]
    written = 0
    with connection.cursor() as cursor:
        # Two matching runs of a campaign never interleave (the coalescing allows one; this holds even if not).
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [(_MATCH_LOCK_SPACE << 48) + campaign.pk])
        if earlier:
            cursor.execute(*_stale_sql(earlier))
        if current:
            cursor.execute(*matches_sql(campaign_id=campaign.pk, lists=current))
            written += max(cursor.rowcount, 0)
    return written


# The matching's range of single-bigint advisory-lock keys (the imports' runners use 1–3: services._claims).
_MATCH_LOCK_SPACE = 4


# --- the business system's records close entries ---------------------------------------------------------


def entries_close_by_records(
    *, campaign: Campaign, data_import: DataImport | None = None, record: EnrolmentRecord | None = None
) -> int:
    """Close, as 已参保 by 系统比对, every open person entry whose ID number has a pension record in the campaign.

    ``data_import`` / ``record``: only the records of that import, or that one record (else all of them).
    A constant number of queries (one read of the entries joined to their records, bulk writes). Returns the
    entries closed. Runs in the caller's transaction.
    """
    records = EnrolmentRecord.objects.filter(
        campaign=campaign,
        insurance__in=PENSIONS,
        enrolled_on__gte=campaign.start,
        enrolled_on__lte=campaign.target_date,
    )
    if data_import is not None:
        records = records.filter(data_import=data_import)
    if record is not None:
        records = records.filter(pk=record.pk)
    entries = list(
        PushEntry.objects.filter(campaign=campaign, kind__in=PERSON_KINDS)
        .exclude(status__in=CLOSED_STATUSES)
        .filter(key__in=records.values("id_number"))
        .order_by("id")
    )
    if not entries:
        return 0
    # The earliest pension record of each person (the employee pension first on the same day).
    chosen: dict[str, EnrolmentRecord] = {}
    for found in (
        records.filter(id_number__in=[entry.key for entry in entries])
        .select_related("data_import")
        .order_by("id_number", "enrolled_on", "insurance")
    ):
        chosen.setdefault(found.id_number, found)
    now = timezone.now()
    reason = _("%(before)s→%(after)s（系统比对：%(source)s）")
    for entry in entries:
        found = chosen[entry.key]
        source = found.data_import.file_name if found.data_import else found.get_source_display()
        before = EntryStatus(entry.status).label
        entry.status = EntryStatus.ENROLLED
        entry.not_due_reason = ""
        entry.enrolled_insurance = found.insurance
        entry.enrolled_on = found.enrolled_on
        entry.version += 1
        entry.status_changed_at = now
        entry.status_changed_by = None
        entry._history_user = None
        entry._history_date = now
        entry._change_reason = (reason % {"before": before, "after": EntryStatus.ENROLLED.label, "source": source})[
            :100
        ]
    bulk_update_with_history(
        entries,
        PushEntry,
        [
            "status",
            "not_due_reason",
            "enrolled_insurance",
            "enrolled_on",
            "version",
            "status_changed_at",
            "status_changed_by",
        ],
        batch_size=1000,
        default_date=now,
    )
    linked = [found for found in chosen.values() if found.entry_id is None]
    by_key = {entry.key: entry for entry in entries}
    for found in linked:
        found.entry = by_key[found.id_number]
    EnrolmentRecord.objects.bulk_update(linked, ["entry"], batch_size=1000)
    progress_changed(campaign_id=campaign.pk)
    return len(entries)


def matching_now(*, campaign: Campaign) -> int:
    """One matching run in this process, now (the import commands: their work is done when they return).
    The advisory lock keeps it apart from a worker's run of the same campaign."""
    with transaction.atomic():
        entries_close_by_records(campaign=campaign)
        return entries_match(campaign=campaign)


# --- coalesced runs ----------------------------------------------------------------------------------------


def matching_request(*, campaign_id: int) -> None:
    """Ask for a matching run of the campaign once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, campaign_id))


def _enqueue(campaign_id: int) -> None:
    try:
        now = timezone.now()
        state, _created = MatchingState.objects.get_or_create(campaign_id=campaign_id)
        MatchingState.objects.filter(pk=state.pk).update(dirty=True)
        stale = now - STALE_CLAIM
        enqueue = (
            MatchingState.objects.filter(pk=state.pk)
            .filter(
                Q(status=MatchingState.Status.IDLE)
                | Q(status=MatchingState.Status.QUEUED, queued_at__lt=stale)
                | Q(status=MatchingState.Status.RUNNING, claimed_at__lt=stale)
            )
            .update(status=MatchingState.Status.QUEUED, queued_at=now)
        )
        if enqueue:
            from enrolment.tasks import matching_run_task

            matching_run_task.delay(campaign_id)
    except Exception:  # the upload is committed; the next request (or the nightly run) matches
        logger.exception("could not ask for the matching of campaign %s", campaign_id)
        MatchingState.objects.filter(campaign_id=campaign_id, status=MatchingState.Status.QUEUED).update(
            status=MatchingState.Status.IDLE
        )


def matching_run(*, campaign_id: int) -> int | None:
    """One coalesced run: claim the campaign's state, match, release; run again if asked meanwhile.

    Returns the suggestions written, or None when another run holds the claim (a duplicate delivery).
    """
    now = timezone.now()
    claimed = MatchingState.objects.filter(
        campaign_id=campaign_id, status__in=[MatchingState.Status.QUEUED, MatchingState.Status.IDLE]
    ).update(status=MatchingState.Status.RUNNING, claimed_at=now, dirty=False)
    if not claimed:
        return None
    written = 0
    try:
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is not None:
            written = matching_now(campaign=campaign)
    finally:
        MatchingState.objects.filter(campaign_id=campaign_id).update(
            status=MatchingState.Status.IDLE, finished_at=timezone.now(), runs=F("runs") + 1
        )
    if MatchingState.objects.filter(campaign_id=campaign_id, dirty=True).exists():
        _enqueue(campaign_id)
    return written

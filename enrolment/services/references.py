"""The departments' reference lists (部门比对数据): reading, checking and storing one upload of one kind.

One code path serves the command line (`reference_import`) and the upload page (`reference_submit`, then
`reference_run` on a worker). The file goes through the same reader (`enrolment.tabular.open_table`: header
search, cell normalisation, hostile-file limits), the same identifier checks and the same accounting as a push
list: ``imported`` distinct keys, ``duplicates`` later rows repeating a key, ``rejected`` rows with their reason
in the rejected-rows workbook. A file that cannot be read stores nothing; the rows go in all together or not
at all, and the new list then replaces the current one of its kind (when its date is not older) and asks for a
matching run once committed.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Department, Role, User
from campaigns.places import PlaceError, Places
from campaigns.text import normalize_text
from enrolment import columns as terms
from enrolment.identifiers import IdentifierError, normalize_id_number, normalize_uscc
from enrolment.models import ImportStatus, ReferenceKind, ReferenceList, ReferenceRow
from enrolment.services._claims import (
    import_claim,
    import_fail,
    import_fail_crashed,
    import_files_delete,
    import_release,
    upload_digest,
    upload_record,
)
from enrolment.services._row_progress import RowProgress, row_progress
from enrolment.tabular import Column, DataRow, FileProblem, open_table, parse_date, parse_month, write_rejected_workbook

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 5000
UPLOAD_PERMISSION = "enrolment.add_referencelist"


class ReferenceRefused(Exception):
    """An upload refused before anything is read (unknown kind, not the user's department, same file twice)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _RowError(ValueError):
    pass


# --- the kinds: owner, columns, and how a row's cells become what is stored -----------------------------


def _date(label: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if normalize_text(value) == "":
            return ""
        try:
            return parse_date(value).isoformat()
        except ValueError as error:
            raise _RowError(f"{label}：{error}") from error

    return parse


def _month(label: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if normalize_text(value) == "":
            return ""
        try:
            return parse_month(value).strftime("%Y-%m")
        except ValueError as error:
            raise _RowError(f"{label}：{error}") from error

    return parse


def _text(limit: int = 200) -> Callable[[object], str]:
    def parse(value: object) -> str:
        return " ".join(normalize_text(value).split())[:limit]

    return parse


def _one_of(label: str, names: dict[str, str]) -> Callable[[object], str]:
    """A category cell: one of ``names`` (what staff type → what is stored)."""

    def parse(value: object) -> str:
        text = normalize_text(value)
        for written, stored in names.items():
            if text == written:
                return stored
        allowed = "、".join(dict.fromkeys(names.values()))
        if not text:
            raise _RowError(_("%(label)s：未填写（应为 %(allowed)s）") % {"label": label, "allowed": allowed})
        raise _RowError(
            _("%(label)s：“%(value)s”无效（应为 %(allowed)s）") % {"label": label, "value": text, "allowed": allowed}
        )

    return parse


def _optional(parse: Callable[[object], str]) -> Callable[[object], str]:
    """A cell that may be left blank (the ID number is what is matched); when filled, it must be valid."""

    def read(value: object) -> str:
        return "" if normalize_text(value) == "" else parse(value)

    return read


# What a department's file says (input vocabulary, compared with cell text), so not translated; the same
# holds for the categories and grades below and the departments' names further down.
_PLACES = {
    **dict.fromkeys(("本地", "本市", "本县", "市内", "县内"), "local"),
    **dict.fromkeys(("外地", "异地", "市外", "县外", "省外", "外省", "外市"), "elsewhere"),
}
_PLACE_LABELS = {"local": "本地", "elsewhere": "外地"}
_POVERTY = {
    **dict.fromkeys(("脱贫人口", "脱贫户", "已脱贫人口"), "脱贫人口"),
    **dict.fromkeys(("边缘易致贫人口", "边缘易致贫户", "监测对象"), "边缘易致贫人口"),
}
_ASSISTANCE = {
    **dict.fromkeys(("低保", "城乡低保", "农村低保", "城市低保", "低保对象", "最低生活保障"), "低保"),
    **dict.fromkeys(("特困", "特困人员", "特困供养", "特困供养人员"), "特困"),
}
_GRADES = {
    **{f"{n}": f"{n}" for n in range(1, 5)},
    **{f"{n}级": f"{n}" for n in range(1, 5)},
    **{f"{c}级": f"{n}" for n, c in enumerate("一二三四", start=1)},
    **{f"{c}": f"{n}" for n, c in enumerate("一二三四", start=1)},
}


@dataclass(frozen=True)
class Extra:
    """A column of a kind beyond the key and the name: the term, where it goes, and how it is read."""

    term: terms.Term
    field: str
    parse: Callable[[object], str]
    required: bool = False
    # Only the ID number (or credit code) and the name must be there: the other columns are read when the file has
    # them, except what decides a suggestion (the place insured), which is required.
    # Stored in ReferenceRow.category (what decides the suggestion, or the department's category).
    category: bool = False


@dataclass(frozen=True)
class KindSpec:
    departments: tuple[str, ...]  # the owning department's short names (as counties spell them)
    extras: tuple[Extra, ...] = ()

    @property
    def department_label(self) -> str:
        return self.departments[0]


KINDS: dict[str, KindSpec] = {
    ReferenceKind.DECEASED: KindSpec(
        ("卫生健康", "卫健", "卫生健康局"),
        (Extra(terms.DEATH_DATE, "death_date", _date(terms.DEATH_DATE.label)),),
    ),
    ReferenceKind.STUDENT: KindSpec(
        ("教育体育", "教体", "教育", "教育体育局"),
        (
            Extra(terms.SCHOOL, "school", _text()),
            Extra(terms.GRADUATION, "graduation", _month(terms.GRADUATION.label)),
        ),
    ),
    ReferenceKind.INSURED_16PLUS: KindSpec(
        ("医保", "医疗保障", "医疗保障局"),
        (
            Extra(terms.INSURANCE, "insurance", _text(50)),
            Extra(
                terms.INSURED_PLACE,
                "place",
                _one_of(terms.INSURED_PLACE.label, _PLACES),
                required=True,
                category=True,
            ),
        ),
    ),
    ReferenceKind.POVERTY: KindSpec(
        ("扶贫", "乡村振兴", "乡村振兴局"),
        (
            Extra(
                terms.POVERTY_CATEGORY,
                "category",
                _optional(_one_of(terms.POVERTY_CATEGORY.label, _POVERTY)),
                category=True,
            ),
        ),
    ),
    ReferenceKind.DIBAO_TEKUN: KindSpec(
        ("民政", "民政局"),
        (
            Extra(
                terms.ASSISTANCE_CATEGORY,
                "category",
                _optional(_one_of(terms.ASSISTANCE_CATEGORY.label, _ASSISTANCE)),
                category=True,
            ),
        ),
    ),
    ReferenceKind.DISABLED: KindSpec(
        ("残联", "残疾人联合会"),
        (
            Extra(
                terms.DISABILITY_GRADE,
                "grade",
                _optional(_one_of(terms.DISABILITY_GRADE.label, _GRADES)),
                category=True,
            ),
        ),
    ),
    ReferenceKind.HOUSEHOLD_MOVED: KindSpec(
        ("公安", "公安局"),
        (Extra(terms.MOVED_OUT_ON, "moved_out_on", _date(terms.MOVED_OUT_ON.label)),),
    ),
    ReferenceKind.REGISTERED_BUSINESS: KindSpec(
        ("市场监管", "市场监督管理局", "市场监管局"),
        (Extra(terms.TOWN, "town", _text(50)),),
    ),
    ReferenceKind.TAX_PAYING_EMPLOYER: KindSpec(("税务", "税务局")),
}


def columns_for(kind: str) -> tuple[Column, ...]:
    employer = kind in ReferenceKind.employer_kinds()
    key, name = (terms.USCC, terms.EMPLOYER_NAME) if employer else (terms.ID_NUMBER, terms.PERSON_NAME)
    return (
        key.column("key", required=True),
        name.column("name", required=True),
        *(extra.term.column(extra.field, required=extra.required) for extra in KINDS[kind].extras),
    )


def template_rows(kind: str) -> tuple[list[str], list[object]]:
    """The headers of a kind's template and its one example row."""
    employer = kind in ReferenceKind.employer_kinds()
    key, name = (terms.USCC, terms.EMPLOYER_NAME) if employer else (terms.ID_NUMBER, terms.PERSON_NAME)
    used = [key, name, *(extra.term for extra in KINDS[kind].extras)]
    return [term.label for term in used], [term.example for term in used]


def place_label(category: str) -> str:
    return _PLACE_LABELS.get(category, category)


def check_kind(kind: str) -> None:
    if kind not in ReferenceKind.values:
        choices = "、".join(f"{value}（{label}）" for value, label in ReferenceKind.choices)
        raise ReferenceRefused(_("未知的数据类型“%(kind)s”，可选：%(choices)s") % {"kind": kind, "choices": choices})


def owning_department(campaign: Campaign, kind: str) -> Department:
    """The county's department that provides a kind of list; ReferenceRefused when the county has none."""
    check_kind(kind)
    spec = KINDS[kind]
    departments = {d.name: d for d in Department.objects.filter(county_id=campaign.county_id)}
    for name in spec.departments:
        if name in departments:
            return departments[name]
    raise ReferenceRefused(
        _("本县（市、区）没有提供“%(kind)s”数据的部门（%(department)s），请管理员先在市直部门中添加")
        % {"kind": ReferenceKind(kind).label, "department": spec.department_label}
    )


def kinds_for(user: User, campaign: Campaign) -> list[str]:
    """The kinds a user may upload: every kind for admins, their own department's for department staff."""
    if not user.has_perm(UPLOAD_PERMISSION):
        return []
    if user.is_superuser or user.role == Role.ADMIN:
        return list(ReferenceKind.values)
    if user.role == Role.DEPARTMENT and user.department_id:
        names = {user.department.name, user.department.full_name} - {""}
        return [kind for kind, spec in KINDS.items() if names & set(spec.departments)]
    return []


def _check_uploader(user: User | None, campaign: Campaign, kind: str) -> Department:
    """The department the list belongs to, once the uploader may upload it (None: the command line)."""
    department = owning_department(campaign, kind)
    if user is None:
        return department
    if not Campaign.objects.for_user(user).filter(pk=campaign.pk).exists() or kind not in kinds_for(user, campaign):
        raise PermissionDenied(
            _("您只能上传本部门提供的比对数据，不能上传“%(kind)s”") % {"kind": ReferenceKind(kind).label}
        )
    return department


# --- reading --------------------------------------------------------------------------------------------


@dataclass
class Analysis:
    kind: str
    headers: tuple[str, ...] = ()
    rows_total: int = 0
    rows: list[tuple[str, str, str, dict[str, str]]] = field(default_factory=list)  # key, name, category, details
    duplicates: int = 0
    rejected: list[tuple[int, tuple[Any, ...], str]] = field(default_factory=list)


def _check(kind: str, row: DataRow, places: Places) -> tuple[str, str, str, dict[str, str]]:
    employer = kind in ReferenceKind.employer_kinds()
    values = row.values
    reasons: list[str] = []
    key = ""
    try:
        key = (normalize_uscc if employer else normalize_id_number)(values["key"])
    except IdentifierError as error:
        reasons.append(error.message)
    name_label = (terms.EMPLOYER_NAME if employer else terms.PERSON_NAME).label
    name = " ".join(normalize_text(values["name"]).split()) if employer else normalize_text(values["name"])
    if not name:
        reasons.append(_("缺少%(label)s") % {"label": name_label})
    elif len(name) > 200:
        reasons.append(_("%(label)s过长（超过 %(n)d 个字）") % {"label": name_label, "n": 200})
    category = ""
    details: dict[str, str] = {}
    for extra in KINDS[kind].extras:
        try:
            value = extra.parse(values.get(extra.field))
        except _RowError as error:
            reasons.append(str(error))
            continue
        if extra.required and not value:
            reasons.append(_("缺少%(label)s") % {"label": extra.term.label})
        if extra.term is terms.TOWN and value:
            try:
                value = places.town(value).name
            except PlaceError as error:
                reasons.append(error.message)
        if extra.category:
            category = value
        elif value:
            details[extra.field] = value
    if reasons:
        raise _RowError("；".join(reasons))
    return key, name, category, details


def reference_analyse(
    *, campaign: Campaign, kind: str, path: str | Path, file_name: str | None = None, progress: Any = None
) -> Analysis:
    """Read and check every row; raises `FileProblem` for a file that cannot be imported. Writes nothing."""
    check_kind(kind)
    places = Places(campaign.county_id)
    seen: set[str] = set()
    with open_table(path, columns_for(kind), original_name=file_name) as table:
        analysis = Analysis(kind=kind, headers=table.headers)
        for row in table.rows:
            analysis.rows_total += 1
            try:
                checked = _check(kind, row, places)
            except _RowError as error:
                analysis.rejected.append((row.number, row.cells, str(error)))
                continue
            if checked[0] in seen:
                analysis.duplicates += 1
            else:
                seen.add(checked[0])
                analysis.rows.append(checked)
            if progress is not None and analysis.rows_total % PROGRESS_EVERY == 0:
                progress(analysis.rows_total)
    return analysis


# --- storing --------------------------------------------------------------------------------------------


def _store(reference_list: ReferenceList, analysis: Analysis) -> None:
    """Write the rows, record the counts and make the list current when it is the newest. In a transaction."""
    ReferenceRow.objects.bulk_create(
        (
            ReferenceRow(reference_list=reference_list, key=key, name=name, category=category, details=details)
            for key, name, category, details in analysis.rows
        ),
        batch_size=5000,
    )
    reference_list.rows_total = reference_list.rows_done = analysis.rows_total
    reference_list.imported = len(analysis.rows)
    reference_list.duplicates = analysis.duplicates
    reference_list.rejected = len(analysis.rejected)
    reference_list.status = ImportStatus.DONE
    reference_list.error = ""
    reference_list.finished_at = timezone.now()
    if analysis.rejected:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            write_rejected_workbook(handle.name, analysis.headers, analysis.rejected)
            reference_list.rejected_file.save(f"reference-{reference_list.pk}-rejected.xlsx", File(handle), save=False)
    # The current list of the kind is locked while it is replaced: two uploads of one kind take turns.
    current = (
        ReferenceList.objects.select_for_update()
        .filter(campaign_id=reference_list.campaign_id, kind=reference_list.kind, is_current=True)
        .exclude(pk=reference_list.pk)
        .first()
    )
    if current is None or current.as_of <= reference_list.as_of:
        if current is not None:
            ReferenceList.objects.filter(pk=current.pk).update(is_current=False)
        reference_list.is_current = True
        reference_list.replaces = current
    reference_list.save()
    if reference_list.is_current:
        from enrolment.services.matching import matching_request

        matching_request(campaign_id=reference_list.campaign_id)


def _refuse_same_file(*, campaign: Campaign, kind: str, sha256: str) -> None:
    earlier = (
        ReferenceList.objects.filter(campaign=campaign, kind=kind, sha256=sha256)
        .exclude(status=ImportStatus.FAILED)
        .first()
    )
    if earlier is not None:
        raise ReferenceRefused(
            _("该文件已于 %(when)s 导入（同一数据类型、内容完全相同），不能重复导入")
            % {"when": timezone.localtime(earlier.uploaded_at).strftime("%Y-%m-%d %H:%M")}
        )


@dataclass
class ReferenceResult:
    reference_list: ReferenceList
    rejected_path: str | None

    @property
    def counts_line(self) -> str:
        r = self.reference_list
        return f"imported={r.imported} duplicates={r.duplicates} rejected={r.rejected}"


def reference_import(
    *,
    campaign: Campaign,
    kind: str,
    path: str | Path,
    as_of: datetime.date | None = None,
    file_name: str | None = None,
    uploaded_by: User | None = None,
) -> ReferenceResult:
    """Import a reference list at once (the command line): all of it, or on any error none of it.

    Raises `ReferenceRefused` or `FileProblem` before writing anything.
    """
    department = _check_uploader(uploaded_by, campaign, kind)
    path = Path(path)
    file_name = file_name or path.name
    sha256 = ReferenceList.digest(path)
    _refuse_same_file(campaign=campaign, kind=kind, sha256=sha256)
    analysis = reference_analyse(campaign=campaign, kind=kind, path=path, file_name=file_name)
    reference_list = ReferenceList(
        campaign=campaign,
        kind=kind,
        department=department,
        as_of=as_of or timezone.localdate(),
        file_name=file_name,
        sha256=sha256,
        uploaded_by=uploaded_by,
        status=ImportStatus.RUNNING,
        started_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            with path.open("rb") as handle:
                reference_list.file.save(file_name, File(handle), save=False)
            reference_list.save()
            _store(reference_list, analysis)
    except IntegrityError as error:
        import_files_delete(reference_list, "file", "rejected_file")
        raise ReferenceRefused(_("该文件正在由另一个导入任务处理或已导入，不能重复导入")) from error
    except BaseException:
        import_files_delete(reference_list, "file", "rejected_file")
        raise
    rejected = reference_list.rejected_file.path if reference_list.rejected_file else None
    return ReferenceResult(reference_list, rejected)


@transaction.atomic
def reference_submit(
    *, campaign: Campaign, kind: str, as_of: datetime.date, upload: File, file_name: str, uploaded_by: User
) -> ReferenceList:
    """Record an upload as a queued list (the upload page) and run it on a worker once committed."""
    from enrolment.tasks import reference_import_task

    department = _check_uploader(uploaded_by, campaign, kind)
    sha256 = upload_digest(upload)
    _refuse_same_file(campaign=campaign, kind=kind, sha256=sha256)
    reference_list = ReferenceList(
        campaign=campaign,
        kind=kind,
        department=department,
        as_of=as_of,
        file_name=file_name,
        sha256=sha256,
        uploaded_by=uploaded_by,
        status=ImportStatus.QUEUED,
    )
    upload_record(
        reference_list,
        upload=upload,
        file_name=file_name,
        audit_as="reference_list",
        user=uploaded_by,
        refused=ReferenceRefused,
    )
    transaction.on_commit(lambda: reference_import_task.delay(reference_list.pk))
    return reference_list


def progress_cache_key(pk: int) -> str:
    return f"reference-import-progress:{pk}"


def reference_progress(reference_list: ReferenceList) -> tuple[int, int]:
    running = reference_list.status == ImportStatus.RUNNING
    return row_progress(reference_list, progress_cache_key(reference_list.pk), running=running)


def reference_run(*, reference_list_id: int) -> ReferenceList | None:
    """Run a queued upload once (None when claimed elsewhere or finished); a failure is recorded on the list."""
    if not import_claim(ReferenceList, reference_list_id, imported=0, duplicates=0, rejected=0):
        return None
    progress = RowProgress(ReferenceList, reference_list_id, progress_cache_key(reference_list_id))
    try:
        reference_list = ReferenceList.objects.select_related("campaign").get(pk=reference_list_id)
        analysis = reference_analyse(
            campaign=reference_list.campaign,
            kind=reference_list.kind,
            path=reference_list.file.path,
            file_name=reference_list.file_name,
            progress=progress,
        )
        progress(analysis.rows_total, analysis.rows_total)
        progress.close()
        with transaction.atomic():
            _store(reference_list, analysis)
    except FileProblem as problem:
        import_fail(ReferenceList, reference_list_id, message=problem.message)
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the uploader must see it failed
        import_fail_crashed(ReferenceList, reference_list_id, error)
    finally:
        progress.close()
        cache.delete(progress_cache_key(reference_list_id))
        import_release(ReferenceList, reference_list_id)
    return ReferenceList.objects.get(pk=reference_list_id)

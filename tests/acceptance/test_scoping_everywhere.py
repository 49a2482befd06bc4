"""Access scoping over EVERY URL of the project (issue 2's acceptance: "a town-staff user of 凤麓街道 cannot see
or change anything belonging to 龙街街道 through any URL").

One object of each kind is made for 凤麓 and one for 龙街, every text of 龙街's carrying the marker 龙街秘密
(and 凤麓's 凤麓秘密). Then, for every URL pattern of the resolver — each parameterised one filled in with
凤麓's object and with 龙街's — and for GET and POST:

- the 凤麓 town user never gets a page, JSON or workbook containing a 龙街 marker or ID number, gets 403/404 on
  龙街's objects, and no 龙街 row changes whatever it posts;
- department staff get no town data at all (neither town's markers);
- anonymous visitors are sent to the login page (or get 401 from the JSON API);
- a URL pattern nobody classified here fails the sweep, so a new page cannot slip past it.

The Django admin is swept from its registry: only admins get in.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib import admin
from django.core.files.base import ContentFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bulletins.models import AccountabilityLead, Bulletin
from campaigns.models import Campaign, Role, Town, User, Village
from enrolment.identifiers import make_id_number
from enrolment.models import (
    ConstructionProject,
    DataImport,
    EnrolmentRecord,
    EntryMatch,
    EntrySheetUpload,
    EntrySuggestion,
    Insurance,
    ListKind,
    PneumoconiosisRoster,
    PushEntry,
)
from reporting.models import Notice, Report, ReportAttachment, SupervisionVisit
from reporting.schedule import SHANGHAI
from tests.enrolment.factories import BatchFactory, PushEntryFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2021, 7, 10, 10, tzinfo=SHANGHAI)
MARK = {"fenglu": "凤麓秘密", "longjie": "龙街秘密"}


@dataclass
class Side:
    """One town's objects of every kind."""

    town: Town
    user: User
    village: Village
    entry: PushEntry
    employer: PushEntry
    record: EnrolmentRecord
    upload: EntrySheetUpload
    report: Report
    attachment: ReportAttachment
    visit: SupervisionVisit
    notice: Notice
    project: ConstructionProject
    roster: PneumoconiosisRoster
    lead: AccountabilityLead | None = None
    suggestion: object = None


@dataclass
class World:
    campaign: Campaign
    fenglu: Side
    longjie: Side
    batch: object
    data_import: object
    department_report: Report
    users: dict[str, User]
    reference_list: object = None


def _sheet_row(entry: PushEntry) -> dict:
    """An uploaded queue-sheet row, as the upload stores it: set the entry to 已参保."""
    return {
        "row": 2,
        "entry_id": entry.pk,
        "version": entry.version,
        "status": "enrolled",
        "not_due_reason": "",
        "insurance": Insurance.RESIDENT_PENSION,
        "enrolled_on": "2021-06-01",
        "note": "篡改",
    }


def _side(name: str, town: Town, user: User, campaign: Campaign, batch, office: User, seq: int) -> Side:
    mark = MARK[name]
    village = Village.objects.create(town=town, name=f"{mark}村")
    entry = PushEntryFactory(
        campaign=campaign,
        kind=ListKind.PERSON,
        key=make_id_number("530422", datetime.date(1980, 1, seq), seq),
        name=f"{mark}人",
        town=town,
        village=village,
        batch=batch,
        phone="13912345678",
        note=f"{mark}备注",
    )
    employer = PushEntryFactory(campaign=campaign, kind=ListKind.EMPLOYER, name=f"{mark}公司", town=town)
    record = EnrolmentRecord.objects.create(
        campaign=campaign,
        id_number=make_id_number("530481", datetime.date(1970, 2, seq), seq),
        name=f"{mark}参保人",
        insurance=Insurance.RESIDENT_PENSION,
        enrolled_on=datetime.date(2021, 6, 1),
        town=town,
        village=village,
        contribution=300,
        source=EnrolmentRecord.Source.MANUAL,
    )
    upload = EntrySheetUpload.objects.create(
        user=user,
        file_name=f"{mark}.xlsx",
        rows=[_sheet_row(entry)],
    )
    submitted = datetime.datetime(2021, 7, 1, 9, tzinfo=SHANGHAI)
    report = Report.objects.create(
        campaign=campaign,
        period=datetime.date(2021, 6, 1),
        town=town,
        progress=f"{mark}进展",
        problems=f"{mark}问题",
        measures=f"{mark}措施",
        status=Report.Status.SUBMITTED,
        first_submitted_at=submitted,
        submitted_at=submitted,
        figures={"as_of": "2021-06-30", "time_progress": 0.361, "indicators": []},
    )
    attachment = ReportAttachment.objects.create(
        report=report,
        file=ContentFile(f"{mark}附件内容".encode(), name="a.pdf"),
        original_name=f"{mark}附件.pdf",
        kind=ReportAttachment.Kind.DOCUMENT,
        size=10,
        uploaded_by=user,
    )
    visit = SupervisionVisit.objects.create(
        campaign=campaign,
        quarter=2,
        town=town,
        visited_on=datetime.date(2021, 6, 15),
        findings=f"{mark}督导发现",
        corrections=f"{mark}整改要求",
        recorded_by=office,
    )
    notice = Notice.objects.create(
        campaign=campaign, town=town, kind=Notice.Kind.REMINDER, title=f"{mark}通知", body=f"{mark}通知内容"
    )
    project = ConstructionProject.objects.create(
        name=f"{mark}工程", permit_number=f"P-{seq}", town=town, permit_date=datetime.date(2021, 5, 1)
    )
    roster = PneumoconiosisRoster.objects.create(
        uscc=employer.key,
        enterprise=f"{mark}矿业",
        town=town,
        workers=10,
        covered_workers=5,
        as_of=datetime.date(2021, 6, 1),
    )
    return Side(
        town, user, village, entry, employer, record, upload, report, attachment, visit, notice, project, roster
    )


@pytest.fixture
def world(chengjiang, fenglu, longjie, users, other_town_user, department_user) -> World:
    office = users[Role.OFFICE]
    batch = BatchFactory(campaign=chengjiang, kind=ListKind.PERSON, label="2021年第一批")
    data_import = DataImport.objects.create(
        campaign=chengjiang, source=DataImport.Source.ENROLMENTS, file_name="参保记录.xlsx", sha256="0" * 64
    )
    department_report = Report.objects.create(
        campaign=chengjiang,
        period=datetime.date(2021, 6, 1),
        department=department_user.department,
        progress="人社进展",
        problems="人社问题",
        measures="人社措施",
    )
    world = World(
        campaign=chengjiang,
        fenglu=_side("fenglu", fenglu, users[Role.TOWN], chengjiang, batch, office, 1),
        longjie=_side("longjie", longjie, other_town_user, chengjiang, batch, office, 2),
        batch=batch,
        data_import=data_import,
        department_report=department_report,
        users=users,
    )
    # A published May bulletin and a confirmed accountability lead of each town.
    now = datetime.datetime(2021, 6, 10, 10, tzinfo=SHANGHAI)
    may = Bulletin.objects.create(
        campaign=chengjiang,
        month=datetime.date(2021, 5, 1),
        status=Bulletin.Status.PUBLISHED,
        title="关于2021年5月工作进展情况的通报",
        snapshot={"month": "2021-05", "label": "2021年5月", "as_of": "2021-05-31", "time_progress": 0.257},
        generated_at=now,
        generated_by=office,
        sequence=1,
        number="澄扩面办通报〔2021〕1号",
        published_at=now,
        published_by=office,
    )
    for side in (world.fenglu, world.longjie):
        side.lead = AccountabilityLead.objects.create(
            campaign=chengjiang,
            town=side.town,
            raised_by=may,
            rules=["consecutive"],
            evidence={"months": []},
            status=AccountabilityLead.Status.CONFIRMED,
            note="确认",
            created_at=now,
            created_by=office,
            decided_at=now,
            decided_by=office,
        )
    _death_list(world)
    return world


def _death_list(world: World) -> None:
    """A current death list of 卫生健康 naming both towns' people, each with its open suggestion."""
    from campaigns.models import Department
    from enrolment.models import EntryMatch, ReferenceList, ReferenceRow

    campaign = world.campaign
    reference_list = ReferenceList(
        campaign=campaign,
        kind="deceased",
        department=Department.objects.get(county=campaign.county, name="卫生健康"),
        as_of=datetime.date(2021, 6, 30),
        file_name="死亡名单.csv",
        sha256="d" * 64,
        status="done",
        is_current=True,
        imported=2,
    )
    sides = (world.fenglu, world.longjie)
    content = "公民身份号码,姓名,死亡日期\n" + "".join(
        f"{side.entry.key},{side.entry.name},2021-05-01\n" for side in sides
    )
    reference_list.file.save("死亡名单.csv", ContentFile(content.encode("utf-8")), save=False)
    reference_list.save()
    for side in sides:
        row = ReferenceRow.objects.create(
            reference_list=reference_list,
            key=side.entry.key,
            name=side.entry.name,
            details={"death_date": "2021-05-01"},
        )
        side.suggestion = EntryMatch.objects.create(
            entry=side.entry, kind="deceased", reference_list=reference_list, reference_row=row
        )
    world.reference_list = reference_list


# --- the classification of every URL pattern ---------------------------------------------------------

Kwargs = Callable[[World, Side], dict]


def none(world: World, side: Side) -> dict:
    return {}


def entry(world: World, side: Side) -> dict:
    return {"pk": side.entry.pk}


def batch(world: World, side: Side) -> dict:
    return {"pk": world.batch.pk}


def region_batch(world: World, side: Side) -> dict:
    # A region's upload, made by the prefecture sweep's tree (none in a county's world: every county role is
    # refused before the lookup).
    from enrolment.models import RegionBatch

    return {"pk": RegionBatch.objects.order_by("pk").values_list("pk", flat=True).first() or 1}


def data_import(world: World, side: Side) -> dict:
    return {"pk": world.data_import.pk}


def upload(world: World, side: Side) -> dict:
    return {"token": side.upload.token}


def period(world: World, side: Side) -> dict:
    return {"period": "2021-06"}


def report(world: World, side: Side) -> dict:
    return {"pk": side.report.pk}


def attachment(world: World, side: Side) -> dict:
    return {"pk": side.attachment.pk}


def visit(world: World, side: Side) -> dict:
    return {"pk": side.visit.pk}


def notice(world: World, side: Side) -> dict:
    return {"pk": side.notice.pk}


def town(world: World, side: Side) -> dict:
    return {"pk": side.town.pk}


def reference_list(world: World, side: Side) -> dict:
    return {"pk": world.reference_list.pk}


def suggestion(world: World, side: Side) -> dict:
    return {"pk": side.suggestion.entry_id, "kind": side.suggestion.kind}


def reference_kind(world: World, side: Side) -> dict:
    return {"kind": "deceased"}


def month(world: World, side: Side) -> dict:
    return {"month": "2021-06"}


def lead(world: World, side: Side) -> dict:
    return {"pk": side.lead.pk}


# route → (url name, kwargs builder, whether the object is a town's (so 龙街's is out of the 凤麓 user's scope)).
# Routes without a town object (None) give the same URL for both towns; their content is still checked.
ROUTES: dict[str, tuple[str, Kwargs, bool]] = {
    "accounts/login/": ("login", none, False),
    "accounts/logout/": ("logout", none, False),
    "accounts/password/": ("password_change", none, False),
    "": ("home", none, False),
    "start/admin/": ("start-admin", none, False),
    "start/office/": ("start-office", none, False),
    "start/town/": ("start-town", none, False),
    "start/department/": ("start-department", none, False),
    "healthz": ("healthz", none, False),
    "batches/": ("batch-list", none, False),
    "batches/upload/": ("batch-upload", none, False),
    "batches/<int:pk>/": ("batch-detail", batch, False),
    "batches/<int:pk>/progress.json": ("batch-progress", batch, False),
    "batches/<int:pk>/rejected.xlsx": ("batch-rejected", batch, False),
    "batches/regions/": ("region-batch-list", none, False),
    "batches/regions/upload/": ("region-batch-upload", none, False),
    "batches/regions/template/<str:kind>.xlsx": (
        "region-batch-template",
        lambda world, side: {"kind": "person"},
        False,
    ),
    "batches/regions/<int:pk>/": ("region-batch-detail", region_batch, True),
    "batches/regions/<int:pk>/progress.json": ("region-batch-progress", region_batch, True),
    "batches/regions/<int:pk>/rejected.xlsx": ("region-batch-rejected", region_batch, True),
    "imports/": ("data-import-list", none, False),
    "imports/upload/": ("data-import-upload", none, False),
    "imports/<int:pk>/": ("data-import-detail", data_import, False),
    "imports/<int:pk>/progress.json": ("data-import-progress", data_import, False),
    "imports/<int:pk>/rejected.xlsx": ("data-import-rejected", data_import, False),
    "entries/": ("entry-list", none, False),
    "entries/export.xlsx": ("entry-export", none, False),
    "entries/bulk-status/": ("entry-bulk-status", none, False),
    "entries/import/": ("entry-import", none, False),
    "entries/import/<uuid:token>/": ("entry-import-preview", upload, True),
    "entries/<int:pk>/": ("entry-detail", entry, True),
    "entries/<int:pk>/reveal/": ("entry-reveal", entry, True),
    "records/": ("records", none, False),
    "records/new/": ("record-new", none, False),
    "records/export.xlsx": ("record-export", none, False),
    "batches/template/<str:kind>.xlsx": ("batch-template", lambda world, side: {"kind": "person"}, False),
    "imports/template/<str:source>.xlsx": ("data-import-template", lambda world, side: {"source": "enrolments"}, False),
    "targets/baselines/template.xlsx": ("baselines-template", none, False),
    "targets/plans/": ("region-plans", none, False),
    "targets/plans/upload/": ("region-plan-upload", none, False),
    "targets/plans/template.xlsx": ("region-plan-template", none, False),
    "progress/export.xlsx": ("progress-export", none, False),
    "references/": ("reference-list", none, False),
    "references/<int:pk>/": ("reference-detail", reference_list, False),
    "references/<int:pk>/progress.json": ("reference-progress", reference_list, False),
    "references/<int:pk>/file": ("reference-file", reference_list, False),
    "references/<int:pk>/rejected.xlsx": ("reference-rejected", reference_list, False),
    "references/templates/<str:kind>.xlsx": ("reference-template", reference_kind, False),
    "suggestions/<int:pk>/<slug:kind>/accept/": ("suggestion-accept", suggestion, True),
    "suggestions/<int:pk>/<slug:kind>/dismiss/": ("suggestion-dismiss", suggestion, True),
    "entries/suggestions/accept/": ("suggestions-accept-bulk", none, False),
    "api/entries/": ("api-entry-list", none, False),
    "api/entries/<int:pk>/": ("api-entry-detail", entry, True),
    "api/progress/": ("api-progress", none, False),
    "progress/": ("progress", none, False),
    "targets/baselines/": ("baselines", none, False),
    "dashboard/": ("dashboard", none, False),
    "dashboard/xlsx": ("dashboard-xlsx", none, False),
    "dashboard/towns/<int:pk>/": ("dashboard-town", town, True),
    "bulletins/": ("bulletins:list", none, False),
    "bulletins/leads/": ("bulletins:leads", none, False),
    "bulletins/leads/<int:pk>/xlsx": ("bulletins:lead-xlsx", lead, True),
    "bulletins/<month:month>/": ("bulletins:detail", month, False),
    "bulletins/<month:month>/print/": ("bulletins:print", month, False),
    "bulletins/<month:month>/xlsx": ("bulletins:xlsx", month, False),
    "bulletins/<month:month>/docx": ("bulletins:docx", month, False),
    "targets/baselines/upload/": ("baselines-upload", none, False),
    "reports/": ("reporting:list", none, False),
    "reports/summary/": ("reporting:summary", none, False),
    "reports/<period:period>/": ("reporting:report", period, False),
    "reports/view/<int:pk>/": ("reporting:view", report, True),
    "reports/view/<int:pk>/return/": ("reporting:return", report, True),
    "reports/view/<int:pk>/accept/": ("reporting:accept", report, True),
    "reports/attachments/<int:pk>/": ("reporting:attachment", attachment, True),
    "reports/attachments/<int:pk>/delete/": ("reporting:attachment-delete", attachment, True),
    "reports/overview/": ("reporting:overview-index", none, False),
    "reports/overview/<anyperiod:period>/": ("reporting:overview", period, False),
    "reports/overview/<anyperiod:period>/export.xlsx": ("reporting:overview-export", period, False),
    "reports/overview/<anyperiod:period>/urge/": ("reporting:overview-urge", period, False),
    "reports/supervision/": ("reporting:supervision", none, False),
    "reports/supervision/new/": ("reporting:supervision-new", none, False),
    "reports/supervision/<int:pk>/": ("reporting:supervision-edit", visit, True),
    "reports/notices/<int:pk>/dismiss/": ("reporting:notice-dismiss", notice, True),
    "api/reports/": ("reporting:api", none, False),
    "audit/": ("audit:log", none, False),
    "audit/export.xlsx": ("audit:export", none, False),
}
PUBLIC = {"login", "healthz"}


def _routes(patterns: list, prefix: str = "") -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == "admin/":
                continue  # swept from the admin registry below
            found += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def test_every_url_pattern_is_classified_for_the_sweep():
    routes = _routes(get_resolver().url_patterns)
    unclassified = sorted(set(routes) - set(ROUTES))
    assert not unclassified, f"classify these URL patterns in {__name__}.ROUTES: {unclassified}"
    assert sorted(set(ROUTES) - set(routes)) == [], "ROUTES lists patterns that no longer exist"


def _url(world: World, route: str, side: Side) -> str:
    name, kwargs, _owned = ROUTES[route]
    return reverse(name, kwargs=kwargs(world, side))


def _text(response) -> str:
    """Everything a response shows: HTML or JSON text, or every string inside an xlsx (or other zip)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode("utf-8", "replace")


def _fingerprint(side: Side) -> list[dict]:
    """Every stored field of a town's rows (the marker texts, statuses, versions...)."""
    rows = []
    for model, filters in (
        (PushEntry, {"town": side.town}),
        (EnrolmentRecord, {"town": side.town}),
        (Village, {"town": side.town}),
        (Report, {"town": side.town}),
        (ReportAttachment, {"report__town": side.town}),
        (SupervisionVisit, {"town": side.town}),
        (Notice, {"town": side.town}),
        (ConstructionProject, {"town": side.town}),
        (PneumoconiosisRoster, {"town": side.town}),
        (EntrySheetUpload, {"user": side.user}),
        (EntrySuggestion, {"entry__town": side.town}),
        (EntryMatch, {"entry__town": side.town}),
    ):
        for obj in model.objects.filter(**filters).order_by("pk"):
            rows.append({"model": model.__name__, **model_to_dict(obj), "_str": str(obj)})
    return rows


def _post_data(world: World) -> dict:
    """A form that would change 龙街's data wherever a view trusted what it was sent."""
    other = world.longjie
    return {
        "action": "submit",
        "progress": "篡改",
        "problems": "篡改",
        "measures": "篡改",
        "comment": "篡改",
        "status": "enrolled",
        "insurance": Insurance.RESIDENT_PENSION,
        "enrolled_on": "2021-06-01",
        "version": other.entry.version,
        "note": "篡改",
        "token": str(other.upload.token),
        "town": other.town.pk,
        "village": other.village.pk,
        "unit": f"town:{other.town.pk}",
        "department": "",
        "name": "篡改",
        "id_number": make_id_number("530481", datetime.date(1990, 3, 3), 77),
        "quarter": 2,
        "visited_on": "2021-06-20",
        "findings": "篡改",
        "corrections": "篡改",
        "corrected": "on",
        "kind": ListKind.PERSON,
        "label": "篡改",
        "scope": "ticked",
        "ids": [other.entry.pk],
    }


ALL_ROUTES = sorted(ROUTES)


# --- 凤麓's town user and 龙街's data -------------------------------------------------------------------


def _assert_nothing_of(side: Side, response, context: str) -> None:
    text = _text(response)
    assert MARK["longjie" if side.town.name == "龙街街道" else "fenglu"] not in text, context
    assert side.entry.key not in text, context
    assert side.record.id_number not in text, context


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_a_town_user_never_sees_another_towns_data_by_get(login, world, route):
    _name, _kwargs, owned = ROUTES[route]
    user = world.fenglu.user
    with time_machine.travel(NOW, tick=False):
        other = login(user).get(_url(world, route, world.longjie))
        _assert_nothing_of(world.longjie, other, route)
        assert other.status_code < 500, (route, other.status_code)
        if owned:
            assert other.status_code in {403, 404, 405}, (route, other.status_code)
        own = login(user).get(_url(world, route, world.fenglu))
        # Filters that name 龙街 and its objects narrow to nothing; they never widen the scope.
        filtered = login(user).get(_url(world, route, world.fenglu), _filters_naming(world.longjie))
    assert own.status_code < 500, (route, own.status_code)
    assert filtered.status_code < 500, (route, filtered.status_code)
    _assert_nothing_of(world.longjie, own, route)
    # (The page may echo the ID number the user typed: only 龙街's stored texts must not come back.)
    assert MARK["longjie"] not in _text(filtered), route


def _filters_naming(side: Side) -> dict:
    return {
        "town": side.town.short_name,
        "village": side.village.pk,
        "q": side.entry.key,
        "kind": ListKind.PERSON,
        "status": "pending",
        "insurance": Insurance.RESIDENT_PENSION,
        "unit": f"town:{side.town.pk}",
        "quarter": 2,
    }


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_a_town_user_never_changes_another_towns_data_by_post(login, world, route):
    before = _fingerprint(world.longjie)
    user = world.fenglu.user
    with time_machine.travel(NOW, tick=False):
        for side in (world.longjie, world.fenglu):
            response = login(user).post(_url(world, route, side), _post_data(world))
            assert response.status_code < 500, (route, response.status_code)
            _assert_nothing_of(world.longjie, response, route)
    assert _fingerprint(world.longjie) == before, route


# Each town object's URL answers its own users: the 404s above are about scope, not about a wrong URL.
OWNERS = {
    "entries/import/<uuid:token>/": Role.TOWN,
    "entries/<int:pk>/": Role.TOWN,
    "api/entries/<int:pk>/": Role.TOWN,
    "reports/view/<int:pk>/": Role.TOWN,
    "reports/attachments/<int:pk>/": Role.TOWN,
    "reports/supervision/<int:pk>/": Role.OFFICE,
    "bulletins/leads/<int:pk>/xlsx": Role.OFFICE,
}


@pytest.mark.parametrize("route", sorted(OWNERS))
def test_the_object_urls_of_the_sweep_are_real(login, world, route):
    user = world.users[OWNERS[route]]
    with time_machine.travel(NOW, tick=False):
        assert login(user).get(_url(world, route, world.fenglu)).status_code == 200
        if OWNERS[route] == Role.OFFICE:
            assert login(user).get(_url(world, route, world.longjie)).status_code == 200
        else:
            assert login(world.longjie.user).get(_url(world, route, world.longjie)).status_code == 200


def test_an_uploaded_sheet_naming_another_towns_entry_changes_nothing(login, world):
    """The queue round-trip: rows that name 龙街's entry ids are not applied, even when confirmed."""
    other = world.longjie.entry
    sheet = EntrySheetUpload.objects.create(
        user=world.fenglu.user,
        file_name="forged.xlsx",
        rows=[_sheet_row(other)],
    )
    before = _fingerprint(world.longjie)
    client = login(world.fenglu.user)
    with time_machine.travel(NOW, tick=False):
        preview = client.get(reverse("entry-import-preview", kwargs={"token": sheet.token}))
        _assert_nothing_of(world.longjie, preview, "preview")
        client.post(reverse("entry-import"), {"token": str(sheet.token)})
    assert _fingerprint(world.longjie) == before


# --- department staff see no town data ---------------------------------------------------------------


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_department_staff_see_no_town_data(login, world, route):
    _name, _kwargs, owned = ROUTES[route]
    user = world.users[Role.DEPARTMENT]
    with time_machine.travel(NOW, tick=False):
        for side in (world.fenglu, world.longjie):
            response = login(user).get(_url(world, route, side))
            assert response.status_code < 500, (route, response.status_code)
            for town in (world.fenglu, world.longjie):
                _assert_nothing_of(town, response, route)
            if owned:
                assert response.status_code in {403, 404, 405}, (route, response.status_code)


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_department_staff_change_no_town_data(login, world, route):
    before = [_fingerprint(world.fenglu), _fingerprint(world.longjie)]
    user = world.users[Role.DEPARTMENT]
    with time_machine.travel(NOW, tick=False):
        for side in (world.fenglu, world.longjie):
            assert login(user).post(_url(world, route, side), _post_data(world)).status_code < 500
    assert [_fingerprint(world.fenglu), _fingerprint(world.longjie)] == before


# --- anonymous visitors -------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ALL_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_login_or_get_401(world, route, method):
    name = ROUTES[route][0]
    before = [_fingerprint(world.fenglu), _fingerprint(world.longjie)]
    with time_machine.travel(NOW, tick=False):
        response = getattr(Client(), method)(_url(world, route, world.longjie), {} if method == "get" else {"x": 1})
    if name in PUBLIC:
        assert response.status_code in {200, 405} if method == "get" else response.status_code < 500
    elif name == "logout":
        assert response.status_code in {302, 405}  # logging out nobody shows nothing
    else:
        assert response.status_code in {302, 401, 405}, (route, response.status_code)
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/"), (route, response.url)
    for side in (world.fenglu, world.longjie):
        _assert_nothing_of(side, response, route)
    assert [_fingerprint(world.fenglu), _fingerprint(world.longjie)] == before


# --- the admin site -----------------------------------------------------------------------------------


def _admin_urls(world: World) -> list[str]:
    objects = {
        PushEntry: world.longjie.entry,
        EnrolmentRecord: world.longjie.record,
        Report: world.longjie.report,
        ReportAttachment: world.longjie.attachment,
        SupervisionVisit: world.longjie.visit,
        Notice: world.longjie.notice,
        ConstructionProject: world.longjie.project,
        PneumoconiosisRoster: world.longjie.roster,
        Village: world.longjie.village,
    }
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        urls += [reverse(f"{base}_changelist"), reverse(f"{base}_add")]
        obj = objects.get(model) or model.objects.order_by("pk").first()
        if obj is not None:
            for action in ("change", "history", "delete"):
                urls.append(reverse(f"{base}_{action}", args=[obj.pk]))
    return urls


@pytest.mark.parametrize("role", [None, Role.OFFICE, Role.TOWN, Role.DEPARTMENT])
def test_only_admins_get_into_the_admin_site(login, world, role):
    client = Client() if role is None else login(world.users[role])
    for url in _admin_urls(world):
        for response in (client.get(url), client.post(url, {"post": "yes"})):
            if role is None:  # not signed in: to the login page
                assert response.status_code == 302, (role, url, response.status_code)
                assert response.url.startswith("/admin/login/"), (role, url)
            else:  # signed in, not an admin: our 403 page
                assert response.status_code == 403, (role, url, response.status_code)
    assert PushEntry.objects.filter(pk=world.longjie.entry.pk).exists()
    assert Report.objects.filter(pk=world.longjie.report.pk).exists()


def test_admins_open_every_admin_page(login, world):
    client = login(world.users[Role.ADMIN])
    for url in _admin_urls(world):
        response = client.get(url)
        # 403: a read-only admin (no add or delete); never an error page.
        assert response.status_code in {200, 403}, (url, response.status_code)

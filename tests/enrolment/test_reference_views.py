"""The department data pages and the suggestions in the town's queue, as their users open them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from campaigns.models import Campaign, Department, Role, Town, User
from enrolment.models import EntryMatch, EntryStatus, EntrySuggestion, ListKind, PushEntry, ReferenceList
from enrolment.services.matching import entries_match
from enrolment.services.references import reference_import
from tests.enrolment.factories import PushEntryFactory
from tests.enrolment.pushlist_files import person_id, write_xlsx
from tests.factories import UserFactory


@pytest.fixture
def health_user(chengjiang: Campaign) -> User:
    department = Department.objects.get(county=chengjiang.county, name="卫生健康")
    return UserFactory(username="weijian1", role=Role.DEPARTMENT, department=department)


@pytest.fixture
def matched(chengjiang: Campaign, fenglu: Town, longjie: Town, tmp_path: Path) -> list[PushEntry]:
    entries = [
        PushEntryFactory(campaign=chengjiang, town=fenglu, kind=ListKind.PERSON, key=person_id(n)) for n in range(3)
    ]
    entries.append(PushEntryFactory(campaign=chengjiang, town=longjie, kind=ListKind.PERSON, key=person_id(9)))
    path = write_xlsx(
        tmp_path / "deaths.xlsx",
        ("姓名", "公民身份号码", "死亡日期"),
        [["甲", person_id(0), "2021-05-01"], ["乙", person_id(1), "2021-05-02"], ["丁", person_id(9), "2021-05-03"]],
    )
    reference_import(campaign=chengjiang, kind="deceased", path=path)
    entries_match(campaign=chengjiang)
    return entries


def test_health_staff_see_only_the_death_template_and_their_lists(login, health_user, tmp_path, chengjiang):
    client = login(health_user)
    page = client.get("/references/").content.decode()
    assert "/references/templates/deceased.xlsx" in page and "student.xlsx" not in page
    template = client.get("/references/templates/deceased.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(template.streaming_content) if template.streaming else template.content))
    rows = list(sheet.active.iter_rows(values_only=True))
    assert rows[0] == ("公民身份号码", "姓名", "死亡日期") and len(rows) == 2
    assert client.get("/entries/").status_code == 403
    assert client.get("/api/entries/").status_code == 403


def test_department_upload_page_queues_the_list_and_refuses_another_kind(
    login, health_user, tmp_path, chengjiang, django_capture_on_commit_callbacks
):
    path = write_xlsx(tmp_path / "d.xlsx", ("姓名", "公民身份号码", "死亡日期"), [["甲", person_id(0), "2021-05-01"]])
    client = login(health_user)
    with path.open("rb") as handle:
        refused = client.post("/references/", {"kind": "student", "as_of": "2021-06-30", "file": handle})
    assert refused.status_code == 400 and not ReferenceList.objects.exists()
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post("/references/", {"kind": "deceased", "as_of": "2021-06-30", "file": handle})
    reference_list = ReferenceList.objects.get()
    assert response.status_code == 302 and response.url == f"/references/{reference_list.pk}/"
    assert reference_list.status == "done" and reference_list.imported == 1 and reference_list.is_current
    assert client.get(response.url).status_code == 200
    assert client.get(f"/references/{reference_list.pk}/file").status_code == 200


def test_the_queue_shows_and_filters_suggestions_of_the_own_town_only(login, town_user, matched):
    client = login(town_user)
    page = client.get("/entries/").content.decode()
    assert page.count('data-suggestion="deceased"') == 2
    filtered = client.get("/entries/", {"suggestion": "deceased"}).content.decode()
    assert f'data-entry-id="{matched[2].pk}"' not in filtered and f'data-entry-id="{matched[0].pk}"' in filtered
    assert 'data-testid="suggestions-bulk"' in filtered
    response = client.post("/entries/suggestions/accept/", {"suggestion": "deceased", "next": "/entries/"})
    assert response.status_code == 302
    statuses = dict(PushEntry.objects.values_list("pk", "status"))
    assert statuses[matched[0].pk] == statuses[matched[1].pk] == EntryStatus.NOT_DUE
    assert statuses[matched[2].pk] == statuses[matched[3].pk] == EntryStatus.PENDING


def test_the_entry_page_lists_the_suggestion_with_its_source_and_accepts_it(login, town_user, matched):
    client = login(town_user)
    page = client.get(f"/entries/{matched[0].pk}/").content.decode()
    assert "卫生健康" in page and "2021-05-01" in page and 'data-testid="suggestion-accept"' in page
    assert f'action="/suggestions/{matched[0].pk}/deceased/accept/"' in page
    client.post(f"/suggestions/{matched[0].pk}/deceased/dismiss/", {"reason": ""})
    assert EntryMatch.objects.filter(entry=matched[0], kind="deceased").exists()
    assert not EntrySuggestion.objects.exists()
    client.post(f"/suggestions/{matched[0].pk}/deceased/accept/")
    assert PushEntry.objects.get(pk=matched[0].pk).not_due_reason == "deceased"
    decided = EntrySuggestion.objects.get(entry=matched[0])
    assert (decided.status, decided.decided_by) == ("accepted", town_user)
    page = client.get(f"/entries/{matched[0].pk}/").content.decode()
    assert 'data-testid="suggestion-accept"' not in page and "采纳" in page
    # Another town's entry, and a kind it has no suggestion of: not found.
    assert client.post(f"/suggestions/{matched[3].pk}/deceased/accept/").status_code == 404
    assert client.post(f"/suggestions/{matched[3].pk}/deceased/dismiss/", {"reason": "x"}).status_code == 404
    assert client.post(f"/suggestions/{matched[1].pk}/student/accept/").status_code == 404
    assert PushEntry.objects.get(pk=matched[3].pk).status == EntryStatus.PENDING


def test_the_dashboard_counts_the_entries_each_departments_data_resolved(login, admin_user, town_user, matched):
    from enrolment.services.suggestions import suggestions_accept_bulk

    suggestions_accept_bulk(user=town_user, entries=PushEntry.objects.for_user(town_user), kind="deceased")
    page = login(admin_user).get("/dashboard/").content.decode()
    assert 'data-testid="resolved-by-source"' in page
    section = page.split('data-testid="resolved-by-source"', 1)[1].split("</table>", 1)[0]
    assert "卫生健康" in section and ">2<" in section

"""The queue worked quickly: one status for many entries, save and next, a pager with its total, a funnel adding up."""

from __future__ import annotations

import pytest

from enrolment.models import EntryStatus, PushEntry
from enrolment.services.entries import entries_status_set
from tests.enrolment.factories import PushEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fenglu_entries(chengjiang, fenglu, fenglu_entry):
    return [fenglu_entry, *PushEntryFactory.create_batch(4, campaign=chengjiang, town=fenglu, batch=fenglu_entry.batch)]


def test_ticked_entries_get_one_status_in_one_post(login, town_user, fenglu_entries):
    ticked = fenglu_entries[:3]
    response = login(town_user).post(
        "/entries/bulk-status/", {"scope": "ticked", "ids": [e.pk for e in ticked], "status": "unreachable"}
    )
    assert response.status_code == 302
    assert sorted(PushEntry.objects.filter(status="unreachable").values_list("pk", flat=True)) == sorted(
        e.pk for e in ticked
    )
    assert PushEntry.objects.filter(status="pending").count() == 2
    entry = PushEntry.objects.get(pk=ticked[0].pk)
    assert entry.version == ticked[0].version + 1 and entry.status_changed_by == town_user
    assert entry.history.first().history_change_reason == "待核查→无法联系"


def test_every_entry_of_the_filter_gets_the_status_when_asked(login, town_user, fenglu_entries, longjie_entry):
    client = login(town_user)
    page = client.get("/entries/", {"status": "pending"})
    expected = page.context["total"]
    assert expected == 5
    response = client.post(
        "/entries/bulk-status/",
        {"scope": "filtered", "query": "status=pending", "expected": expected, "status": "unreachable"},
    )
    assert response.status_code == 302 and response["Location"] == "/entries/?status=pending"
    assert PushEntry.objects.filter(town=town_user.town, status="unreachable").count() == 5
    assert PushEntry.objects.get(pk=longjie_entry.pk).status == "pending"  # another town's entry is untouched


def test_a_filtered_selection_that_changed_since_the_page_is_refused(login, town_user, fenglu_entries):
    response = login(town_user).post(
        "/entries/bulk-status/",
        {"scope": "filtered", "query": "status=pending", "expected": 3, "status": "unreachable"},
        follow=True,
    )
    assert "筛选结果已变为 5 条" in response.content.decode()
    assert not PushEntry.objects.filter(status="unreachable").exists()


def test_a_bulk_change_the_rules_refuse_changes_nothing_and_names_the_field(login, town_user, fenglu_entries):
    response = login(town_user).post(
        "/entries/bulk-status/",
        {"scope": "ticked", "ids": [e.pk for e in fenglu_entries], "status": "refused"},
        follow=True,
    )
    assert "备注：标记为“拒绝参保”时必须在备注中说明情况" in response.content.decode()
    assert not PushEntry.objects.exclude(status="pending").exists()


def test_a_tick_for_another_towns_entry_changes_nothing_at_all(login, town_user, fenglu_entries, longjie_entry):
    ids = [fenglu_entries[0].pk, longjie_entry.pk]
    response = login(town_user).post(
        "/entries/bulk-status/", {"scope": "ticked", "ids": ids, "status": "unreachable"}, follow=True
    )
    assert "有 1 条不存在或不在您的管辖范围内，未作任何修改" in response.content.decode()
    assert not PushEntry.objects.filter(status="unreachable").exists()


def test_nothing_ticked_is_said_so(login, town_user, fenglu_entries):
    response = login(town_user).post("/entries/bulk-status/", {"scope": "ticked", "status": "unreachable"}, follow=True)
    assert "请先勾选要修改的条目" in response.content.decode()


def test_office_staff_cannot_bulk_change(login, office_user, fenglu_entries):
    response = login(office_user).post(
        "/entries/bulk-status/", {"scope": "ticked", "ids": [fenglu_entries[0].pk], "status": "unreachable"}
    )
    assert response.status_code == 403
    assert not PushEntry.objects.filter(status="unreachable").exists()


def test_the_service_counts_entries_already_holding_the_status(town_user, fenglu_entries):
    PushEntry.objects.filter(pk=fenglu_entries[0].pk).update(status="unreachable")
    plan = entries_status_set(user=town_user, entry_ids=[e.pk for e in fenglu_entries], status="unreachable")
    assert (len(plan.changes), plan.unchanged) == (4, 1)


def test_the_status_rules_name_every_wrong_field_at_once(login, town_user, fenglu_entry):
    response = login(town_user).post(
        f"/entries/{fenglu_entry.pk}/", {"status": "enrolled", "version": fenglu_entry.version}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"insurance", "enrolled_on"}
    page = response.content.decode()
    assert "参保险种：标记为“已参保”时必须选择参保险种" in page
    assert "参保日期：标记为“已参保”时必须填写参保日期" in page


def test_save_and_next_opens_the_next_pending_entry(login, town_user, fenglu_entries):
    first, second = fenglu_entries[0], fenglu_entries[1]
    response = login(town_user).post(
        f"/entries/{first.pk}/",
        {"status": "unreachable", "version": first.version, "and_next": "1"},
    )
    assert response.status_code == 302 and response["Location"] == f"/entries/{second.pk}/"


def test_save_and_next_on_the_last_pending_entry_goes_back_to_the_queue(login, town_user, fenglu_entry):
    response = login(town_user).post(
        f"/entries/{fenglu_entry.pk}/",
        {"status": "unreachable", "version": fenglu_entry.version, "and_next": "1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/entries/"
    assert "已没有待核查的条目" in response.content.decode()


def test_the_pager_shows_the_total_and_the_last_page(login, town_user, chengjiang, fenglu, fenglu_entry):
    PushEntryFactory.create_batch(11, campaign=chengjiang, town=fenglu, batch=fenglu_entry.batch)
    response = login(town_user).get("/entries/", {"per_page": 5})
    page = response.content.decode()
    assert "共 12 条，第 1／3 页" in page
    assert "末页（3）" in page and "page=3" in page
    filtered = login(town_user).get("/entries/", {"per_page": 5, "q": "不存在的人"})
    assert "共 0 条" in filtered.content.decode()


def test_the_funnel_counts_every_status_and_its_parts_add_up(login, town_user, fenglu_entry, chengjiang, fenglu):
    batch = fenglu_entry.batch
    for status in (EntryStatus.ENROLLED, EntryStatus.REFUSED, EntryStatus.UNREACHABLE):
        PushEntryFactory(campaign=chengjiang, town=fenglu, status=status, batch=batch)
    PushEntryFactory(
        campaign=chengjiang, town=fenglu, status=EntryStatus.NOT_DUE, not_due_reason="student", batch=batch
    )
    PushEntryFactory(campaign=chengjiang, town=fenglu, status=EntryStatus.UNREACHABLE, batch=batch)
    funnel = login(town_user).get("/entries/").context["funnel"]
    assert (funnel.pending, funnel.enrolled, funnel.not_due, funnel.refused, funnel.unreachable) == (1, 1, 1, 1, 2)
    assert sum(count for _status, _label, count in funnel.parts()) == funnel.pushed == 6
    assert funnel.open == 4

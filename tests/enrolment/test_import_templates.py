"""Each upload page offers a template: the headers its importer reads, one example row, the required columns."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from audit.models import AccessLog
from enrolment.models import ListKind
from enrolment.services.data_imports import columns_for_source
from enrolment.services.pushlist_import import columns_for
from enrolment.tabular import open_table
from targets.services.baselines import BASELINE_COLUMNS

pytestmark = pytest.mark.django_db


def _sheet(response):
    book = load_workbook(BytesIO(response.content))
    return list(book.worksheets[0].iter_rows(values_only=True)), book


@pytest.mark.parametrize("kind", ListKind.values)
def test_a_push_list_template_is_read_back_by_its_importer(login, admin_user, kind, tmp_path) -> None:
    response = login(admin_user).get(f"/batches/template/{kind}.xlsx")
    assert response.status_code == 200
    rows, book = _sheet(response)
    columns = columns_for(kind)
    assert list(rows[0]) == [column.label for column in columns]
    assert all(value not in (None, "") for value, column in zip(rows[1], columns, strict=True) if column.required)
    assert "填写说明" in book.sheetnames
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.content)
    with open_table(path, columns, original_name="template.xlsx") as table:
        assert set(table.fields) == {column.field for column in columns}  # every header recognised
        assert len(list(table.rows)) == 1  # and the example row below it
    assert AccessLog.objects.filter(action="download", what=f"batch_template:{kind}").exists()


def test_the_upload_pages_link_their_templates_and_name_the_required_columns(login, admin_user) -> None:
    client = login(admin_user)
    batch_page = client.get("/batches/upload/").content.decode()
    assert f"/batches/template/{ListKind.PERSON}.xlsx" in batch_page and "必填列" in batch_page
    data_page = client.get("/imports/upload/").content.decode()
    assert "/imports/template/enrolments.xlsx" in data_page
    required = [column.label for column in columns_for_source("enrolments") if column.required]
    assert "、".join(required) in data_page
    baselines_page = client.get("/targets/baselines/").content.decode()
    assert "/targets/baselines/template.xlsx" in baselines_page


def test_the_data_and_baseline_templates_hold_their_headers(login, admin_user) -> None:
    client = login(admin_user)
    rows, _book = _sheet(client.get("/imports/template/enrolments.xlsx"))
    assert list(rows[0]) == [column.label for column in columns_for_source("enrolments")]
    rows, _book = _sheet(client.get("/targets/baselines/template.xlsx"))
    assert list(rows[0]) == [column.label for column in BASELINE_COLUMNS]
    assert client.get("/imports/template/nothing.xlsx").status_code == 404


def test_town_staff_get_no_template(login, town_user) -> None:
    assert login(town_user).get(f"/batches/template/{ListKind.PERSON}.xlsx").status_code == 403

"""Every page each role can open, opened in a real browser: it renders, in Chinese, without a server error,
and no form sits inside another (the browser would drop it and break the outer one).

The feature tests drive the important journeys; this tour makes sure no page is only ever seen by the test client.
"""

from __future__ import annotations

import datetime

import pytest

from campaigns.models import Campaign, Role, User
from enrolment.models import DataImport, ImportStatus
from reporting.models import Report, ReportAttachment
from tests.enrolment.factories import BatchFactory, PushEntryFactory
from tests.html import nested_forms
from tests.test_url_matrix import PATHS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Logging out ends the tour; /healthz is JSON for load balancers; the bulk actions answer only POST (a GET is an
# empty 405, which the browser shows as a network error).
SKIP = {"/accounts/logout/", "/healthz", "/entries/bulk-status/", "/entries/suggestions/accept/"}


@pytest.fixture
def objects(chengjiang: Campaign, fenglu, town_user: User) -> dict[str, str]:
    batch = BatchFactory(campaign=chengjiang, label="2021年第一批", status=ImportStatus.DONE)
    entry = PushEntryFactory(campaign=chengjiang, town=fenglu, batch=batch, name="张凤麓")
    data_import = DataImport.objects.create(
        campaign=chengjiang,
        source=DataImport.Source.ENROLMENTS,
        file_name="参保记录.xlsx",
        sha256="0" * 64,
        status=ImportStatus.DONE,
    )
    report = Report.objects.create(
        campaign=chengjiang,
        period=datetime.date(2021, 6, 1),
        town=fenglu,
        progress="进展",
        problems="问题",
        measures="措施",
        status=Report.Status.SUBMITTED,
        first_submitted_at=datetime.datetime(2021, 7, 1, 2, tzinfo=datetime.UTC),
        submitted_at=datetime.datetime(2021, 7, 1, 2, tzinfo=datetime.UTC),
    )
    draft = Report.objects.create(campaign=chengjiang, period=datetime.date(2021, 7, 1), town=fenglu, progress="草稿")
    ReportAttachment.objects.create(
        report=draft, file="reports/x.pdf", original_name="进展.pdf", kind="document", size=8, uploaded_by=town_user
    )
    return {
        "entry": f"/entries/{entry.pk}/",
        "batch": f"/batches/{batch.pk}/",
        "data_import": f"/imports/{data_import.pk}/",
        "report": f"/reports/view/{report.pk}/",
        "period": "/reports/2021-06/",
        "draft with an attachment": "/reports/2021-07/",
        "overview": "/reports/overview/2021-06/",
    }


@pytest.mark.parametrize("role", Role.values)
def test_every_page_of_a_role_renders_in_the_browser(
    browser_page: object, users: dict[str, User], objects: dict[str, str], role: str
) -> None:
    page = browser_page
    page.login(users[role])
    opened = 0
    for path in [p for p in PATHS if p not in SKIP] + list(objects.values()):
        if path.endswith("xlsx"):  # a download, fetched with the browser's own session
            assert page.request.get(path).status < 500, (role, path)
            continue
        response = page.goto(path)
        assert response.status < 500, (role, path, response.status)
        if response.status == 200 and "html" in (response.headers.get("content-type") or ""):
            opened += 1
            assert page.locator("html").get_attribute("lang") == "zh-CN", path
            assert "Traceback" not in page.content(), path
            assert nested_forms(response.text()) == [], (role, path)
    assert opened >= 8, f"{role} opened only {opened} pages"

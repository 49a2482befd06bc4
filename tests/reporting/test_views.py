from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from campaigns.models import Role, Town, User
from reporting.models import Notice, Report, ReportAttachment, SupervisionVisit
from reporting.schedule import Period
from reporting.services import report_save, report_submit
from tests.reporting.conftest import TEXTS

ROLES = ["admin_user", "office_user", "town_user", "other_town_user", "department_user"]


@pytest.fixture
def filed(june: Period, town_user: User, travel: object) -> Report:
    """凤麓街道's June report, submitted on time with one attachment."""
    with travel(2021, 7, 1, 10):
        return report_submit(
            period=june,
            unit=town_user.town,
            user=town_user,
            files=[SimpleUploadedFile("进展.pdf", b"%PDF-1.4")],
            **TEXTS,
        )


def get_status(request: pytest.FixtureRequest, login: object, role: str, url: str, method: str = "get") -> int:
    user = request.getfixturevalue(role)
    client = login(user)
    return getattr(client, method)(url).status_code


# Expected status per role: admin, office, 凤麓 (owner), 龙街 (another town), 人社 (a department).
CASES = [
    ("/reports/", "get", [302, 302, 200, 200, 200]),
    ("/reports/2021-06/", "get", [302, 302, 200, 200, 200]),
    ("/reports/summary/", "get", [302, 302, 200, 200, 200]),
    ("/reports/2021-03/", "get", [404, 404, 404, 404, 404]),
    ("/reports/2021-13/", "get", [404, 404, 404, 404, 404]),
    ("/reports/view/{report}/", "get", [200, 200, 200, 404, 404]),
    ("/reports/view/{report}/accept/", "post", [302, 302, 403, 403, 403]),
    ("/reports/view/{report}/return/", "post", [302, 302, 403, 403, 403]),
    ("/reports/attachments/{attachment}/", "get", [200, 200, 200, 404, 404]),
    ("/reports/attachments/{attachment}/delete/", "post", [403, 403, 302, 404, 404]),
    ("/reports/overview/", "get", [200, 200, 403, 403, 403]),
    ("/reports/overview/2021-06/", "get", [200, 200, 403, 403, 403]),
    ("/reports/overview/summary/", "get", [200, 200, 403, 403, 403]),
    ("/reports/overview/2021-03/", "get", [404, 404, 403, 403, 403]),
    ("/reports/overview/2021-06/export.xlsx", "get", [200, 200, 403, 403, 403]),
    ("/reports/supervision/", "get", [200, 200, 200, 200, 200]),
    ("/reports/supervision/new/", "get", [200, 200, 403, 403, 403]),
    ("/reports/supervision/{visit}/", "get", [200, 200, 403, 403, 403]),
    ("/reports/notices/{notice}/dismiss/", "post", [404, 404, 302, 404, 404]),
    ("/api/reports/?period=2021-06", "get", [200, 200, 200, 200, 200]),
]


@pytest.mark.parametrize(("url", "method", "expected"), CASES)
def test_every_url_for_every_role(
    request: pytest.FixtureRequest,
    login: object,
    filed: Report,
    office_user: User,
    fenglu: Town,
    travel: object,
    url: str,
    method: str,
    expected: list[int],
) -> None:
    visit = SupervisionVisit.objects.create(
        campaign=filed.campaign,
        quarter=3,
        town=fenglu,
        visited_on="2021-08-10",
        findings="台账不全",
        recorded_by=office_user,
    )
    notice = Notice.objects.create(campaign=filed.campaign, town=fenglu, kind=Notice.Kind.REMINDER, title="提醒")
    url = url.format(report=filed.pk, attachment=filed.attachments.get().pk, visit=visit.pk, notice=notice.pk)
    with travel(2021, 7, 5, 9):
        got = [get_status(request, login, role, url, method) for role in ROLES]
    assert got == expected


@pytest.mark.parametrize("url", [case[0] for case in CASES if "{" not in case[0]])
def test_anonymous_users_are_sent_to_log_in(client, chengjiang: object, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (302, 401)


def test_a_town_user_saves_then_submits_through_the_form(june: Period, town_user: User, login, travel) -> None:
    client = login(town_user)
    with travel(2021, 7, 1, 10):
        draft = {"progress": "进展", "problems": "", "measures": ""}
        response = client.post("/reports/2021-06/", {**draft, "action": "save"})
        assert response.status_code == 302
        page = client.get("/reports/2021-06/").content.decode()
        assert "进展" in page and "草稿" in page
        response = client.post("/reports/2021-06/", {**draft, "action": "submit"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "报送前请填写“存在问题”。" in page and "报送前请填写“对策措施”。" in page
        response = client.post("/reports/2021-06/", {**TEXTS, "action": "submit"})
        assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.SUBMITTED and report.progress == TEXTS["progress"]
    with travel(2021, 7, 1, 11):
        page = client.get("/reports/2021-06/").content.decode()
        assert "已报" in page and TEXTS["measures"] in page and 'name="progress"' not in page
        response = client.post("/reports/2021-06/", {**TEXTS, "progress": "篡改", "action": "save"}, follow=True)
    assert "不能修改" in response.content.decode()
    assert Report.objects.get().progress == TEXTS["progress"]


@pytest.mark.parametrize("role", ["office_user", "admin_user"])
def test_the_office_opening_a_filing_page_is_sent_to_the_overview(
    request: pytest.FixtureRequest, june: Period, login, travel, role: str
) -> None:
    with travel(2021, 7, 1, 10):
        response = login(request.getfixturevalue(role)).get("/reports/2021-06/", follow=True)
        summary = login(request.getfixturevalue(role)).get("/reports/summary/")
    assert response.redirect_chain == [("/reports/overview/2021-06/", 302)]
    assert "各单位的2021年6月报告请在报送情况中查看。" in response.content.decode()
    assert summary["Location"] == "/reports/overview/summary/"


def test_a_post_to_a_filing_page_by_the_office_changes_nothing(june: Period, office_user: User, login, travel) -> None:
    with travel(2021, 7, 1, 10):
        response = login(office_user).post("/reports/2021-06/", {**TEXTS, "action": "submit"})
    assert response.status_code == 302
    assert not Report.objects.exists()


def test_a_town_page_shows_its_figures_read_only(june: Period, town_user: User, login, travel) -> None:
    with travel(2021, 7, 1, 10):
        page = login(town_user).get("/reports/2021-06/").content.decode()
    assert 'data-testid="report-figures"' in page and "截至 2021-06-30" in page


def test_a_bad_attachment_is_refused_in_chinese(june: Period, town_user: User, login, travel) -> None:
    with travel(2021, 7, 1, 10):
        response = login(town_user).post(
            "/reports/2021-06/",
            {**TEXTS, "action": "save", "attachments": [SimpleUploadedFile("x.exe", b"MZ")]},
        )
    assert response.status_code == 200
    assert "类型不允许" in response.content.decode()
    assert not ReportAttachment.objects.exists()


def test_the_office_returns_with_a_comment_and_the_unit_sees_it(
    filed: Report, office_user: User, town_user: User, login, travel
) -> None:
    with travel(2021, 7, 3, 9):
        response = login(office_user).post(f"/reports/view/{filed.pk}/return/", {"comment": ""}, follow=True)
        assert "退回时请填写退回意见。" in response.content.decode()
        login(office_user).post(f"/reports/view/{filed.pk}/return/", {"comment": "请补充问题分析。"})
        page = login(town_user).get("/reports/2021-06/").content.decode()
    assert "请补充问题分析。" in page and 'name="progress"' in page
    filed.refresh_from_db()
    assert filed.status == Report.Status.RETURNED


def test_the_overview_lists_every_unit_and_exports_xlsx(filed: Report, office_user: User, login, travel) -> None:
    client = login(office_user)
    with travel(2021, 7, 5, 9):
        page = client.get("/reports/overview/2021-06/").content.decode()
        response = client.get("/reports/overview/2021-06/export.xlsx")
    assert page.count("<tr data-unit=") == 21
    assert "已报" in page and "未报" in page and TEXTS["problems"] in page
    sheet = load_workbook(BytesIO(response.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert len(rows) == 21
    assert rows["凤麓街道"][2:5] == ("已报", "否", "2021-07-01 10:00")
    assert rows["凤麓街道"][6] == TEXTS["progress"]
    assert rows["人社"][2] == "未报"


def test_the_office_does_not_read_drafts(june: Period, town_user: User, office_user: User, login, travel) -> None:
    with travel(2021, 7, 1, 10):
        report = report_save(
            period=june, unit=town_user.town, user=town_user, progress="草稿", problems="", measures=""
        )
    assert login(office_user).get(f"/reports/view/{report.pk}/").status_code == 404
    assert login(town_user).get(f"/reports/view/{report.pk}/").status_code == 302


def test_the_office_records_a_supervision_visit(chengjiang: object, office_user: User, fenglu: Town, login) -> None:
    client = login(office_user)
    data = {
        "unit": f"town:{fenglu.pk}",
        "quarter": 3,
        "visited_on": "2021-08-10",
        "findings": "台账不全",
        "corrections": "补齐台账",
        "correct_by": "2021-08-31",
        "corrected": "on",
        "corrected_on": "",
    }
    response = client.post("/reports/supervision/new/", data)
    assert response.status_code == 200 and "整改完成日期" in response.content.decode()
    response = client.post("/reports/supervision/new/", {**data, "corrected_on": "2021-08-25"})
    assert response.status_code == 302
    visit = SupervisionVisit.objects.get()
    assert visit.town == fenglu and visit.corrected_on.isoformat() == "2021-08-25"
    response = client.post("/reports/supervision/new/", {**data, "corrected_on": "2021-08-25"})
    assert response.status_code == 200 and "已有督导记录" in response.content.decode()


def test_units_see_only_their_own_supervision_visits(
    chengjiang: object, office_user: User, town_user: User, other_town_user: User, fenglu: Town, login
) -> None:
    SupervisionVisit.objects.create(
        campaign=chengjiang,
        quarter=3,
        town=fenglu,
        visited_on="2021-08-10",
        findings="台账不全",
        recorded_by=office_user,
    )
    assert "台账不全" in login(town_user).get("/reports/supervision/").content.decode()
    assert "台账不全" not in login(other_town_user).get("/reports/supervision/").content.decode()


@pytest.mark.parametrize("role", [Role.TOWN, Role.DEPARTMENT, Role.OFFICE])
def test_the_start_page_shows_the_reporting_panel(users: dict, login, role: str, travel) -> None:
    with travel(2021, 7, 1, 10):
        page = login(users[role]).get(f"/start/{role}/").content.decode()
    assert 'data-testid="reporting-panel"' in page and "2021年6月" in page


def test_the_year_end_summary_goes_through_the_same_flow(chengjiang: object, town_user: User, login, travel) -> None:
    client = login(town_user)
    with travel(2021, 12, 5, 20):
        response = client.post("/reports/summary/", {**TEXTS, "action": "submit"})
        assert response.status_code == 302 and response["Location"] == "/reports/summary/"
        page = client.get("/reports/summary/").content.decode()
        body = client.get("/api/reports/?period=summary").json()
    report = Report.objects.get()
    assert report.kind == Report.Kind.SUMMARY and report.period.isoformat() == "2021-12-01"
    assert report.figures["as_of"] == "2021-11-30"
    assert "2021年度工作总结" in page and "已报" in page
    assert body["units"][0]["status"] == "submitted" and body["units"][0]["late"] is False


def test_overdue_counters_stop_at_the_campaign_end(chengjiang: object, town_user: User, login, travel) -> None:
    with travel(2021, 7, 10, 9):
        body = login(town_user).get("/reports/").content.decode()
    # June's report was due 2021-07-02.
    assert "已逾期 8 天" in body
    with travel(2026, 6, 1, 9):
        body = login(town_user).get("/reports/").content.decode()
    # Counted to 2021-12-31, the campaign's end: 182 days, not 1,795.
    assert "已逾期 182 天" in body
    assert "已逾期 1795 天" not in body


def test_a_submission_freezes_the_assessed_figures(june: Period, town_user: User, login, travel) -> None:
    from targets.models import Target
    from targets.services import progress_recompute

    with travel(2021, 7, 1, 10):
        report = report_submit(period=june, unit=town_user.town, user=town_user, **TEXTS)
    frozen = {item["code"]: item["figures"] for item in report.figures["indicators"]}
    resident = frozen["resident_pension_insured"]
    assert (resident["status"], resident["completion"], resident["new"]) == ("no_baseline", None, None)
    assert {"level_completion", "composite", "composite_rank"} <= set(resident)
    assert frozen["resident_to_employee_transfer"]["status"] == "behind"
    # A baseline set and recomputed afterwards changes the live figures, not the submitted report.
    Target.objects.filter(indicator__code="resident_pension_insured", town=town_user.town).update(baseline=6000)
    progress_recompute(campaign=june.campaign, as_of=june.figures_as_of)
    report.refresh_from_db()
    assert {item["code"]: item["figures"] for item in report.figures["indicators"]} == frozen
    with travel(2021, 7, 1, 11):
        page = login(town_user).get("/reports/2021-06/").content.decode()
    assert "基数未设置" in page and "报送时已固定" in page


def test_a_report_frozen_before_the_statuses_reads_as_it_was(june: Period, town_user: User, login, travel) -> None:
    old = {
        "as_of": "2021-06-30",
        "time_progress": 0.361,
        "indicators": [
            {
                "code": "resident_pension_insured",
                "name": "城乡居民基本养老保险参保人数",
                "unit": "人",
                "kind": "count",
                "figures": {
                    "target": 6550,
                    "baseline": 0,
                    "actual": 3,
                    "completion": 0.0005,
                    "behind": True,
                    "rank": 1,
                },
            }
        ],
    }
    with travel(2021, 7, 1, 10):
        report = report_submit(period=june, unit=town_user.town, user=town_user, **TEXTS)
    Report.objects.filter(pk=report.pk).update(figures=old)
    with travel(2021, 7, 1, 11):
        page = login(town_user).get("/reports/2021-06/").content.decode()
    assert "0.1%" in page and "滞后" in page and "基数未设置" not in page
    report.refresh_from_db()
    assert report.figures == old


def test_a_submitted_report_reads_its_status_once_and_a_late_one_says_迟报_once(
    june: Period, town_user: User, login, travel
) -> None:
    with travel(2021, 7, 5, 10):
        report_submit(period=june, unit=town_user.town, user=town_user, **TEXTS)
        page = login(town_user).get("/reports/2021-06/").content.decode()
    assert "报告已已" not in page and "报告状态为“已报送”，不能修改。" in page
    header = page[page.index('<h1 class="h4">') : page.index("</p>", page.index('<h1 class="h4">'))]
    assert header.count("迟报") == 1

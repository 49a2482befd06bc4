import pytest

from campaigns.models import User
from tests.targets.helpers import new_id_number, write_records_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_uploads_an_enrolment_export_and_sees_what_became_of_each_row(
    browser_page: object, admin_user: User, tmp_path
) -> None:
    rows = [
        ["张一", new_id_number(), "城乡居民基本养老保险", "2021-06-03", "凤麓街道", "", "300", ""],
        ["坏号", "530481199001011235", "失业保险", "2021-06-01", "凤麓街道", "", "", ""],
    ]
    path = write_records_csv(tmp_path / "参保数据.csv", rows)
    page = browser_page
    page.login(admin_user)
    page.get_by_role("link", name="数据导入").first.click()
    page.get_by_test_id("upload-link").click()
    page.select_option("#id_source", "enrolments")
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("upload-submit").click()
    page.get_by_test_id("data-import-counts").wait_for()
    assert page.get_by_test_id("created").inner_text() == "1"
    assert page.get_by_test_id("rejected").inner_text() == "1"
    assert page.get_by_test_id("rejected-download").is_visible()

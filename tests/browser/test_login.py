import pytest

from campaigns.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("user_fixture", "start_title"),
    [
        ("town_user", "镇(街道)工作台"),
        ("office_user", "领导小组办公室工作台"),
        ("admin_user", "管理员工作台"),
        ("department_user", "部门工作台"),
    ],
)
def test_each_role_lands_on_its_start_page_after_logging_in(
    browser_page: object, request: pytest.FixtureRequest, user_fixture: str, start_title: str
) -> None:
    user: User = request.getfixturevalue(user_fixture)
    browser_page.login(user)
    assert browser_page.get_by_test_id("start-title").inner_text() == start_title
    assert "2021年澄江市社会保险全民参保扩面专项行动" in browser_page.content()


def test_a_wrong_password_shows_a_chinese_error(browser_page: object, town_user: User) -> None:
    browser_page.login(town_user, password="wrong-password")
    assert "用户名或密码错误" in browser_page.content()

import datetime

import pytest

from enrolment.models import Insurance
from targets.services import progress_recompute
from tests.targets.helpers import project, record

URLS = [
    "/admin/targets/progresssnapshot/",
    "/admin/targets/progressstate/",
    "/admin/enrolment/enrolmentrecord/",
    "/admin/enrolment/constructionproject/",
    "/admin/enrolment/pneumoconiosisroster/",
    "/admin/enrolment/dataimport/",
]


@pytest.mark.parametrize("url", URLS)
def test_admins_open_the_achieved_work_and_progress_lists(login, admin_user, chengjiang, fenglu, url) -> None:
    record(chengjiang, fenglu, Insurance.RESIDENT_PENSION, datetime.date(2021, 6, 1))
    project(fenglu, datetime.date(2021, 6, 1), insured=True)
    progress_recompute(campaign=chengjiang, as_of=datetime.date(2021, 6, 30))
    assert login(admin_user).get(url).status_code == 200


@pytest.mark.parametrize("url", URLS)
def test_other_roles_are_kept_out_of_the_admin(login, office_user, town_user, department_user, url) -> None:
    for user in (office_user, town_user, department_user):
        assert login(user).get(url).status_code == 403

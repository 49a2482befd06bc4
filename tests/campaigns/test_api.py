"""The one JSON style: every JSON endpoint refuses in the same shape, {"detail": "…"} in Chinese."""

from __future__ import annotations

import pytest
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.test import RequestFactory
from django.urls import reverse

from campaigns.api import ApiError, api_view, campaign_param, date_param
from campaigns.models import Campaign, User
from enrolment.models import Batch, DataImport
from tests.enrolment.factories import BatchFactory


def _is_chinese_detail(body: object) -> bool:
    return isinstance(body, dict) and set(body) == {"detail"} and not str(body["detail"]).isascii()


@pytest.fixture
def json_urls(chengjiang: Campaign) -> list[str]:
    batch = BatchFactory(campaign=chengjiang)
    data_import = DataImport.objects.create(
        campaign=chengjiang, source=DataImport.Source.ENROLMENTS, file_name="x.xlsx", sha256="0" * 64
    )
    return [
        reverse("api-entry-list"),
        reverse("api-entry-detail", args=[1]),
        reverse("api-progress"),
        reverse("reporting:api") + "?period=2021-06",
        reverse("batch-progress", args=[batch.pk]),
        reverse("data-import-progress", args=[data_import.pk]),
    ]


def test_every_json_endpoint_answers_an_anonymous_client_401_in_one_shape(client, json_urls: list[str]) -> None:
    for url in json_urls:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json() == {"detail": "未登录或登录已过期"}, url


def test_every_json_endpoint_refuses_a_missing_permission_403_in_one_shape(
    login, department_user: User, json_urls: list[str]
) -> None:
    client = login(department_user)
    refused = [url for url in json_urls if client.get(url).status_code == 403]
    # Department staff may not see push lists, batches or data imports; progress and reports they may.
    assert len(refused) == 4
    for url in refused:
        assert _is_chinese_detail(client.get(url).json()), url


def test_a_missing_object_is_a_404_in_chinese_not_djangos_english(login, admin_user: User) -> None:
    for url in (reverse("api-entry-detail", args=[999999]), reverse("batch-progress", args=[999999])):
        response = login(admin_user).get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到"}


def test_bad_parameters_are_400s_naming_the_parameter(login, office_user: User) -> None:
    client = login(office_user)
    bad_date = client.get(reverse("api-progress"), {"as_of": "2021/06/30"})
    bad_campaign = client.get(reverse("api-progress"), {"campaign": "x"})
    bad_period = client.get(reverse("reporting:api"), {"period": "2021-13"})
    for response, word in ((bad_date, "as_of"), (bad_campaign, "campaign"), (bad_period, "报告月份")):
        assert response.status_code == 400
        assert _is_chinese_detail(response.json()) and word in response.json()["detail"]


def test_a_campaign_outside_the_users_county_is_not_found(login, town_user: User, chengjiang: Campaign) -> None:
    response = login(town_user).get(reverse("api-progress"), {"campaign": chengjiang.pk + 1000})
    assert response.status_code == 404
    assert response.json() == {"detail": "找不到专项行动"}


@pytest.mark.django_db
def test_api_view_turns_every_refusal_into_the_one_shape(admin_user: User) -> None:
    @api_view()
    def view(request: HttpRequest, what: str) -> None:
        if what == "bad":
            raise ApiError("参数错误")
        if what == "conflict":
            raise ApiError("已被他人修改", status=409)
        if what == "ours":
            raise Http404("找不到专项行动")
        get_object_or_404(Batch, pk=0)

    request = RequestFactory().get("/")
    request.user = admin_user
    answers = {what: view(request, what) for what in ("bad", "conflict", "ours", "django")}
    assert {what: (r.status_code, r.content.decode()) for what, r in answers.items()} == {
        "bad": (400, '{"detail": "参数错误"}'),
        "conflict": (409, '{"detail": "已被他人修改"}'),
        "ours": (404, '{"detail": "找不到专项行动"}'),
        "django": (404, '{"detail": "未找到"}'),
    }


def test_date_param_reads_iso_dates_only() -> None:
    factory = RequestFactory()
    assert date_param(factory.get("/", {"as_of": " "}), "as_of") is None
    assert str(date_param(factory.get("/", {"as_of": "2021-06-30"}), "as_of")) == "2021-06-30"
    with pytest.raises(ApiError, match="as_of"):
        date_param(factory.get("/", {"as_of": "30/06/2021"}), "as_of")


def test_campaign_param_defaults_to_the_current_campaign(office_user: User, chengjiang: Campaign) -> None:
    request = RequestFactory().get("/")
    request.user = office_user
    assert campaign_param(request) == chengjiang

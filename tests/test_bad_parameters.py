"""Malformed numbers and dates in any list or API answer 400 in Chinese — never 500, never a wider list."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

CASES = [
    ("/api/progress/", {"as_of": "0001-01-01"}),
    ("/api/progress/", {"as_of": "2021-13-01"}),
    ("/progress/", {"as_of": "99999-01-01"}),
    ("/api/entries/", {"village": "9" * 20}),
    ("/api/entries/", {"batch": "9" * 20}),
    ("/api/entries/", {"page": "abc"}),
    ("/entries/", {"per_page": "x"}),
    ("/entries/", {"page": "9" * 30}),
]


@pytest.mark.parametrize(("path", "params"), CASES)
def test_a_malformed_parameter_answers_400_in_chinese(login, admin_user, path, params):
    response = login(admin_user).get(path, params)
    assert response.status_code == 400, (path, params)
    json = "json" in response["Content-Type"]
    text = str(response.json()) if json else response.content.decode()
    assert any("\u4e00" <= char <= "\u9fff" for char in text), text[:200]

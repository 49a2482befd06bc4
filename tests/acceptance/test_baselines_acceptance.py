"""Acceptance of the baselines: an enrolment export, then ``import_baselines`` in a real child process, then
``/api/progress/`` — a town's resident pension is not judged until its baseline is set, then on its increment."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.targets.helpers import INSURANCE_NAMES, new_id_number, write_records_csv


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _resident(manage, town: str) -> dict:
    result = manage("shell", "-c", _API_SNIPPET)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), result.stderr
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    resident = next(item for item in payload["indicators"] if item["code"] == "resident_pension_insured")
    return next(row for row in resident["towns"] if row["town"] == town)


# /api/progress/ through Django's test client inside the child process: the HTTP view, its own database.
_API_SNIPPET = """
from django.test import Client
from django.test.utils import setup_test_environment
from campaigns.models import User, Role
setup_test_environment()
user, _ = User.objects.get_or_create(username="acceptance-office", defaults={"role": Role.OFFICE})
client = Client()
client.force_login(user)
response = client.get("/api/progress/", {"as_of": "2021-06-30"}, secure=True)
print(response.content.decode())
"""


def test_a_town_is_judged_on_its_increment_once_import_baselines_sets_its_baseline(manage, tmp_path):
    # The child process's database is shared by the session's acceptance tests: count from what it holds.
    held = _resident(manage, "九村镇")["actual"]
    rows = [
        ["甲", new_id_number(), INSURANCE_NAMES["resident_pension"], f"2021-06-{day:02d}", "九村镇", "", 300, ""]
        for day in range(1, 26)
    ]
    result = manage("import_enrolments", str(write_records_csv(tmp_path / "参保.csv", rows)))
    assert result.returncode == 0, result.stderr

    before = _resident(manage, "九村镇")
    assert (before["completion"], before["status"], before["actual"]) == (None, "no_baseline", held + 25)

    baselines = _write(
        tmp_path / "基数.csv",
        ["镇(街道)", "指标", "基数"],
        [["九村镇", "城乡居民基本养老保险参保人数", "7,450"], ["东城镇", "城乡居民基本养老保险参保人数", 1]],
    )
    result = manage("import_baselines", str(baselines))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "updated=1 rejected=1"
    assert Path(lines[-2].removeprefix("rejected rows: ")).is_file()

    after = _resident(manage, "九村镇")
    # 25 (and any held before) of the 500 asked for (7,950 − 7,450).
    new = held + 25
    assert (after["baseline"], after["actual"], after["new"]) == (7450, 7450 + new, new)
    assert after["completion"] == round(new / 500, 3)
    assert (after["status"], after["behind"]) == ("behind", True)

"""``python manage.py load_region_plan PATH --region CODE --name NAME --year YEAR --start DATE --target-date DATE
[--document-number 文号]``."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Region
from targets.services.region_plans import PlanError, region_plan_load


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("日期格式应为 YYYY-MM-DD，例如 2021-03-18：%(value)s") % {"value": value}) from None


class Command(BaseCommand):
    help = (
        "载入市（州）专项行动方案及其下达各县(市、区)的目标任务（xlsx 或 csv：县(市、区)、指标、目标值、基数、备注；"
        "县(市、区)留空或填“全市”为全市（州）目标）。同一方案再次载入时替换其目标任务；任何一行有误则整个文件都不载入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="目标任务文件路径（.xlsx 或 .csv）")
        parser.add_argument("--region", required=True, help="市（州）的区划代码，例如 530400")
        parser.add_argument("--name", required=True, help="方案名称")
        parser.add_argument("--year", required=True, type=int, help="年度")
        parser.add_argument("--document-number", default="", help="文号，例如 玉人社发〔2021〕24号")
        parser.add_argument("--start", required=True, help="开始日期 YYYY-MM-DD")
        parser.add_argument("--target-date", required=True, help="目标日期 YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        region = Region.objects.filter(code=str(options["region"]).strip()).first()
        if region is None:
            raise CommandError(_("找不到区划代码为 %(code)s 的行政区划") % {"code": options["region"]})
        try:
            loaded = region_plan_load(
                region=region,
                name=options["name"],
                year=options["year"],
                document_number=options["document_number"],
                start=_date(options["start"]),
                target_date=_date(options["target_date"]),
                path=options["path"],
            )
        except PlanError as error:
            raise CommandError(_("专项行动方案未载入：") + "\n" + "\n".join(error.shown())) from error
        self.stdout.write(loaded.message)

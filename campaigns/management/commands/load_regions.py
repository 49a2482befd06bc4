from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.regions import RegionFileError, read_region_file
from campaigns.services import regions_load

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "从 CSV 文件(区划代码,名称,上级代码)载入行政区划树(省、市、县、乡镇、村);"
        "按区划代码新增或更新,可重复载入;任何一行有误则整个文件都不载入。例如 fixtures/regions/yuxi.csv"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV 文件路径")

    def handle(self, *args: object, path: str, **options: object) -> None:
        try:
            rows = read_region_file(path)
            loaded = regions_load(rows=rows)
        except RegionFileError as error:
            shown = error.errors[:SHOWN_ERRORS]
            if len(error.errors) > SHOWN_ERRORS:
                shown.append(f"……另有 {len(error.errors) - SHOWN_ERRORS} 处错误")
            raise CommandError("行政区划未载入:\n" + "\n".join(shown)) from error
        self.stdout.write(
            f"已载入行政区划 {len(rows)} 个:新增 {loaded.created} 个,更新 {loaded.updated} 个,"
            f"未变 {loaded.unchanged} 个;挂接县(市、区) {loaded.counties_attached} 个"
        )

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Campaign


class Command(BaseCommand):
    help = "载入专项行动数据(fixtures/ 下的 JSON),已载入过则跳过,不覆盖管理员此后的修改。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fixture", help="例如 chengjiang_2021")

    def handle(self, *args: object, fixture: str, **options: object) -> None:
        paths = [Path(d) / f"{fixture}.json" for d in settings.FIXTURE_DIRS]
        path = next((p for p in paths if p.exists()), None)
        if path is None:
            raise CommandError(_("找不到专项行动数据：%(fixture)s") % {"fixture": fixture})
        objects = json.loads(path.read_text(encoding="utf-8"))
        campaigns = [o["fields"] for o in objects if o["model"] == "campaigns.campaign"]
        if campaigns and all(Campaign.objects.filter(name=c["name"], year=c["year"]).exists() for c in campaigns):
            self.stdout.write(_("专项行动已存在，跳过载入：%(fixture)s") % {"fixture": fixture})
            return
        call_command("loaddata", str(path), verbosity=0)
        self.stdout.write(_("已载入专项行动：%(fixture)s") % {"fixture": fixture})

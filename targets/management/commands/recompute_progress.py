import datetime
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Region
from campaigns.selectors import campaign_for_command
from targets.services import RecomputeBusy, progress_run

WAIT_SECONDS = 300


class Command(BaseCommand):
    help = (
        "立即(同步)重算专项行动进度快照,与 Celery 任务相同的代码。"
        "--as-of YYYY-MM-DD 只算该日;不指定时重算今天及所有保留的快照日期。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="统计截止日期 YYYY-MM-DD")
        parser.add_argument("--campaign", type=int, help="专项行动 ID(默认:当前专项行动)")
        parser.add_argument(
            "--region",
            help="区划代码(如 530400):该区划下各县(市、区)的专项行动分别重算(Celery 任务组,每县各自认领)",
        )

    def handle(self, *args: object, **options: object) -> None:
        as_of = None
        if options["as_of"]:
            try:
                as_of = datetime.date.fromisoformat(str(options["as_of"]))
            except ValueError as exc:
                raise CommandError(
                    _("日期格式错误：%(value)s（应为 YYYY-MM-DD）") % {"value": options["as_of"]}
                ) from exc
        if options["region"]:
            self._region(str(options["region"]), as_of)
            return
        campaign: Campaign = campaign_for_command(options["campaign"])  # type: ignore[arg-type]
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                written = progress_run(campaign=campaign, as_of=as_of)
                break
            except RecomputeBusy:
                # Another recompute of this campaign is running: wait for it rather than run alongside.
                if time.monotonic() > deadline:
                    raise CommandError(_("另一次进度重算仍在进行，请稍后再试")) from None
                time.sleep(0.5)
        self.stdout.write(f"campaign={campaign.pk} as_of={as_of or 'all'} snapshots={written}")

    def _region(self, code: str, as_of: datetime.date | None) -> None:
        from django.conf import settings

        from targets.tasks import progress_region_workflow

        region = Region.objects.filter(code=code.strip()).first()
        if region is None:
            raise CommandError(_("找不到区划代码为 %(code)s 的行政区划") % {"code": code})
        workflow = progress_region_workflow(region=region, as_of=as_of.isoformat() if as_of else None)
        if settings.CELERY_TASK_ALWAYS_EAGER:
            summary = workflow.apply().get()
            self.stdout.write(
                f"region={region.code} counties={summary['counties']} recomputed={len(summary['recomputed'])}"
                f" busy={len(summary['busy'])} snapshots={summary['rows']}"
            )
        else:
            result = workflow.apply_async()
            self.stdout.write(f"region={region.code} queued gathering task {result.id}")
